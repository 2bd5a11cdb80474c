/**
 * Wrappers with their own rules for finding what they run: shells (`sh -c`),
 * `su`/`runuser -c`, `xargs`, `flock`, `watch` and `script`.
 */
import { literalWord, makeWord } from "./words.js";
import type { ArgWord, Piece } from "./words.js";
import { joinLiteral, skipOptions } from "./wrapper-options.js";
import type { WrapperSpec } from "./wrapper-table.js";

export interface Nested {
  script: ArgWord;
  via: string;
  /** Runs in the current shell (eval): a `cd` inside moves the rest of the list. */
  sameShell: boolean;
}

/** One wrapper peeled off: what follows it, or the script it hands over to, or why it cannot be analysed. */
export interface Step {
  rest: ArgWord[];
  chdir?: ArgWord | null;
  stdinArgs?: boolean;
  /** `NAME=value` words the wrapper puts in the command's environment. */
  assignments?: ArgWord[];
  nested?: Nested;
  unanalyzable?: string;
}

export function unwrapShell(name: string, args: ArgWord[]): Step | null {
  let script: ArgWord | null = null;
  let hasC = false;
  let noExec = false;
  let operand = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as ArgWord;
    if (!w.literal) {
      if (hasC && script === null) return { rest: args, unanalyzable: `${name} -c of a non-literal string` };
      operand = true;
      break;
    }
    const t = w.text;
    if (hasC && script === null) {
      script = w;
      break;
    }
    if (t === "--" || t === "-") {
      operand = i + 1 < args.length;
      break;
    }
    if (t === "--version" || t === "--help") noExec = true;
    if (t === "--rcfile" || t === "--init-file") {
      i++;
      continue;
    }
    if (t.startsWith("--")) continue;
    if (/^[-+][a-zA-Z]+$/.test(t)) {
      if (t.includes("c") && t.startsWith("-")) hasC = true;
      if (t.startsWith("-") && t.includes("n")) noExec = true;
      if (/[oO]/.test(t)) i++;
      continue;
    }
    operand = true;
    break;
  }
  if (hasC) {
    if (script === null) return { rest: args, unanalyzable: `${name} -c without a command string` };
    return { rest: [], nested: { script, via: name, sameShell: false } };
  }
  if (noExec) return null;
  return { rest: args, unanalyzable: operand ? `${name} runs a script file` : `${name} reads commands from stdin` };
}

export function unwrapForeignShell(name: string, args: ArgWord[]): Step | null {
  if (args.some((w) => w.literal && /^--?(version|help)$/.test(w.text))) return null;
  return { rest: args, unanalyzable: `${name} runs commands in a syntax that is not analysed` };
}

export function unwrapSu(name: string, args: ArgWord[]): Step | null {
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as ArgWord;
    if (!w.literal) continue;
    const t = w.text;
    let cmd: ArgWord | undefined;
    if (t === "-c" || t === "--command" || t === "--session-command") cmd = args[i + 1];
    else if (t.startsWith("--command=")) cmd = literalWord(t.slice("--command=".length));
    else if (t === "--" && name === "runuser" && args.slice(0, i).some((a) => a.literal && a.text === "-u")) {
      return i + 1 < args.length ? { rest: args.slice(i + 1) } : null;
    } else continue;
    if (!cmd) return { rest: args, unanalyzable: `${name} -c without a command string` };
    if (!cmd.literal) return { rest: args, unanalyzable: `${name} -c of a non-literal string` };
    return { rest: [], nested: { script: cmd, via: name, sameShell: false } };
  }
  return null;
}

const XARGS_SPEC: WrapperSpec = {
  valueShort: "aEdILnPs",
  valueLong: ["--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"],
};

export function unwrapXargs(args: ArgWord[]): Step {
  const skipped = skipOptions(XARGS_SPEC, args);
  if (skipped.rest.length === 0) return { rest: [literalWord("echo")] };
  const replace = xargsReplaceString(args.slice(0, args.length - skipped.rest.length));
  return { rest: replace === null ? skipped.rest : skipped.rest.map((w) => substituteInput(w, replace)) };
}

/** The replace-string of `xargs -I R` / `-i[R]` / `--replace[=R]`, or null. */
function xargsReplaceString(options: ArgWord[]): string | null {
  let found: string | null = null;
  options.forEach((w, i) => {
    const t = w.text;
    if (t === "-I") found = options[i + 1]?.text ?? null;
    else if (/^-[^-]*I/.test(t) && !/^-[^-]*[aEdLnPs][^-]*I/.test(t)) found = t.slice(t.indexOf("I") + 1) || (options[i + 1]?.text ?? null);
    else if (/^-i/.test(t)) found = t.slice(2) || "{}";
    else if (t === "--replace") found = "{}";
    else if (t.startsWith("--replace=")) found = t.slice("--replace=".length);
  });
  return found;
}

/** A word with xargs's replace-string stands for input: each occurrence is an unknown piece (so `sh -c '… {} …'` is not literal). */
function substituteInput(word: ArgWord, replace: string): ArgWord {
  if (!word.literal || replace === "" || !word.text.includes(replace)) return word;
  const pieces: Piece[] = [];
  word.text.split(replace).forEach((p, idx) => {
    if (idx > 0) pieces.push({ kind: "dyn", splittable: false, what: "xargs input" });
    if (p !== "") pieces.push({ kind: "lit", text: p, quoted: true });
  });
  return makeWord(pieces, word.text);
}

const FLOCK_SPEC: WrapperSpec = { valueShort: "wE", valueLong: ["--timeout", "--wait", "--conflict-exit-code"] };

/** `flock [opts] FILE CMD …` runs CMD; `flock [opts] FILE -c STRING` runs STRING with sh; `flock FD` runs nothing. */
export function unwrapFlock(args: ArgWord[]): Step | null {
  const rest = skipOptions(FLOCK_SPEC, args).rest;
  const second = rest[1];
  if (second === undefined) return null;
  if (second.literal && (second.text === "-c" || second.text === "--command")) {
    const cmd = rest[2];
    if (!cmd) return { rest: args, unanalyzable: "flock -c without a command string" };
    return cmd.literal ? { rest: [], nested: { script: cmd, via: "flock", sameShell: false } } : { rest: args, unanalyzable: "flock -c of a non-literal string" };
  }
  return { rest: rest.slice(1) };
}

export function unwrapWatch(args: ArgWord[]): Step | null {
  const skipped = skipOptions({ valueShort: "nq", valueLong: ["--interval", "--equexit"] }, args);
  if (skipped.rest.length === 0) return null;
  const direct = args.some((w) => w.literal && (w.text === "-x" || w.text === "--exec"));
  if (direct) return { rest: skipped.rest };
  const script = joinLiteral(skipped.rest, false);
  return script ? { rest: [], nested: { script, via: "watch", sameShell: false } } : { rest: skipped.rest, unanalyzable: "watch of a non-literal string" };
}

const SCRIPT_VALUE = "IOBTmEo";

/** `script [opts] [FILE]` runs `$SHELL` reading stdin unless `-c STRING` (also `-qc`, `--command=`) names the command. */
export function unwrapScript(args: ArgWord[]): Step | null {
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as ArgWord;
    if (!w.literal) continue;
    const t = w.text;
    let cmd: ArgWord | undefined;
    if (t === "-V" || t === "--version" || t === "-h" || t === "--help") return null;
    if (t === "--command") cmd = args[i + 1];
    else if (t.startsWith("--command=")) cmd = literalWord(t.slice("--command=".length));
    else if (/^-[^-]/.test(t)) {
      const letters = t.slice(1);
      const c = letters.indexOf("c");
      const valueBefore = [...letters.slice(0, c < 0 ? letters.length : c)].some((l) => SCRIPT_VALUE.includes(l));
      if (c < 0 || valueBefore) {
        const v = [...letters].findIndex((l) => SCRIPT_VALUE.includes(l));
        if (v === letters.length - 1) i++;
        continue;
      }
      cmd = letters.length > c + 1 ? literalWord(letters.slice(c + 1)) : args[i + 1];
    } else continue;
    if (!cmd) return { rest: args, unanalyzable: "script -c without a command string" };
    return cmd.literal ? { rest: [], nested: { script: cmd, via: "script", sameShell: false } } : { rest: args, unanalyzable: "script -c of a non-literal string" };
  }
  return { rest: args, unanalyzable: "script runs a shell that reads its stdin" };
}
