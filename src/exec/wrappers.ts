/**
 * Wrappers: programs that run another command given in their arguments
 * (`sudo rm`, `env X=1 rm`, `timeout 5 rm`, `sh -c 'rm'`, `eval rm`, …).
 * `unwrap` peels them off one by one and records them; the analyser then
 * looks at what is really run. The table of wrappers is in wrapper-table.ts,
 * the programs with their own rules in special-wrappers.ts.
 */
import { codeRunner } from "./interpreters.js";
import { literalWord } from "./words.js";
import type { ArgWord } from "./words.js";
import { joinLiteral, skipOptions } from "./wrapper-options.js";
import { FOREIGN_SHELLS, SHELLS, WRAPPERS } from "./wrapper-table.js";
import { unwrapFlock, unwrapForeignShell, unwrapScript, unwrapShell, unwrapSu, unwrapWatch, unwrapXargs } from "./special-wrappers.js";
import type { Nested, Step } from "./special-wrappers.js";

export { FOREIGN_SHELLS, SHELLS, WRAPPERS } from "./wrapper-table.js";
export type { Nested } from "./special-wrappers.js";

export interface Unwrapped {
  /** What is really run (empty when the wrapper chain hands over to a nested script). */
  words: ArgWord[];
  wrappers: string[];
  /** Working directory set by a wrapper (`env -C DIR`, `sudo -D DIR`). */
  chdir: ArgWord | null;
  /** Arguments are appended at run time from stdin (xargs). */
  stdinArgs: boolean;
  nested: Nested | null;
  unanalyzable: string | null;
  /** `NAME=value` words given to env/sudo: variables set for the command. */
  assignments: ArgWord[];
}

/** The program name of a word: basename of a static literal (`/proc/self/exe` is the shell), else null. */
export function programName(word: ArgWord | undefined): string | null {
  if (!word || !word.literal || word.glob || word.text === "") return null;
  // The running program's own executable: the shell that runs the command line.
  if (/^\/+proc\/+(self|thread-self)\/+exe$/.test(word.text)) return "bash";
  const i = word.text.lastIndexOf("/");
  return i < 0 ? word.text : word.text.slice(i + 1);
}

/** Peels wrappers off `words` (a full argv). */
export function unwrap(words: ArgWord[]): Unwrapped {
  const out: Unwrapped = { words, wrappers: [], chdir: null, stdinArgs: false, nested: null, unanalyzable: null, assignments: [] };
  for (let guard = 0; guard < 64; guard++) {
    const name = programName(out.words[0]);
    if (name === null) return out;
    const args = out.words.slice(1);
    const step = unwrapOne(name, args);
    if (step === null) return out;
    if (step.chdir) out.chdir = step.chdir;
    if (step.stdinArgs) out.stdinArgs = true;
    if (step.assignments) out.assignments.push(...step.assignments);
    if (step.nested || step.unanalyzable) {
      out.wrappers.push(name);
      out.nested = step.nested ?? null;
      out.unanalyzable = step.unanalyzable ?? null;
      out.words = step.nested ? [] : out.words;
      if (step.unanalyzable) out.wrappers.pop();
      return out;
    }
    if (step.rest.length === 0) return out;
    // systemd-run --user runs as the caller: recorded apart so it is not elevated.
    const userScope = name === "systemd-run" && args.some((w) => w.literal && w.text === "--user");
    out.wrappers.push(userScope ? "systemd-run --user" : name);
    out.words = step.rest;
  }
  out.unanalyzable = "too many nested wrappers";
  return out;
}

function unwrapOne(name: string, args: ArgWord[]): Step | null {
  if (SHELLS.has(name)) return unwrapShell(name, args);
  if (FOREIGN_SHELLS.has(name)) return unwrapForeignShell(name, args);
  switch (name) {
    case "eval": {
      if (args.length === 0) return null;
      const script = joinLiteral(args, false);
      return script ? { rest: [], nested: { script, via: "eval", sameShell: true } } : { rest: args, unanalyzable: "eval of a non-literal string" };
    }
    case "su":
    case "runuser":
      return unwrapSu(name, args);
    case "xargs":
      return { ...unwrapXargs(args), stdinArgs: true };
    case "flock":
      return unwrapFlock(args);
    case "watch":
      return unwrapWatch(args);
    case "capsh": {
      const dd = args.findIndex((w) => w.literal && w.text === "--");
      return dd < 0 ? { rest: [] } : { rest: [literalWord("bash"), ...args.slice(dd + 1)] };
    }
    case "script":
      return unwrapScript(args);
  }
  const runner = codeRunner(name);
  if (runner) {
    const why = runner.inspect(name, args)?.unanalyzable;
    return why === undefined ? null : { rest: args, unanalyzable: why };
  }
  const spec = WRAPPERS[name];
  if (!spec) return null;
  const skipped = skipOptions(spec, args);
  if (skipped.split) {
    const parts = [skipped.split, ...skipped.rest];
    const first = joinLiteral([skipped.split], false);
    const rest = joinLiteral(skipped.rest, true);
    if (!first || !rest) return { rest: parts, unanalyzable: "env -S of a non-literal string" };
    return { rest: [], chdir: skipped.chdir, assignments: skipped.assignments, nested: { script: literalWord(`${first.text} ${rest.text}`), via: name, sameShell: false } };
  }
  return { rest: skipped.rest, chdir: skipped.chdir, assignments: skipped.assignments };
}
