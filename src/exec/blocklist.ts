/**
 * tools.exec.blocklist: each entry is a command line, parsed and unwrapped
 * exactly like the commands it is matched against, so spacing, quoting, flag
 * order, synonyms, paths and wrappers cannot slip past.
 */
import { analyzeCommand } from "./analyze.js";
import { flagSpecFor, parseArgs } from "./flags.js";
import type { ParsedArgs } from "./flags.js";
import { compileGlob, couldEqualPath, normalizeRelative, operandCouldBePath, resolvePath } from "./paths.js";
import type { CommandAnalysis, SimpleCommand } from "./types.js";
import { makeWord } from "./words.js";
import type { ArgWord } from "./words.js";
import { modeCovers } from "./modes.js";

/** One simple command of an entry, in matchable form. */
export interface CommandPattern {
  /** Program basename; "" for a bare redirection entry (`> /dev/sda`): any program. */
  program: string;
  wrappers: string[];
  /** Canonical flags (see flags.ts), e.g. `-r`, `-f`. */
  flags: string[];
  operands: ArgWord[];
  redirects: { op: string; target: string }[];
}

export type CompiledEntry =
  | { entry: string; kind: "commands"; commands: CommandPattern[] }
  /** A function whose body runs itself in a pipeline/background: matches any such function. */
  | { entry: string; kind: "fork-bomb" }
  /** `curl | sh`: any shell (with at least these wrappers) running what a command matching every source prints. */
  | { entry: string; kind: "shell-input"; sources: CommandPattern[]; wrappers: string[] };

export interface BlocklistError {
  index: number;
  entry: string;
  message: string;
}

export interface CompiledBlocklist {
  entries: CompiledEntry[];
  errors: BlocklistError[];
}

export interface BlocklistMatch {
  entry: string;
  /** The matching command; null for a fork-bomb entry. */
  command: SimpleCommand | null;
}

/** Entries are compiled against a neutral cwd; relative entry paths are resolved against each command's cwd at match time. */
const ENTRY_CWD = "/";

export function compileBlocklist(entries: string[]): CompiledBlocklist {
  const out: CompiledBlocklist = { entries: [], errors: [] };
  entries.forEach((entry, index) => {
    const r = compileEntry(entry);
    if ("message" in r) out.errors.push({ index, entry, message: r.message });
    else out.entries.push(r);
  });
  return out;
}

function compileEntry(entry: string): CompiledEntry | { message: string } {
  if (entry.trim() === "") return { message: "blocklist entry is empty" };
  const a = analyzeCommand(entry, { cwd: ENTRY_CWD, pathExists: () => false });
  if (!a.ok) return { message: `blocklist entry does not parse as shell: ${a.parseError ?? "syntax error"}` };
  if (a.functions.some((f) => f.forksItself)) return { entry, kind: "fork-bomb" };
  const commands = a.commands.filter((c) => c.program !== "" || c.redirects.length > 0);
  if (commands.length === 0) return { message: "blocklist entry contains no command" };
  if (commands.some((c) => c.dynamic)) return { message: `blocklist entry is not static: ${a.unanalyzable[0]?.why ?? "it contains expansions"}` };
  const shell = commands.find((c) => c.runsInput && (c.inputFrom ?? []).length > 0);
  if (shell) {
    const sources = (shell.inputFrom ?? []).flatMap(([from, to]) => a.commands.slice(from, to));
    return { entry, kind: "shell-input", sources: sources.map(toPattern), wrappers: shell.wrappers };
  }
  return { entry, kind: "commands", commands: commands.map(toPattern) };
}

function toPattern(c: SimpleCommand): CommandPattern {
  const parsed = parseArgs(c.program, c.words.slice(1));
  return {
    program: c.program,
    wrappers: c.wrappers,
    flags: [...parsed.flags],
    operands: parsed.operands,
    redirects: c.redirects.filter((r) => r.target !== null).map((r) => ({ op: r.op, target: r.target as string })),
  };
}

/** The first entry that matches the analysed command line, or null. */
export function matchBlocklist(compiled: CompiledBlocklist | readonly CompiledEntry[], analysis: CommandAnalysis): BlocklistMatch | null {
  const entries = Array.isArray(compiled) ? (compiled as readonly CompiledEntry[]) : (compiled as CompiledBlocklist).entries;
  for (const e of entries) {
    if (e.kind === "fork-bomb") {
      if (analysis.functions.some((f) => f.forksItself)) return { entry: e.entry, command: null };
      continue;
    }
    if (e.kind === "shell-input") {
      const hit = matchShellInput(e.sources, e.wrappers, analysis.commands);
      if (hit) return { entry: e.entry, command: hit };
      continue;
    }
    let firstHit: SimpleCommand | null = null;
    const all = e.commands.every((p) => {
      const hit = analysis.commands.find((c) => matchesPattern(p, c));
      if (hit && !firstHit) firstHit = hit;
      return hit !== undefined;
    });
    if (all) return { entry: e.entry, command: firstHit };
  }
  return null;
}

/**
 * A shell (with at least `wrappers`) whose input comes from commands matching
 * every source pattern. Each pattern is matched once against all commands
 * (prefix counts), so the cost stays linear in the number of commands.
 */
function matchShellInput(sources: CommandPattern[], wrappers: string[], commands: SimpleCommand[]): SimpleCommand | null {
  const shells = commands.filter((c) => c.runsInput && (c.inputFrom ?? []).length > 0 && wrappers.every((w) => c.wrappers.includes(w)));
  if (shells.length === 0) return null;
  const counts = sources.map((sp) => {
    const prefix = [0];
    commands.forEach((c, i) => prefix.push((prefix[i] as number) + (matchesPattern(sp, c) ? 1 : 0)));
    return prefix;
  });
  const within = (prefix: number[], [from, to]: [number, number]) => (prefix[to] as number) - (prefix[from] as number) > 0;
  return shells.find((c) => counts.every((prefix) => (c.inputFrom ?? []).some((r) => within(prefix, r)))) ?? null;
}

/**
 * Could the command's program word be `name`? A program of the same family
 * (`mkfs` → `mkfs.ext4`) counts. A word that is not static matches whatever
 * it could spell: a glob matches the names its last segment matches; an
 * unquoted expansion may split into the whole command (`rm${IFS}-rf${IFS}/`,
 * `$CMD`), so it could be any program with any arguments.
 */
function programCouldBe(cmd: SimpleCommand, name: string): boolean {
  if (sameFamily(cmd.program, name)) return true;
  const w = cmd.words[0];
  if (!w) return false;
  if (w.physical !== undefined && sameFamily(w.physical.slice(w.physical.lastIndexOf("/") + 1), name)) return true;
  if (w.literal) {
    if (!w.glob) return false;
    const base = compileGlob(w, "/").regex.source.replace(/^\^/, "").replace(/\$$/, "").split("\\/").pop() ?? "";
    return new RegExp(`^${base}$`).test(name) || new RegExp(`^${base}$`).test(`${name}.x`);
  }
  return splitsIntoCommand(w) || couldEqualPath(w.pieces, `/${name}`) || couldEqualPath(w.pieces, `/${name}.x`);
}

/** `mkfs.ext4` is in the `mkfs` family: an entry program also stops its `name.*` variants. */
function sameFamily(program: string, entryProgram: string): boolean {
  return program === entryProgram || program.startsWith(`${entryProgram}.`);
}

/** An unquoted expansion in the program word: the word may be several words, program and arguments. */
function splitsIntoCommand(w: ArgWord): boolean {
  return w.pieces.some((p) => p.kind === "dyn" && p.splittable);
}

export function matchesPattern(p: CommandPattern, cmd: SimpleCommand): boolean {
  if (p.program !== "" && !programCouldBe(cmd, p.program)) return false;
  if (!p.wrappers.every((w) => cmd.wrappers.includes(w))) return false;
  if (!p.redirects.every((r) => cmd.redirects.some((cr, i) => sameRedirect(r, cr.op, cmd.redirectWords[i] ?? null, cmd)))) return false;
  if (p.program === "") return true;
  const args = parseArgs(p.program, cmd.words.slice(1));
  const first = cmd.words[0];
  if (first && !first.literal && splitsIntoCommand(first)) args.anyWords = true;
  const missingFlags = p.flags.filter((f) => !args.flags.has(f));
  let known = args.operands.filter((c) => !args.unknown.includes(c));
  let entryOperands = p.operands;
  let modeMissing = 0;
  if (p.program === "chmod" && entryOperands[0] !== undefined) {
    // The first operand is a mode, compared by the bits it sets (modes.ts); the rest are paths.
    const cmdMode = args.operands[0];
    if (!(cmdMode?.literal && modeCovers(cmdMode.text, entryOperands[0].text))) modeMissing = 1;
    known = known.filter((c) => c !== cmdMode);
    entryOperands = entryOperands.slice(1);
  }
  const missingOperands = entryOperands.filter((o) => !known.some((c) => operandMatches(p.program, o, c, cmd))).length + modeMissing;
  if (missingFlags.length === 0 && missingOperands === 0) return true;
  return unknownWordsCover(args, missingFlags, missingOperands, p.program);
}

/**
 * Words the analyser cannot know may stand for what is missing: an unquoted
 * expansion can be any number of words; a quoted one exactly one word; a
 * word starting with a literal `-` any flags.
 */
function unknownWordsCover(args: ParsedArgs, missingFlags: string[], missingOperands: number, program: string): boolean {
  if (args.anyWords) return true;
  const split = flagSpecFor(program).split;
  const shortFlags = missingFlags.filter((f) => /^-[^-]$/.test(f));
  let needed = missingOperands + (missingFlags.length - shortFlags.length) + (shortFlags.length > 0 ? (split ? 1 : shortFlags.length) : 0);
  if (args.wildFlags) needed -= missingFlags.length > 0 ? (split ? Math.min(1, shortFlags.length) + (missingFlags.length - shortFlags.length) : missingFlags.length) : 0;
  return needed <= args.unknown.length;
}

function operandMatches(program: string, entry: ArgWord, word: ArgWord, cmd: SimpleCommand): boolean {
  const cwd = cmd.cwdKnown ? cmd.cwd : null;
  const kv = flagSpecFor(program).keyValueOperands;
  if (kv) {
    const eq = entry.text.indexOf("=");
    if (eq > 0) {
      const key = entry.text.slice(0, eq + 1);
      const value = entry.text.slice(eq + 1);
      const rest = dropLiteralPrefix(word, key);
      if (rest === null) return !word.literal && word.pieces[0]?.kind === "dyn";
      if (!kv.pathKeys.includes(key.slice(0, -1))) return word.literal && word.text === entry.text;
      return pathMatches(value, rest, cwd);
    }
  }
  return pathMatches(entry.text, word, cwd);
}

/** The word without a literal prefix (`if=`), or null if it does not start with it. */
function dropLiteralPrefix(word: ArgWord, prefix: string): ArgWord | null {
  let need = prefix;
  const pieces = [...word.pieces];
  while (need.length > 0) {
    const p = pieces[0];
    if (!p || p.kind !== "lit") return null;
    const n = Math.min(need.length, p.text.length);
    if (p.text.slice(0, n) !== need.slice(0, n)) return null;
    need = need.slice(n);
    if (n === p.text.length) pieces.shift();
    else pieces[0] = { ...p, text: p.text.slice(n) };
  }
  return makeWord(pieces, word.literal ? word.text.slice(prefix.length) : word.text);
}

/** Entry operand text vs a command word, both read as paths relative to the command's cwd. */
function pathMatches(entryText: string, word: ArgWord, cwd: string | null): boolean {
  if (entryText.startsWith("/") || cwd !== null) {
    const target = resolvePath(entryText, cwd ?? "/");
    // Through symbolic links the word may reach the entry's path (`/tmp/link/..`, `link/` → `/`).
    if (word.physical !== undefined) {
      const through = word.glob ? makeWord([{ kind: "lit", text: word.physical, quoted: false }], word.physical) : { ...word, text: word.physical, physical: undefined };
      if (pathMatches(entryText, through, cwd)) return true;
    }
    if (/[*?[]/.test(entryText) && word.literal) return entryText === word.text || globLiteralMatch(entryText, word, cwd);
    return operandCouldBePath(word, target, cwd);
  }
  // Relative entry, unknown cwd: compare as relative paths; unknown words may be anything.
  if (!word.literal) return true;
  return !word.text.startsWith("/") && normalizeRelative(word.text) === normalizeRelative(entryText);
}

/** An entry operand that is itself a glob (`rm -rf /*`) matches literal paths it would expand to. */
function globLiteralMatch(entryText: string, word: ArgWord, cwd: string | null): boolean {
  if (word.glob) return false;
  const path = resolvePath(word.text, cwd ?? "/");
  const re = new RegExp(
    "^" +
      resolvePath(entryText, cwd ?? "/")
        .split("/")
        .map((seg) => seg.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]"))
        .join("/") +
      "$",
  );
  return re.test(path);
}

const OVERWRITE_FAMILY: Record<string, string> = { ">": ">", ">|": ">", "&>": ">", ">&": ">", ">>": ">>", "&>>": ">>" };

function sameRedirect(p: { op: string; target: string }, op: string, word: ArgWord | null, cmd: SimpleCommand): boolean {
  if ((OVERWRITE_FAMILY[p.op] ?? p.op) !== (OVERWRITE_FAMILY[op] ?? op)) return false;
  if (word === null) return false;
  return pathMatches(p.target, word, cmd.cwdKnown ? cmd.cwd : null);
}
