/** Property tests: spelling, wrapping and garbage never change what is blocked. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { analyzeCommand } from "./analyze.js";
import { compileBlocklist, matchBlocklist } from "./blocklist.js";

const compiled = compileBlocklist(["rm -rf /", ":(){ :|:& };:", "dd if=/dev/zero"]);
const opts = { cwd: "/home/u", pathExists: () => false };
const blocked = (cmd: string) => matchBlocklist(compiled, analyzeCommand(cmd, opts))?.entry ?? null;

/** Blocked commands as word lists. */
const BLOCKED_WORDS: [string[], string][] = [
  [["rm", "-rf", "/"], "rm -rf /"],
  [["rm", "-r", "-f", "/"], "rm -rf /"],
  [["dd", "if=/dev/zero", "of=/dev/sda"], "dd if=/dev/zero"],
];

/** A harmless spelling of one word that the shell reads back as the same word. */
const quoteWord = (w: string) =>
  fc.constantFrom<(s: string) => string>(
    (s) => s,
    (s) => `'${s}'`,
    (s) => `"${s}"`,
    (s) => s.split("").map((c) => (/[a-z]/.test(c) ? `\\${c}` : c)).join(""),
    (s) => (s.length > 1 ? `${s.slice(0, 1)}'${s.slice(1)}'` : s),
    (s) => `$'${s}'`,
  ).map((f) => f(w));

const space = fc.constantFrom(" ", "  ", "\t", " \t ", " \\\n ");

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe("properties", () => {
  it("(a) extra whitespace and harmless quoting never change the verdict", () => {
    const arb = fc.constantFrom(...BLOCKED_WORDS).chain(([words, entry]) =>
      fc.tuple(fc.tuple(...words.map(quoteWord)), fc.array(space, { minLength: words.length + 1, maxLength: words.length + 1 }), fc.constant(entry)),
    );
    fc.assert(
      fc.property(arb, ([words, spaces, entry]) => {
        const cmd = spaces[0] + words.map((w, i) => w + (spaces[i + 1] ?? " ")).join("");
        assert.equal(blocked(cmd), entry, cmd);
      }),
      { numRuns: 300 },
    );
  });

  it("(a) fork bomb with any spacing", () => {
    const sp = fc.constantFrom("", " ", "  ", "\t");
    const nl = fc.constantFrom("", " ", "\n", " \n  ");
    fc.assert(
      fc.property(fc.tuple(nl, nl, sp, nl, sp, nl, sp, nl, nl), fc.constantFrom(":", "bomb", "f_1"), (s, name) => {
        const cmd = `${name}()${s[0]}{ ${s[1]}${name}${s[2]}|${s[3]}${name}${s[4]}&${s[5]}}${s[6]};${s[7]}${name}${s[8]}`;
        assert.equal(blocked(cmd), ":(){ :|:& };:", cmd);
      }),
      { numRuns: 200 },
    );
  });

  it("(b) wrapping a blocked command in wrappers keeps it blocked", () => {
    // Command wrappers prefix a simple command; syntax wrappers turn any command line into a new one.
    const prefix = fc.constantFrom("env A=1", "env -i", "nice -n 7", "nice", "timeout 30", "timeout -k 5 1m", "command", "sudo", "sudo -u root", "nohup", "exec", "stdbuf -oL");
    // [wrap, does the result stay a simple command that a prefix can precede?]
    const syntax = fc.constantFrom<[(c: string) => string, boolean]>(
      [(c) => `sh -c ${shq(c)}`, true],
      [(c) => `bash -c ${shq(c)}`, true],
      [(c) => `eval ${shq(c)}`, true],
      [(c) => `echo "$( ${c} )"`, true],
      [(c) => `( ${c} )`, false],
      [(c) => `{ ${c}; }`, false],
      [(c) => `true && ${c}`, false],
      [(c) => `if true; then ${c}; fi`, false],
      [(c) => `ls | ${c}`, false],
    );
    const layer = fc.tuple(fc.array(prefix, { maxLength: 3 }), syntax);
    fc.assert(
      fc.property(fc.constantFrom(...BLOCKED_WORDS), fc.array(prefix, { maxLength: 3 }), fc.array(layer, { maxLength: 3 }), ([words, entry], first, layers) => {
        let cmd = [...first, ...words].join(" ");
        let simple = true;
        for (const [prefixes, [wrap, keepsSimple]] of layers) {
          cmd = wrap([...(simple ? prefixes : []), cmd].join(" "));
          simple = keepsSimple;
        }
        assert.equal(blocked(cmd), entry, cmd);
      }),
      { numRuns: 300 },
    );
  });

  it("(c) never throws on arbitrary input", () => {
    const shellish = fc.array(
      fc.constantFrom("rm", " ", "-rf", "/", "'", '"', "\\", "$(", ")", "`", "{", "}", "(", ";", "&", "|", "<", ">", "$", "*", "\n", "#", "=", "x", "<<", "EOF", "${", "[[", "]]", "((", "))", "!"),
      { maxLength: 30 },
    ).map((a) => a.join(""));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: "binary", maxLength: 40 }), shellish), (s) => {
        const a = analyzeCommand(s, opts);
        assert.equal(typeof a.ok, "boolean");
        if (!a.ok) assert.equal(typeof a.parseError, "string");
        else matchBlocklist(compiled, a);
      }),
      { numRuns: 1000 },
    );
  });
});
