/**
 * Wrappers: programs that run another command given in their arguments
 * (`sudo rm`, `env X=1 rm`, `timeout 5 rm`, `sh -c 'rm'`, `eval rm`, …).
 * `unwrap` peels them off one by one and records them; the analyser then
 * looks at what is really run.
 */
import { codeRunner } from "./interpreters.js";
import { literalWord, makeWord } from "./words.js";
import type { ArgWord, Piece } from "./words.js";

interface WrapperSpec {
  /** Short flags that take a value (attached `-uroot` or separate `-u root`). */
  valueShort?: string;
  /** Long flags that take a separate value when written without `=`. */
  valueLong?: readonly string[];
  /** Operands consumed before the command (timeout DURATION, chroot NEWROOT). */
  skipOperands?: number;
  /** `-5` style numeric flags (nice). */
  numericFlags?: boolean;
  /** `NAME=value` operands are skipped (env). */
  assignments?: boolean;
  /** Flags whose value is the working directory of the command. */
  chdir?: readonly string[];
}

/** Generic wrappers: skip their options, the rest is the command. */
export const WRAPPERS: Readonly<Record<string, WrapperSpec>> = {
  env: { valueShort: "uCS", valueLong: ["--unset", "--chdir", "--split-string"], assignments: true, chdir: ["-C", "--chdir"] },
  command: {},
  builtin: {},
  exec: { valueShort: "a" },
  nice: { valueShort: "n", valueLong: ["--adjustment"], numericFlags: true },
  nohup: {},
  timeout: { valueShort: "ks", valueLong: ["--kill-after", "--signal"], skipOperands: 1 },
  time: { valueShort: "fo", valueLong: ["--format", "--output"] },
  stdbuf: { valueShort: "ioe", valueLong: ["--input", "--output", "--error"] },
  ionice: { valueShort: "cnpPu", valueLong: ["--class", "--classdata", "--pid", "--pgid", "--uid"] },
  setsid: {},
  sudo: {
    valueShort: "ugCDprtTUR",
    valueLong: ["--user", "--group", "--close-from", "--chdir", "--prompt", "--role", "--type", "--command-timeout", "--other-user", "--chroot", "--host"],
    chdir: ["-D", "--chdir"],
  },
  doas: { valueShort: "uC" },
  pkexec: { valueLong: ["--user"] },
  run0: {
    valueShort: "ugD",
    valueLong: ["--user", "--group", "--chdir", "--nice", "--setenv", "--property", "--unit", "--description", "--slice", "--background", "--machine"],
    chdir: ["-D", "--chdir"],
  },
  chroot: { valueLong: ["--userspec", "--groups"], skipOperands: 1 },
  nsenter: { valueShort: "tSG", valueLong: ["--target", "--setuid", "--setgid"] },
  setpriv: {
    valueLong: ["--reuid", "--regid", "--ruid", "--euid", "--rgid", "--egid", "--groups", "--inh-caps", "--ambient-caps", "--bounding-set", "--securebits", "--pdeathsig", "--selinux-label", "--apparmor-profile"],
  },
  "systemd-run": {
    valueShort: "pEMH",
    valueLong: ["--unit", "--property", "--description", "--slice", "--setenv", "--uid", "--gid", "--working-directory", "--nice", "--machine", "--host", "--service-type"],
    chdir: ["--working-directory"],
  },
  taskset: { skipOperands: 1 },
  chrt: { skipOperands: 1 },
  numactl: { valueShort: "CNmMpiP", valueLong: ["--cpunodebind", "--membind", "--preferred", "--interleave", "--physcpubind"] },
  prlimit: { valueShort: "p", valueLong: ["--pid"] },
  strace: { valueShort: "eoOpPsSuXbEI", valueLong: ["--output", "--user", "--env"] },
  ltrace: { valueShort: "eoOpsuEnAlL" },
  unbuffer: {},
  firejail: {},
  torsocks: {},
  proxychains: { valueShort: "f" },
  proxychains4: { valueShort: "f" },
  busybox: {},
  toybox: {},
  catchsegv: {},
  chronic: {},
  ifne: {},
  fakeroot: { valueShort: "lis", valueLong: ["--lib", "--faked", "-s", "-i"] },
  faketime: { skipOperands: 1 },
  "systemd-inhibit": { valueLong: ["--what", "--who", "--why", "--mode"] },
  "dbus-run-session": { valueLong: ["--config-file", "--dbus-daemon"] },
};

/** Shells whose `-c STRING` is parsed as shell and analysed recursively. */
export const SHELLS: ReadonlySet<string> = new Set(["sh", "bash", "dash", "zsh", "ksh", "mksh", "lksh", "ash", "rbash", "yash", "posh"]);
/** Shells with a different syntax: their `-c` cannot be analysed. */
export const FOREIGN_SHELLS: ReadonlySet<string> = new Set(["fish", "csh", "tcsh", "nu", "xonsh", "elvish", "pwsh", "powershell"]);

export interface Nested {
  script: ArgWord;
  via: string;
  /** Runs in the current shell (eval): a `cd` inside moves the rest of the list. */
  sameShell: boolean;
}

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
}

/** The program name of a word: basename of a static literal, else null. */
export function programName(word: ArgWord | undefined): string | null {
  if (!word || !word.literal || word.glob || word.text === "") return null;
  const i = word.text.lastIndexOf("/");
  return i < 0 ? word.text : word.text.slice(i + 1);
}

function isAssignment(w: ArgWord): boolean {
  const first = w.pieces[0];
  return first?.kind === "lit" && !first.quoted && /^[A-Za-z_][A-Za-z0-9_]*=/.test(first.text);
}

interface SkipResult {
  rest: ArgWord[];
  chdir: ArgWord | null;
  split: ArgWord | null;
}

/** Skips a generic wrapper's options and fixed operands; returns what follows. */
function skipOptions(spec: WrapperSpec, args: ArgWord[]): SkipResult {
  const valueShort = spec.valueShort ?? "";
  const valueLong = spec.valueLong ?? [];
  let skip = spec.skipOperands ?? 0;
  let chdir: ArgWord | null = null;
  let split: ArgWord | null = null;
  const note = (flag: string, value: ArgWord | undefined) => {
    if (!value) return;
    if (spec.chdir?.includes(flag)) chdir = value;
    if (flag === "-S" || flag === "--split-string") split = value;
  };
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i] as ArgWord;
    if (!w.literal) {
      if (spec.assignments && isAssignment(w)) continue;
      break;
    }
    const t = w.text;
    if (t === "--") {
      i++;
      break;
    }
    if (t.startsWith("--")) {
      const eq = t.indexOf("=");
      if (eq >= 0) note(t.slice(0, eq), literalWord(t.slice(eq + 1)));
      else if (valueLong.includes(t)) note(t, args[++i]);
      continue;
    }
    if (t.startsWith("-") && t.length > 1) {
      if (spec.numericFlags && /^-\d+$/.test(t)) continue;
      for (let j = 1; j < t.length; j++) {
        const letter = t[j] as string;
        if (valueShort.includes(letter)) {
          const attached = t.slice(j + 1);
          note(`-${letter}`, attached !== "" ? literalWord(attached) : args[++i]);
          break;
        }
      }
      continue;
    }
    if (spec.assignments && isAssignment(w)) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    break;
  }
  return { rest: args.slice(i), chdir, split };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Joins literal words into one script (eval, env -S, watch). Null if any is not literal. */
function joinLiteral(words: ArgWord[], quote: boolean): ArgWord | null {
  if (words.some((w) => !w.literal)) return null;
  return literalWord(words.map((w) => (quote ? shellQuote(w.text) : w.text)).join(" "));
}

/** Peels wrappers off `words` (a full argv). */
export function unwrap(words: ArgWord[]): Unwrapped {
  const out: Unwrapped = { words, wrappers: [], chdir: null, stdinArgs: false, nested: null, unanalyzable: null };
  for (let guard = 0; guard < 64; guard++) {
    const name = programName(out.words[0]);
    if (name === null) return out;
    const args = out.words.slice(1);
    const step = unwrapOne(name, args);
    if (step === null) return out;
    if (step.chdir) out.chdir = step.chdir;
    if (step.stdinArgs) out.stdinArgs = true;
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

interface Step {
  rest: ArgWord[];
  chdir?: ArgWord | null;
  stdinArgs?: boolean;
  nested?: Nested;
  unanalyzable?: string;
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
    return { rest: [], chdir: skipped.chdir, nested: { script: literalWord(`${first.text} ${rest.text}`), via: name, sameShell: false } };
  }
  return { rest: skipped.rest, chdir: skipped.chdir };
}

function unwrapShell(name: string, args: ArgWord[]): Step | null {
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

function unwrapForeignShell(name: string, args: ArgWord[]): Step | null {
  if (args.some((w) => w.literal && /^--?(version|help)$/.test(w.text))) return null;
  return { rest: args, unanalyzable: `${name} runs commands in a syntax that is not analysed` };
}

function unwrapSu(name: string, args: ArgWord[]): Step | null {
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

function unwrapXargs(args: ArgWord[]): Step {
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
function unwrapFlock(args: ArgWord[]): Step | null {
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

function unwrapWatch(args: ArgWord[]): Step | null {
  const skipped = skipOptions({ valueShort: "nq", valueLong: ["--interval", "--equexit"] }, args);
  if (skipped.rest.length === 0) return null;
  const direct = args.some((w) => w.literal && (w.text === "-x" || w.text === "--exec"));
  if (direct) return { rest: skipped.rest };
  const script = joinLiteral(skipped.rest, false);
  return script ? { rest: [], nested: { script, via: "watch", sameShell: false } } : { rest: skipped.rest, unanalyzable: "watch of a non-literal string" };
}

const SCRIPT_VALUE = "IOBTmEo";

/** `script [opts] [FILE]` runs `$SHELL` reading stdin unless `-c STRING` (also `-qc`, `--command=`) names the command. */
function unwrapScript(args: ArgWord[]): Step | null {
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
