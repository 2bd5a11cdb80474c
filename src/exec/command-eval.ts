/**
 * Evaluating what one simple command amounts to while the AST is walked:
 * the statically known working directory (and how `cd` and branches change
 * it), its redirects, and the SimpleCommand record the classifier reads.
 */
import { resolveMagic, resolvePath } from "./paths.js";
import { nodeType, RedirOps, sourceText } from "./shell-ast.js";
import type { Redirect } from "./shell-ast.js";
import type { RedirectInfo, SimpleCommand } from "./types.js";
import { programName } from "./wrappers.js";
import { dynamicWord, evalWord, literalWord, makeWord } from "./words.js";
import type { ArgWord, Piece } from "./words.js";

/** What is known at a point of the script. */
export interface State {
  /** null: not statically known. */
  cwd: string | null;
}

export interface RedirectEntry {
  info: RedirectInfo;
  word: ArgWord | null;
  /** What a here-document or here-string feeds to stdin, when it is static text. */
  stdinText?: string;
}

/** A copy for a branch, a subshell or a pipeline stage. */
export function copy(s: State): State {
  return { cwd: s.cwd };
}

/** After branches rejoin, the cwd is known only if every branch agrees. */
export function merge(target: State, ...branches: State[]): void {
  if (branches.some((b) => b.cwd !== target.cwd)) target.cwd = null;
}

/** A redirect's operator, fd and target word (its substitutions are walked by the caller first). */
export function evalRedirect(r: Redirect, src: Buffer): RedirectEntry {
  const op = RedirOps[r.Op] ?? String(r.Op);
  const fd = r.N?.Value;
  let word: ArgWord | null = null;
  if (r.Word) {
    const words = evalWord(r.Word, sourceText(src, r.Word));
    word = words.length === 1 ? (words[0] as ArgWord) : dynamicWord(sourceText(src, r.Word), false, "ambiguous redirect");
  }
  const info: RedirectInfo = { op, target: word && word.literal && !word.glob ? word.text : null };
  if (fd !== undefined && fd !== "") info.fd = fd;
  const entry: RedirectEntry = { info, word };
  if ((fd === undefined || fd === "" || fd === "0") && op === "<<<" && word?.literal) entry.stdinText = `${word.text}\n`;
  if ((fd === undefined || fd === "" || fd === "0") && (op === "<<" || op === "<<-") && r.Hdoc) {
    // A quoted delimiter keeps the body as written; an unquoted one only when nothing in it is expanded or escaped.
    const quoted = r.Word !== null && r.Word.Parts.some((p) => nodeType(p) !== "Lit");
    const body = sourceText(src, r.Hdoc);
    if (quoted || (r.Hdoc.Parts.every((p) => nodeType(p) === "Lit") && !/[\\$`]/.test(body))) entry.stdinText = body;
  }
  return entry;
}

/** The directory `dir` names, if static. */
export function chdirTarget(dir: ArgWord, state: State): string | null {
  if (!dir.literal || dir.glob) return null;
  if (dir.text.startsWith("/")) return resolvePath(dir.text, "/");
  return state.cwd === null ? null : resolvePath(dir.text, state.cwd);
}

/**
 * `cd` / `pushd` / `popd` with `args`: moves `state.cwd`, or makes it unknown.
 * With CDPATH assigned or `shopt -s cdable_vars` anywhere in the analysis,
 * `cd NAME` (a relative name not starting with `.`) may go elsewhere: unknown.
 */
export function applyCd(name: string, args: ArgWord[], state: State, lookup: { cdpath: boolean; cdableVars: boolean }): void {
  const operands = args.filter((w) => !(w.literal && /^-[LPe@]+$/.test(w.text)));
  const target = operands[0];
  if (name === "popd" || !target || (target.literal && /^(-|[+-]\d+)$/.test(target.text)) || (name === "pushd" && operands.some((w) => w.literal && w.text === "-n"))) {
    state.cwd = name === "pushd" && operands.some((w) => w.literal && w.text === "-n") ? state.cwd : null;
    return;
  }
  const searched = target.literal && !target.text.startsWith("/") && !/^\.\.?(\/|$)/.test(target.text);
  if (searched && (lookup.cdpath || (lookup.cdableVars && !target.text.includes("/")))) {
    state.cwd = null;
    return;
  }
  state.cwd = chdirTarget(target, state);
}

/** The record of one simple command; `startCwd` stands in when the cwd is not known. */
export function simpleCommand(words: ArgWord[], wrappers: string[], state: State, redirects: RedirectEntry[], startCwd: string): SimpleCommand {
  const first = words[0];
  const program = first === undefined ? "" : (programName(first) ?? first.text);
  return {
    argv: words.map((w) => w.text),
    program,
    dynamic: words.some((w) => !w.literal),
    wrappers: [...wrappers],
    redirects: redirects.map((r) => r.info),
    cwd: state.cwd ?? startCwd,
    cwdKnown: state.cwd !== null,
    words,
    redirectWords: redirects.map((r) => r.word),
  };
}

/**
 * A word naming a path through /proc or /dev magic links, as the path it
 * stands for (paths.ts resolveMagic): `/proc/self/root/etc` is `/etc`,
 * `/proc/self/cwd/x` is `<cwd>/x`, `/dev/fd/3/x` is an unknown path;
 * `/proc/self/exe` as the program is the shell.
 */
export function resolveMagicWord(w: ArgWord, cwd: string | null, isProgram: boolean): ArgWord {
  const first = w.pieces[0];
  if (first?.kind !== "lit") return w;
  const r = resolveMagic(first.text);
  if (r === null) return w;
  if (r.kind === "shell") return isProgram && w.pieces.length === 1 ? literalWord("bash") : w;
  const tail = w.pieces.slice(1);
  const slash = first.text.endsWith("/") && tail.length > 0 ? "/" : "";
  let head: Piece[];
  if (r.kind === "path") head = [{ ...first, text: r.path + (r.path === "/" ? "" : slash) }];
  else if (r.kind === "cwd" && cwd !== null) head = [{ ...first, text: resolvePath("." + r.rest, cwd) + (r.rest === "/" ? "" : slash) }];
  else head = [{ kind: "dyn", splittable: false, what: "a path through /proc or /dev/fd" }, { kind: "lit", text: r.rest, quoted: first.quoted }];
  return makeWord([...head, ...tail], w.text);
}
