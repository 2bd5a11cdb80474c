/**
 * awk and sed: their program text is on the command line, so it is read.
 * What it can do decides the verdict: running shell commands (awk
 * `system(`, pipes, `@load`; sed `e`, `s///e`) or loading program files is
 * unanalyzable; writing files (awk `print >`, sed `-i`, `w`) is destructive;
 * reading input and printing is nothing.
 */
import type { RunnerVerdict } from "./types.js";
import { literalWord } from "./words.js";
import type { ArgWord } from "./words.js";

// ── awk: the program text is read ─────────────────────────────────────

/** Characters after which `/` starts a regex rather than a division. */
const REGEX_CONTEXT = new Set(["", "(", ",", "{", "}", ";", "!", "~", "&", "|", "?", ":", "=", "\n", "S", "R"]);

/** The awk program with strings (→ `S`), regexes (→ `R`) and comments removed. */
function awkSkeleton(text: string): string {
  let out = "";
  let i = 0;
  const regexAllowed = (): boolean => {
    const trimmed = out.replace(/[ \t]+$/, "");
    if (/\b(print|printf|return|in)$/.test(trimmed)) return true;
    return REGEX_CONTEXT.has(trimmed.slice(-1));
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "\\" && text[i + 1] === "\n") {
      i += 2;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      out += "S";
      continue;
    }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && regexAllowed()) {
      i++;
      let bracket = false;
      while (i < text.length && (bracket || text[i] !== "/")) {
        if (text[i] === "\\") i++;
        else if (text[i] === "[") bracket = true;
        else if (text[i] === "]") bracket = false;
        i++;
      }
      i++;
      out += "R";
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** What an awk program can do beyond reading input and printing to stdout. */
export function scanAwkProgram(text: string): { runsCommands: boolean; writesFiles: boolean } {
  const s = awkSkeleton(text);
  const runsCommands = /\bsystem\s*\(/.test(s) || /\|/.test(s.replace(/\|\|/g, "  ")) || /@(load|include)\b/.test(s);
  let writesFiles = false;
  const print = /\bprintf?\b/g;
  for (let m = print.exec(s); m !== null && !writesFiles; m = print.exec(s)) {
    let depth = 0;
    for (let i = m.index + m[0].length; i < s.length; i++) {
      const c = s[i] as string;
      if (c === "(") depth++;
      else if (c === ")") {
        if (--depth < 0) break;
      } else if (depth === 0 && (c === ";" || c === "}" || c === "\n")) break;
      else if (depth === 0 && c === ">") {
        writesFiles = true;
        break;
      }
    }
  }
  return { runsCommands, writesFiles };
}

const AWK_VALUE = ["-F", "-v", "--field-separator", "--assign"];
const AWK_SOURCE = ["-e", "--source"];
const AWK_FILE = ["-f", "-E", "-i", "-l", "--file", "--exec", "--include", "--load"];
/** gawk flags that write a file (awkvars.out, awkprof.out or the one named). */
const AWK_WRITES = ["-d", "-o", "-p", "--dump-variables", "--pretty-print", "--profile"];
const AWK_INFO = ["--version", "-V", "--help", "-h", "--usage"];

export function inspectAwk(name: string, args: ArgWord[]): RunnerVerdict | null {
  const programs: ArgWord[] = [];
  let writesFlag: string | null = null;
  let i = 0;
  let info = false;
  for (; i < args.length; i++) {
    const w = args[i] as ArgWord;
    const first = w.pieces[0];
    if (!w.literal && first?.kind === "lit" && first.text.startsWith("-")) return { unanalyzable: `${name} options are not static` };
    if (!w.literal) break;
    const t = w.text;
    if (t === "--") {
      i++;
      break;
    }
    if (t === "-" || !t.startsWith("-")) break;
    if (AWK_INFO.includes(t)) {
      info = true;
      continue;
    }
    const eq = t.startsWith("--") ? t.indexOf("=") : -1;
    const flag = t.startsWith("--") ? (eq < 0 ? t : t.slice(0, eq)) : t.slice(0, 2);
    const inline = t.startsWith("--") ? (eq < 0 ? null : t.slice(eq + 1)) : t.length > 2 ? t.slice(2) : null;
    if (AWK_WRITES.includes(flag)) {
      writesFlag = flag;
      continue;
    }
    if (flag === "-W") {
      const v = inline ?? args[++i]?.text ?? "";
      if (/^e(x(e(c)?)?)?\b/.test(v)) return { unanalyzable: `${name} -W exec runs a program file` };
      if (/^v/.test(v)) info = true;
      continue;
    }
    if (AWK_FILE.includes(flag)) return { unanalyzable: `${name} ${flag} runs a program file` };
    if (AWK_SOURCE.includes(flag)) {
      const v = inline !== null ? literalWord(inline) : args[++i];
      if (v === undefined) continue;
      if (!v.literal) return { unanalyzable: `${name} program is not static` };
      programs.push(v);
      continue;
    }
    if (AWK_VALUE.includes(flag)) {
      if (inline === null) i++;
      continue;
    }
  }
  if (programs.length === 0) {
    const p = args[i];
    if (p === undefined) return info || writesFlag === null ? null : { destructive: `${name} ${writesFlag} writes a file` };
    if (!p.literal) return { unanalyzable: `${name} program is not static` };
    programs.push(p);
  }
  const scan = scanAwkProgram(programs.map((p) => p.text).join("\n"));
  if (scan.runsCommands) return { unanalyzable: `${name} program runs commands (system, | or @load)` };
  if (scan.writesFiles) return { destructive: `${name} program writes files (print > or >>)` };
  if (writesFlag !== null) return { destructive: `${name} ${writesFlag} writes a file` };
  return null;
}

// ── sed: the script is parsed ─────────────────────────────────────────

/** sed commands without arguments. */
const SED_PLAIN = new Set([..."{=dDgGhHnNpPxzF"]);
/** Files GNU sed's `w` treats specially: writing there is output, not a file. */
const SED_SPECIAL_FILES = new Set(["/dev/stdout", "/dev/stderr"]);

/**
 * What a sed script can do: `e` (and `s///e`) run shell commands, `w`/`W`
 * (and `s///w`) write files. `understood: false` when the script does not
 * read as GNU sed (sed itself would reject it, or it is beyond this reader).
 */
export function scanSedScript(script: string): { runsCommands: boolean; writesFiles: boolean; understood: boolean } {
  const out = { runsCommands: false, writesFiles: false, understood: true };
  const s = script;
  let i = 0;
  const restOfLine = (): string => {
    const start = i;
    while (i < s.length && s[i] !== "\n") i += s[i] === "\\" ? 2 : 1;
    return s.slice(start, i).trim();
  };
  const skipDelimited = (delim: string): boolean => {
    let bracket = false;
    while (i < s.length) {
      const c = s[i] as string;
      if (c === "\\") i += 2;
      else if (bracket) {
        if (c === "]") bracket = false;
        i++;
      } else if (c === "[" && delim !== "[") {
        bracket = true;
        i++;
        if (s[i] === "^") i++;
        if (s[i] === "]") i++;
      } else if (c === delim) {
        i++;
        return true;
      } else i++;
    }
    return false;
  };
  const skipReplacement = (delim: string): boolean => {
    while (i < s.length) {
      const c = s[i] as string;
      if (c === "\\") i += 2;
      else if (c === delim) {
        i++;
        return true;
      } else i++;
    }
    return false;
  };
  const address = (): boolean => {
    const c = s[i];
    if (c === undefined) return false;
    if (/\d/.test(c)) {
      while (i < s.length && /[\d~]/.test(s[i] as string)) i++;
      return true;
    }
    if (c === "$") {
      i++;
      return true;
    }
    if (c === "/" || c === "\\") {
      const delim = c === "/" ? "/" : (s[i + 1] ?? "");
      i += c === "/" ? 1 : 2;
      if (!skipDelimited(delim)) return (out.understood = false);
      while (s[i] === "I" || s[i] === "M") i++;
      return true;
    }
    return false;
  };
  const blank = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  while (i < s.length && out.understood) {
    blank();
    const c0 = s[i];
    if (c0 === undefined) break;
    if (c0 === ";" || c0 === "\n" || c0 === "}") {
      i++;
      continue;
    }
    if (c0 === "#") {
      restOfLine();
      continue;
    }
    if (address()) {
      blank();
      if (s[i] === ",") {
        i++;
        blank();
        if (s[i] === "+" || s[i] === "~") i++;
        if (!address()) return { ...out, understood: false };
      }
      blank();
    }
    while (s[i] === "!" || s[i] === " ") i++;
    const cmd = s[i];
    i++;
    if (cmd !== undefined && SED_PLAIN.has(cmd)) continue;
    switch (cmd) {
      case "q":
      case "Q":
      case "l":
      case "L":
        blank();
        while (/\d/.test(s[i] ?? "")) i++;
        break;
      case "a":
      case "i":
      case "c":
        restOfLine();
        break;
      case ":":
      case "b":
      case "t":
      case "T":
      case "v":
        while (i < s.length && s[i] !== ";" && s[i] !== "\n") i++;
        break;
      case "r":
      case "R":
        restOfLine();
        break;
      case "w":
      case "W":
        if (!SED_SPECIAL_FILES.has(restOfLine())) out.writesFiles = true;
        break;
      case "e":
        restOfLine();
        out.runsCommands = true;
        break;
      case "y":
      case "s": {
        const delim = s[i];
        if (delim === undefined || delim === "\n" || delim === "\\") return { ...out, understood: false };
        i++;
        if (cmd === "y" ? !skipReplacement(delim) : !skipDelimited(delim)) return { ...out, understood: false };
        if (!skipReplacement(delim)) return { ...out, understood: false };
        if (cmd === "y") break;
        while (i < s.length && /[gpiImMe0-9w]/.test(s[i] as string)) {
          const f = s[i] as string;
          i++;
          if (f === "e") out.runsCommands = true;
          if (f === "w") {
            if (!SED_SPECIAL_FILES.has(restOfLine())) out.writesFiles = true;
            break;
          }
        }
        break;
      }
      default:
        return { ...out, understood: false };
    }
  }
  return out;
}

export function inspectSed(name: string, args: ArgWord[]): RunnerVerdict | null {
  const scripts: ArgWord[] = [];
  let scriptFile: string | null = null;
  let inPlace = false;
  let sandbox = false;
  let info = false;
  let operands = 0;
  let firstOperand: ArgWord | null = null;
  let ended = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as ArgWord;
    const t = w.text;
    if (ended || !w.literal || t === "-" || !t.startsWith("-")) {
      if (!w.literal && !ended && w.pieces[0]?.kind === "lit" && (w.pieces[0] as { text: string }).text.startsWith("-")) {
        return { unanalyzable: `${name} options are not static` };
      }
      if (operands++ === 0) firstOperand = w;
      continue;
    }
    if (t === "--") {
      ended = true;
      continue;
    }
    if (t.startsWith("--")) {
      const eq = t.indexOf("=");
      const flag = eq < 0 ? t : t.slice(0, eq);
      const v = (): ArgWord | undefined => (eq < 0 ? args[++i] : literalWord(t.slice(eq + 1)));
      if (flag === "--in-place") inPlace = true;
      else if (flag === "--sandbox") sandbox = true;
      else if (flag === "--version" || flag === "--help") info = true;
      else if (flag === "--expression") {
        const x = v();
        if (x) scripts.push(x);
      } else if (flag === "--file") scriptFile = v()?.text ?? "";
      else if (flag === "--line-length" && eq < 0) i++;
      continue;
    }
    for (let j = 1; j < t.length; j++) {
      const letter = t[j] as string;
      if (letter === "i") {
        inPlace = true;
        break;
      }
      if (letter === "e" || letter === "f" || letter === "l") {
        const rest = t.slice(j + 1);
        const x = rest !== "" ? literalWord(rest) : args[++i];
        if (letter === "e" && x) scripts.push(x);
        if (letter === "f") scriptFile = x?.text ?? "";
        break;
      }
    }
  }
  if (info && scripts.length === 0 && scriptFile === null && firstOperand === null) return null;
  if (scriptFile !== null && !sandbox) return { unanalyzable: `${name} -f runs a script file` };
  if (scripts.length === 0 && scriptFile === null && firstOperand !== null) scripts.push(firstOperand);
  if (scripts.some((w) => !w.literal)) return { unanalyzable: `${name} script is not static` };
  const scan = scanSedScript(scripts.map((w) => w.text).join("\n"));
  if (!scan.understood) return { unanalyzable: `${name} script is not understood` };
  if (scan.runsCommands && !sandbox) return { unanalyzable: `${name} script runs shell commands (e)` };
  if (inPlace) return { destructive: `${name} -i edits files in place` };
  if (scan.writesFiles && !sandbox) return { destructive: `${name} script writes files (w)` };
  return null;
}
