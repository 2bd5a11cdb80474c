/**
 * Shell-aware command analysis: parse with a real shell parser (mvdan-sh),
 * walk every place a command can hide, unwrap wrappers, and classify.
 * Never throws on input: a syntax error is `{ ok: false, parseError }`.
 */
import { existsSync } from "node:fs";
import { classifyCommand } from "./command-classes.js";
import { resolvePath } from "./paths.js";
import { BinOp, RedirOps, nodeKey, nodeType, parseShell, sourceText, walk } from "./shell-ast.js";
import type {
  Assign,
  BinaryCmd,
  CallExpr,
  CaseClause,
  CoprocClause,
  DeclClause,
  File,
  ForClause,
  FuncDecl,
  IfClause,
  Node,
  Redirect,
  Stmt,
  StmtList,
  TimeClause,
  WhileClause,
  WordIter,
} from "./shell-ast.js";
import type { ClassReason, CommandAnalysis, CommandClass, FunctionInfo, PathExists, RedirectInfo, SimpleCommand } from "./types.js";
import { programName, unwrap } from "./wrappers.js";
import type { Unwrapped } from "./wrappers.js";
import { dynamicWord, evalWord, literalWord, makeWord } from "./words.js";
import type { ArgWord, Piece } from "./words.js";

export interface AnalyzeOptions {
  /** Absolute working directory the command will start in. */
  cwd: string;
  /** Used for "overwrites an existing file" checks; defaults to fs.existsSync. */
  pathExists?: PathExists;
  /** Nested `sh -c` / `eval` levels analysed before giving up (default 8). */
  maxDepth?: number;
  /** Longer command lines are refused as `ok: false` (default 32768): analysis cost grows with size. */
  maxBytes?: number;
}

/** Default bound on the command line size analysed. */
export const DEFAULT_MAX_BYTES = 32_768;

/** Default bound on nested `sh -c` / `eval` / `su -c` scripts. */
export const DEFAULT_MAX_DEPTH = 8;
/** Bound on syntactic nesting (blocks in blocks…) walked in one script. */
const MAX_NESTING = 200;

interface State {
  /** null: not statically known. */
  cwd: string | null;
}

interface RedirectEntry {
  info: RedirectInfo;
  word: ArgWord | null;
}

interface Ctx {
  src: Buffer;
  depth: number;
  nesting: number;
  wrappers: string[];
  /** Inside a function body, running in a pipeline / background / subshell. */
  forked: boolean;
  functions: string[];
  redirects: RedirectEntry[];
}

export function analyzeCommand(command: string, opts: AnalyzeOptions): CommandAnalysis {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (Buffer.byteLength(command, "utf8") > maxBytes) {
    return { ok: false, parseError: `command is longer than ${maxBytes} bytes`, commands: [], classes: [], reasons: [], unanalyzable: [], functions: [] };
  }
  const walker = new Walker(opts);
  try {
    const parseError = walker.top(command);
    if (parseError !== null) return { ok: false, parseError, commands: [], classes: [], reasons: [], unanalyzable: [], functions: [] };
  } catch (e) {
    const message = e instanceof Error ? e.message : "analysis failed";
    return { ok: false, parseError: `analysis failed: ${message}`, commands: [], classes: [], reasons: [], unanalyzable: [], functions: [] };
  }
  return walker.result();
}

function copy(s: State): State {
  return { cwd: s.cwd };
}

function merge(target: State, ...branches: State[]): void {
  if (branches.some((b) => b.cwd !== target.cwd)) target.cwd = null;
}

class Walker {
  private readonly commands: SimpleCommand[] = [];
  private readonly unanalyzable: { why: string; program: string }[] = [];
  private readonly functions: FunctionInfo[] = [];
  private readonly maxDepth: number;
  private readonly pathExists: PathExists;

  constructor(private readonly opts: AnalyzeOptions) {
    this.maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.pathExists = opts.pathExists ?? existsSync;
  }

  /** Returns the parse error message, or null. */
  top(command: string): string | null {
    const parsed = parseShell(command);
    if (!parsed.ok) return parsed.message;
    const ctx: Ctx = { src: Buffer.from(command, "utf8"), depth: 0, nesting: 0, wrappers: [], forked: false, functions: [], redirects: [] };
    this.file(parsed.file, ctx, { cwd: this.opts.cwd });
    return null;
  }

  result(): CommandAnalysis {
    const reasons: ClassReason[] = [];
    for (const cmd of this.commands) reasons.push(...classifyCommand(cmd, this.pathExists).reasons);
    for (const u of this.unanalyzable) {
      reasons.push({ class: "elevated", program: u.program, why: `unanalyzable: ${u.why}` });
      reasons.push({ class: "destructive", program: u.program, why: `unanalyzable: ${u.why}` });
    }
    const classes = (["elevated", "destructive"] as CommandClass[]).filter((c) => reasons.some((r) => r.class === c));
    return {
      ok: true,
      commands: this.commands,
      classes,
      reasons,
      unanalyzable: this.unanalyzable.map((u) => ({ why: u.why })),
      functions: this.functions,
    };
  }

  private flag(why: string, program: string): void {
    this.unanalyzable.push({ why, program });
  }

  /** Walks a parsed file, then makes sure no simple command was missed. */
  private file(file: File, ctx: Ctx, state: State): void {
    // Collect every CallExpr first: evaluating words rewrites brace
    // expansions in place, after which mvdan's Walk cannot traverse them.
    const all: CallExpr[] = [];
    walk(file, (n) => {
      if (nodeType(n) === "CallExpr") all.push(n as CallExpr);
      return true;
    });
    const visited = new Set<object>();
    this.visited = visited;
    this.stmts(file.Stmts, ctx, state);
    for (const call of all) {
      if (visited.has(nodeKey(call))) continue;
      this.visited = visited;
      this.call(call, [], { ...ctx, redirects: [] }, { cwd: null });
    }
  }

  private visited = new Set<object>();

  private stmts(list: Stmt[], ctx: Ctx, state: State): void {
    for (const s of list) this.stmt(s, ctx, state);
  }

  private stmt(stmt: Stmt, ctx: Ctx, state: State): void {
    if (ctx.nesting > MAX_NESTING) {
      this.flag("nested too deeply", "?");
      return;
    }
    const inner: Ctx = { ...ctx, nesting: ctx.nesting + 1 };
    const own = stmt.Redirs.map((r) => this.redirect(r, inner, state));
    const forked = stmt.Background || stmt.Coprocess;
    const runCtx: Ctx = forked ? { ...inner, forked: true } : inner;
    const runState = forked ? copy(state) : state;
    const cmd = stmt.Cmd;
    if (cmd === null || cmd === undefined) {
      if (own.length > 0) this.emitBare(own, runCtx, runState);
      return;
    }
    if (nodeType(cmd) === "CallExpr") {
      this.call(cmd as CallExpr, own, runCtx, runState);
      return;
    }
    this.compound(cmd, { ...runCtx, redirects: [...ctx.redirects, ...own] }, runState);
  }

  private compound(cmd: Node, ctx: Ctx, state: State): void {
    switch (nodeType(cmd)) {
      case "BinaryCmd":
        return this.binary(cmd as BinaryCmd, ctx, state);
      case "Subshell":
        return this.stmts((cmd as StmtList).Stmts, { ...ctx, forked: true }, copy(state));
      case "Block":
        return this.stmts((cmd as StmtList).Stmts, ctx, state);
      case "IfClause":
        return this.ifClause(cmd as IfClause, ctx, state);
      case "WhileClause": {
        const w = cmd as WhileClause;
        const body = copy(state);
        this.stmts(w.Cond, ctx, body);
        this.stmts(w.Do, ctx, body);
        return merge(state, body);
      }
      case "ForClause": {
        const f = cmd as ForClause;
        if (nodeType(f.Loop) === "WordIter") for (const item of (f.Loop as WordIter).Items) this.substs(item, ctx, state);
        else this.substs(f.Loop, ctx, state);
        const body = copy(state);
        this.stmts(f.Do, ctx, body);
        return merge(state, body);
      }
      case "CaseClause": {
        const c = cmd as CaseClause;
        this.substs(c.Word, ctx, state);
        const ends: State[] = [];
        for (const item of c.Items) {
          for (const p of item.Patterns) this.substs(p, ctx, state);
          const branch = copy(state);
          this.stmts(item.Stmts, ctx, branch);
          ends.push(branch);
        }
        return merge(state, ...ends);
      }
      case "FuncDecl":
        return this.funcDecl(cmd as FuncDecl, ctx, state);
      case "DeclClause":
        return this.declClause(cmd as DeclClause, ctx, state);
      case "TimeClause": {
        const t = cmd as TimeClause;
        if (t.Stmt) this.stmt(t.Stmt, { ...ctx, wrappers: [...ctx.wrappers, "time"] }, state);
        return;
      }
      case "CoprocClause":
        return this.stmt((cmd as CoprocClause).Stmt, { ...ctx, forked: true }, copy(state));
      default:
        // ArithmCmd, TestClause, LetClause, …: only substitutions can run commands.
        return this.substs(cmd, ctx, state);
    }
  }

  private binary(b: BinaryCmd, ctx: Ctx, state: State): void {
    if (b.Op === BinOp.Pipe || b.Op === BinOp.PipeAll) {
      this.stmt(b.X, { ...ctx, forked: true }, copy(state));
      this.stmt(b.Y, { ...ctx, forked: true }, copy(state));
      return;
    }
    if (b.Op === BinOp.AndStmt) {
      this.stmt(b.X, ctx, state);
      this.stmt(b.Y, ctx, state);
      return;
    }
    // ||: Y runs only when X failed; afterwards either may have happened.
    const start = copy(state);
    this.stmt(b.X, ctx, state);
    const y = copy(start);
    this.stmt(b.Y, ctx, y);
    merge(state, y);
  }

  private ifClause(c: IfClause, ctx: Ctx, state: State): void {
    this.stmts(c.Cond, ctx, state);
    const then = copy(state);
    this.stmts(c.Then, ctx, then);
    const otherwise = copy(state);
    if (c.Else) this.ifClause(c.Else, ctx, otherwise);
    merge(state, then, otherwise);
  }

  private funcDecl(f: FuncDecl, ctx: Ctx, state: State): void {
    const name = f.Name?.Value ?? "";
    this.functions.push({ name, forksItself: false });
    this.stmt(f.Body, { ...ctx, forked: false, functions: [...ctx.functions, name] }, copy(state));
  }

  private declClause(d: DeclClause, ctx: Ctx, state: State): void {
    const argv = [d.Variant.Value];
    for (const a of d.Args) {
      this.assign(a, ctx, state);
      argv.push(sourceText(ctx.src, a));
    }
    const words = argv.map((t) => literalWord(t));
    this.commands.push(this.simple(words, { words, wrappers: [], chdir: null, stdinArgs: false, nested: null, unanalyzable: null }, ctx, state, []));
  }

  private assign(a: Assign, ctx: Ctx, state: State): void {
    this.substs(a, ctx, state);
  }

  /** Finds command and process substitutions under `node` and analyses their statements. */
  private substs(node: Node, ctx: Ctx, state: State): void {
    const parts = (node as { Parts?: Node[] }).Parts;
    if (parts && parts.length === 1 && nodeType(parts[0]) === "Lit") return;
    walk(node, (n) => {
      const t = nodeType(n);
      if (t === "CmdSubst" || t === "ProcSubst") {
        this.stmts((n as unknown as StmtList).Stmts, { ...ctx, forked: true, redirects: [], nesting: ctx.nesting + 1 }, copy(state));
        return false;
      }
      return true;
    });
  }

  private redirect(r: Redirect, ctx: Ctx, state: State): RedirectEntry {
    const op = RedirOps[r.Op] ?? String(r.Op);
    const fd = r.N?.Value;
    if (r.Word) this.substs(r.Word, ctx, state);
    if (r.Hdoc) this.substs(r.Hdoc, ctx, state);
    let word: ArgWord | null = null;
    if (r.Word) {
      const words = evalWord(r.Word, sourceText(ctx.src, r.Word));
      word = words.length === 1 ? (words[0] as ArgWord) : dynamicWord(sourceText(ctx.src, r.Word), false, "ambiguous redirect");
    }
    const info: RedirectInfo = { op, target: word && word.literal && !word.glob ? word.text : null };
    if (fd !== undefined && fd !== "") info.fd = fd;
    return { info, word };
  }

  private call(call: CallExpr, own: RedirectEntry[], ctx: Ctx, state: State): void {
    this.visited.add(nodeKey(call));
    for (const a of call.Assigns) this.assign(a, ctx, state);
    const words: ArgWord[] = [];
    for (const arg of call.Args) {
      this.substs(arg, ctx, state);
      words.push(...evalWord(arg, sourceText(ctx.src, arg)));
    }
    if (words.length === 0) {
      if (own.length > 0) this.emitBare(own, ctx, state);
      return;
    }
    this.argv(words, [...ctx.redirects, ...own], ctx, state);
  }

  private emitBare(own: RedirectEntry[], ctx: Ctx, state: State): void {
    const none: Unwrapped = { words: [], wrappers: [], chdir: null, stdinArgs: false, nested: null, unanalyzable: null };
    this.commands.push(this.simple([], none, ctx, state, [...ctx.redirects, ...own]));
  }

  /** Analyses one argv: unwrap, recurse into nested scripts and find -exec, emit. */
  private argv(words: ArgWord[], redirects: RedirectEntry[], ctx: Ctx, state: State): void {
    const u = unwrap(words);
    const wrappers = [...ctx.wrappers, ...u.wrappers];
    const inner: Ctx = { ...ctx, wrappers };
    const runState = u.chdir ? { cwd: this.chdirTarget(u.chdir, state) } : state;
    if (u.nested) {
      this.nested(u.nested.script, u.nested.via, inner, u.nested.sameShell ? state : copy(runState));
      return;
    }
    const first = u.words[0];
    const name = programName(first);
    if (u.unanalyzable) this.flag(u.unanalyzable, name ?? first?.text ?? "?");
    else if (name === null) this.flag(`program name is not a static literal: ${first?.text ?? ""}`, first?.text ?? "?");
    else if (name === "source" || name === ".") this.flag(`${name} runs the commands of a file`, name);
    const finalWords = u.stdinArgs ? [...u.words, dynamicWord("<stdin>", true, "xargs input")] : u.words;
    const cmd = this.simple(finalWords, u, inner, runState, redirects);
    this.commands.push(cmd);
    if (name !== null && ctx.forked && ctx.functions.includes(name)) {
      const f = [...this.functions].reverse().find((fn) => fn.name === name);
      if (f) f.forksItself = true;
    }
    if (name === "find") this.findExec(u.words, inner, runState);
    if ((name === "cd" || name === "pushd" || name === "popd") && u.wrappers.every((w) => w === "builtin" || w === "command")) {
      this.cd(name, u.words.slice(1), state);
    }
  }

  private nested(script: ArgWord, via: string, ctx: Ctx, state: State): void {
    if (!script.literal) {
      this.flag(`${via} of a non-literal string`, via);
      return;
    }
    if (ctx.depth + 1 > this.maxDepth) {
      this.flag(`nested scripts deeper than ${this.maxDepth}`, via);
      return;
    }
    const parsed = parseShell(script.text);
    if (!parsed.ok) {
      this.flag(`${via} script does not parse: ${parsed.message}`, via);
      return;
    }
    const saved = this.visited;
    this.file(parsed.file, { ...ctx, src: Buffer.from(script.text, "utf8"), depth: ctx.depth + 1, nesting: 0, redirects: [] }, state);
    this.visited = saved;
  }

  /** `find … -exec CMD … ;` / `-execdir` / `-ok` / `-okdir`: analyse CMD with `{}` standing for found paths. */
  private findExec(words: ArgWord[], ctx: Ctx, state: State): void {
    const args = words.slice(1);
    const starts: ArgWord[] = [];
    let i = 0;
    while (i < args.length && /^-[HLP]$|^-D$|^-O\d*$/.test(args[i]?.text ?? "")) i += args[i]?.text === "-D" ? 2 : 1;
    for (; i < args.length; i++) {
      const t = (args[i] as ArgWord).text;
      if (t.startsWith("-") || t === "(" || t === "!") break;
      starts.push(args[i] as ArgWord);
    }
    const found = this.foundPathWord(starts, state);
    for (; i < args.length; i++) {
      const t = (args[i] as ArgWord).text;
      if (t !== "-exec" && t !== "-execdir" && t !== "-ok" && t !== "-okdir") continue;
      const end = args.findIndex((w, j) => j > i && w.literal && (w.text === ";" || w.text === "+"));
      const stop = end < 0 ? args.length : end;
      const cmdWords = args.slice(i + 1, stop).map((w) => substitutePlaceholder(w, found));
      const dirState: State = t.endsWith("dir") ? { cwd: null } : copy(state);
      if (cmdWords.length > 0) this.argv(cmdWords, [], { ...ctx, wrappers: [...ctx.wrappers, "find"] }, dirState);
      i = stop;
    }
  }

  /** What `{}` can be: a path at or under the common start directory. */
  private foundPathWord(starts: ArgWord[], state: State): ArgWord {
    const list = starts.length > 0 ? starts : [literalWord(".")];
    if (list.some((w) => !w.literal || w.glob) || (state.cwd === null && list.some((w) => !w.text.startsWith("/")))) {
      return dynamicWord("{}", false, "found path");
    }
    const resolved = list.map((w) => resolvePath(w.text, state.cwd ?? "/"));
    let prefix = resolved[0] as string;
    for (const p of resolved) while (!(p === prefix || p.startsWith(prefix === "/" ? "/" : `${prefix}/`))) prefix = prefix.slice(0, prefix.lastIndexOf("/")) || "/";
    const pieces: Piece[] = [
      { kind: "lit", text: prefix, quoted: true },
      { kind: "dyn", splittable: false, what: "found path", descendsOnly: true },
    ];
    return makeWord(pieces, "{}");
  }

  private chdirTarget(dir: ArgWord, state: State): string | null {
    if (!dir.literal || dir.glob) return null;
    if (dir.text.startsWith("/")) return resolvePath(dir.text, "/");
    return state.cwd === null ? null : resolvePath(dir.text, state.cwd);
  }

  private cd(name: string, args: ArgWord[], state: State): void {
    const operands = args.filter((w) => !(w.literal && /^-[LPe@]+$/.test(w.text)));
    const target = operands[0];
    if (name === "popd" || !target || (target.literal && target.text === "-")) {
      state.cwd = null;
      return;
    }
    state.cwd = this.chdirTarget(target, state);
  }

  private simple(words: ArgWord[], _u: Unwrapped, ctx: Ctx, state: State, redirects: RedirectEntry[]): SimpleCommand {
    const first = words[0];
    const program = first === undefined ? "" : (programName(first) ?? first.text);
    return {
      argv: words.map((w) => w.text),
      program,
      dynamic: words.some((w) => !w.literal),
      wrappers: [...ctx.wrappers],
      redirects: redirects.map((r) => r.info),
      cwd: state.cwd ?? this.opts.cwd,
      cwdKnown: state.cwd !== null,
      words,
      redirectWords: redirects.map((r) => r.word),
    };
  }
}

function substitutePlaceholder(word: ArgWord, found: ArgWord): ArgWord {
  if (!word.literal || !word.text.includes("{}")) return word;
  if (word.text === "{}") return found;
  const parts = word.text.split("{}");
  const pieces: Piece[] = [];
  parts.forEach((p, idx) => {
    if (idx > 0) pieces.push({ kind: "dyn", splittable: false, what: "found path" });
    if (p !== "") pieces.push({ kind: "lit", text: p, quoted: true });
  });
  return makeWord(pieces, word.text);
}
