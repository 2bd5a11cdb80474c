/**
 * The AST walk: visits every place a command can hide (lists, pipelines,
 * compound commands, functions, substitutions, redirects, nested `sh -c` /
 * `eval` scripts, `find -exec`), unwraps wrappers, and records each simple
 * command, each function and each thing it could not analyse.
 */
import { applyCd, chdirTarget, copy, evalRedirect, merge, resolveMagicWord, simpleCommand } from "./command-eval.js";
import type { RedirectEntry, State } from "./command-eval.js";
import { inspectBuiltin } from "./builtins.js";
import { forEachFindExec } from "./find-exec.js";
import { FactScanner, newFacts, settle } from "./shell-facts.js";
import type { ShellFacts } from "./shell-facts.js";
import { LinkResolver, systemProgram } from "./links.js";
import type { ReadLink } from "./paths.js";
import { BinOp, nodeKey, nodeType, parseShell, sourceText, walk } from "./shell-ast.js";
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
import type { FunctionInfo, SimpleCommand } from "./types.js";
import { programName, SHELLS, unwrap } from "./wrappers.js";
import { dynamicWord, evalWord, literalWord } from "./words.js";
import type { ArgWord } from "./words.js";

/** Bound on syntactic nesting (blocks in blocks…) walked in one script. */
const MAX_NESTING = 200;

export interface WalkerOptions {
  /** Absolute working directory the command will start in. */
  cwd: string;
  /** Nested `sh -c` / `eval` levels analysed before giving up. */
  maxDepth: number;
  readLink: ReadLink;
}


export interface WalkResult {
  commands: SimpleCommand[];
  /** Each thing not analysed, with the program it concerns. */
  unanalyzable: { why: string; program: string }[];
  functions: FunctionInfo[];
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
  /** Index of the first command emitted by the current statement's substitutions. */
  substFrom?: number;
}

export class Walker {
  private readonly commands: SimpleCommand[] = [];
  private readonly unanalyzable: { why: string; program: string }[] = [];
  private readonly functions: FunctionInfo[] = [];
  private readonly maxDepth: number;
  /** What the scripts do with variables and functions (shell-facts.ts). */
  readonly facts: ShellFacts = newFacts();
  private readonly links: LinkResolver;
  private readonly scanner = new FactScanner(this.facts, (why, program) => this.flag(why, program));
  private settled = false;

  constructor(private readonly opts: WalkerOptions) {
    this.maxDepth = opts.maxDepth;
    this.links = new LinkResolver(opts.readLink);
  }

  /** Returns the parse error message, or null. */
  top(command: string): string | null {
    const parsed = parseShell(command);
    if (!parsed.ok) return parsed.message;
    const ctx: Ctx = { src: Buffer.from(command, "utf8"), depth: 0, nesting: 0, wrappers: [], forked: false, functions: [], redirects: [] };
    this.file(parsed.file, ctx, { cwd: this.opts.cwd });
    return null;
  }

  /** Everything found so far. */
  found(): WalkResult {
    if (!this.settled) settle(this.facts, (why, program) => this.flag(why, program));
    this.settled = true;
    return { commands: this.commands, unanalyzable: this.unanalyzable, functions: this.functions };
  }

  private flag(why: string, program: string): void {
    this.unanalyzable.push({ why, program });
  }

  /** Walks a parsed file, then makes sure no simple command was missed. */
  private file(file: File, ctx: Ctx, state: State): void {
    // Collect every CallExpr first: evaluating words rewrites brace
    // expansions in place, after which mvdan's Walk cannot traverse them.
    const all: CallExpr[] = [];
    this.scanner.scan(file, ctx.src);
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
    const inner: Ctx = { ...ctx, nesting: ctx.nesting + 1, substFrom: this.commands.length };
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
        return this.funcDecl(cmd as FuncDecl, ctx);
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
      const from = this.commands.length;
      this.stmt(b.X, { ...ctx, forked: true }, copy(state));
      const to = this.commands.length;
      this.stmt(b.Y, { ...ctx, forked: true }, copy(state));
      // A shell in the right-hand side reading its input runs what the left-hand side prints.
      for (let k = this.shells.length - 1; k >= 0 && (this.shells[k] as number) >= to; k--) {
        const c = this.commands[this.shells[k] as number] as SimpleCommand;
        if (from < to) (c.inputFrom ??= []).push([from, to]);
      }
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

  private funcDecl(f: FuncDecl, ctx: Ctx): void {
    const name = f.Name?.Value ?? "";
    this.functions.push({ name, forksItself: false });
    // The body runs wherever the function is called: its cwd is not the one at the definition.
    this.stmt(f.Body, { ...ctx, forked: false, functions: [...ctx.functions, name] }, { cwd: null });
  }

  private declClause(d: DeclClause, ctx: Ctx, state: State): void {
    const argv = [d.Variant.Value];
    for (const a of d.Args) {
      this.assign(a, ctx, state);
      argv.push(sourceText(ctx.src, a));
    }
    const words = argv.map((t) => literalWord(t));
    this.commands.push(simpleCommand(words, ctx.wrappers, state, [], this.opts.cwd));
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
    if (r.Word) this.substs(r.Word, ctx, state);
    if (r.Hdoc) this.substs(r.Hdoc, ctx, state);
    const e = evalRedirect(r, ctx.src);
    return e.word ? { ...e, word: this.links.physical(e.word, state.cwd) } : e;
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
    this.commands.push(simpleCommand([], ctx.wrappers, state, [...ctx.redirects, ...own], this.opts.cwd));
  }

  /** Analyses one argv: unwrap, recurse into nested scripts and find -exec, emit. */
  private argv(raw: ArgWord[], redirects: RedirectEntry[], ctx: Ctx, state: State): void {
    const words = raw.map((w, i) => this.links.physical(resolveMagicWord(w, state.cwd, i === 0), state.cwd, i === 0));
    const u = unwrap(words);
    const wrappers = [...ctx.wrappers, ...u.wrappers];
    const inner: Ctx = { ...ctx, wrappers };
    const runState = u.chdir ? { cwd: chdirTarget(u.chdir, state) } : state;
    for (const a of u.assignments) this.envAssignment(a, u.wrappers[0] ?? "env");
    if (u.nested) {
      this.nested(u.nested.script, u.nested.via, inner, u.nested.sameShell ? state : copy(runState));
      return;
    }
    const first = u.words[0];
    const name = programName(first);
    const stdinScript = name !== null && SHELLS.has(name) && u.unanalyzable?.endsWith("reads commands from stdin") ? [...redirects].reverse().find((r) => /^(<|<&|<>|<<|<<-|<<<)$/.test(r.info.op) && (r.info.fd ?? "0") === "0") : undefined;
    if (stdinScript?.stdinText !== undefined) {
      // `bash <<'EOF' … EOF`, `sh <<< 'cmd'`: the shell's script is right here; analyse it.
      this.nested(literalWord(stdinScript.stdinText), name as string, { ...ctx, wrappers: [...ctx.wrappers, ...u.wrappers, name as string] }, copy(runState));
      return;
    }
    if (u.unanalyzable) this.flag(u.unanalyzable, name ?? first?.text ?? "?");
    else if (name === null) this.flag(`program name is not a static literal: ${first?.text ?? ""}`, first?.text ?? "?");
    else if (name === "source" || name === ".") this.flag(`${name} runs the commands of a file`, name);
    else if (first?.text.includes("/") && !systemProgram(first, runState.cwd)) this.flag(`runs a program file by path (${first.text}): it may be a script or a link the analyser does not read`, name);
    const builtin = name === null || u.unanalyzable ? null : inspectBuiltin(name, u.words.slice(1));
    if (builtin?.unanalyzable) this.flag(builtin.unanalyzable, name ?? "?");
    const finalWords = u.stdinArgs ? [...u.words, dynamicWord("<stdin>", true, "xargs input")] : u.words;
    const cmd = simpleCommand(finalWords, inner.wrappers, runState, redirects, this.opts.cwd);
    if (u.unanalyzable && name !== null && SHELLS.has(name)) {
      cmd.runsInput = true;
      const from = ctx.substFrom ?? this.commands.length;
      cmd.inputFrom = from < this.commands.length ? [[from, this.commands.length]] : [];
      this.shells.push(this.commands.length);
    }
    this.commands.push(cmd);
    if (name !== null && ctx.forked && ctx.functions.includes(name)) {
      const f = [...this.functions].reverse().find((fn) => fn.name === name);
      if (f) f.forksItself = true;
    }
    if (name === "find") {
      forEachFindExec(u.words, runState, (cmdWords, dirState) => this.argv(cmdWords, [], { ...inner, wrappers: [...inner.wrappers, "find"] }, dirState));
    }
    if (builtin?.trapAction) {
      // The action may run before any later command (DEBUG, ERR, a signal): analysed with an unknown cwd, and it may move the cwd.
      this.nested(builtin.trapAction, "trap", inner, { cwd: null });
      state.cwd = null;
    }
    const isFunction = name !== null && !u.wrappers.includes("builtin") && !u.wrappers.includes("command") && this.facts.functions.has(name);
    if (isFunction) {
      // A function runs in this shell: it may have moved the cwd (and may shadow cd itself).
      state.cwd = null;
    } else if ((name === "cd" || name === "pushd" || name === "popd") && u.wrappers.every((w) => w === "builtin" || w === "command")) {
      applyCd(name, u.words.slice(1), state, this.facts);
    }
  }

  /** Indices in `commands` of the shells that run their input (runsInput), in order. */
  private readonly shells: number[] = [];

  /** `env NAME=value` / `sudo NAME=value`: a variable set for the command. */
  private envAssignment(w: ArgWord, via: string): void {
    const first = w.pieces[0];
    const text = first?.kind === "lit" ? first.text : "";
    const eq = text.indexOf("=");
    const name = text.slice(0, eq);
    const value = w.literal ? w.text.slice(eq + 1) : null;
    const inert = value !== null && !/[$`]/.test(value);
    this.scanner.assigned(name, inert, via, value ?? w.text.slice(w.text.indexOf("=") + 1));
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
}
