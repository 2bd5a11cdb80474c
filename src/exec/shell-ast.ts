/**
 * A small typed facade over the parts of mvdan-sh (a GopherJS build of
 * mvdan.cc/sh/v3/syntax) that the analyser uses. Nodes are Go structs seen
 * through GopherJS wrappers: field access works, but wrapper objects are not
 * identity-stable, so never compare nodes with `===`.
 */
import { createRequire } from "node:module";

export interface Pos {
  Offset(): number;
}
export interface Node {
  Pos(): Pos;
  End(): Pos;
}
export interface File extends Node {
  Stmts: Stmt[];
}
export interface Stmt extends Node {
  Cmd: Command | null;
  Redirs: Redirect[];
  Negated: boolean;
  Background: boolean;
  Coprocess: boolean;
}
export interface Lit extends Node {
  Value: string;
}
export interface SglQuoted extends Node {
  Value: string;
  Dollar: boolean;
}
export interface DblQuoted extends Node {
  Parts: WordPart[];
  Dollar: boolean;
}
export interface CmdSubst extends Node {
  Stmts: Stmt[];
}
export interface ProcSubst extends Node {
  Op: number;
  Stmts: Stmt[];
}
export interface ParamExp extends Node {
  Param: Lit | null;
}
export interface BraceExp extends Node {
  Sequence: boolean;
  Elems: Word[];
}
export type WordPart = Node;
export interface Word extends Node {
  Parts: WordPart[];
}
export interface Assign extends Node {
  Name: Lit | null;
  Value: Word | null;
  Append: boolean;
  Naked: boolean;
}
export interface Redirect extends Node {
  Op: number;
  N: Lit | null;
  Word: Word | null;
  Hdoc: Word | null;
}
export interface CallExpr extends Node {
  Assigns: Assign[];
  Args: Word[];
}
export interface BinaryCmd extends Node {
  Op: number;
  X: Stmt;
  Y: Stmt;
}
export interface StmtList extends Node {
  Stmts: Stmt[];
}
export interface IfClause extends Node {
  Cond: Stmt[];
  Then: Stmt[];
  Else: IfClause | null;
}
export interface WhileClause extends Node {
  Cond: Stmt[];
  Do: Stmt[];
}
export interface ForClause extends Node {
  Loop: Node;
  Do: Stmt[];
}
export interface WordIter extends Node {
  Items: Word[];
}
export interface CaseItem extends Node {
  Patterns: Word[];
  Stmts: Stmt[];
}
export interface CaseClause extends Node {
  Word: Word;
  Items: CaseItem[];
}
export interface FuncDecl extends Node {
  Name: Lit;
  Body: Stmt;
}
export interface DeclClause extends Node {
  Variant: Lit;
  Args: Assign[];
}
export interface TimeClause extends Node {
  PosixFormat: boolean;
  Stmt: Stmt | null;
}
export interface CoprocClause extends Node {
  Stmt: Stmt;
}
export type Command = Node;

interface Parser {
  Parse(src: string, name: string): File;
}
interface Syntax {
  NewParser(): Parser;
  NodeType(node: unknown): string;
  Walk(node: unknown, fn: (node: Node | null) => boolean): void;
  SplitBraces(word: Word): Word;
}

// The parser (a ~17 MB GopherJS build) is loaded on first use, not at gateway start:
// a gateway whose agents never run a command does not pay for it in memory.
const requireCjs = createRequire(import.meta.url);
let loaded: Syntax | undefined;
function parserModule(): Syntax {
  loaded ??= (requireCjs("mvdan-sh") as { syntax: unknown }).syntax as Syntax;
  return loaded;
}

/** Node type name, e.g. "CallExpr", "Lit", "DblQuoted". */
export function nodeType(node: unknown): string {
  return parserModule().NodeType(node);
}

/** Depth-first walk; return false from `fn` to skip a node's children. */
export function walk(node: Node, fn: (node: Node) => boolean): void {
  parserModule().Walk(node, (n) => (n === null || n === undefined ? true : fn(n)));
}

/** Rewrites brace expansions in a word's literals into BraceExp parts (mutates and returns the word). */
export function splitBraces(word: Word): Word {
  return parserModule().SplitBraces(word);
}

/** A stable identity for a node (GopherJS wrappers are recreated on access). */
export function nodeKey(node: Node): object {
  return (node as unknown as { __internal_object__: object }).__internal_object__;
}

export type ParseResult = { ok: true; file: File } | { ok: false; message: string };

/** Parses bash syntax. Never throws: a syntax error comes back as `{ ok: false, message }`. */
export function parseShell(src: string): ParseResult {
  try {
    const file = parserModule().NewParser().Parse(src, "");
    return { ok: true, file };
  } catch (e) {
    return { ok: false, message: parseErrorMessage(e) };
  }
}

function parseErrorMessage(e: unknown): string {
  if (e !== null && typeof e === "object") {
    const err = e as { Error?: unknown; message?: unknown };
    if (typeof err.Error === "function") return String((err.Error as () => string).call(e));
    if (typeof err.message === "string") return err.message;
  }
  return "unparseable shell input";
}

/** BinaryCmd operators (mvdan.cc/sh/v3/syntax BinCmdOperator). */
export const BinOp = { AndStmt: 10, OrStmt: 11, Pipe: 12, PipeAll: 13 } as const;

/** Redirection operators, by mvdan.cc/sh/v3/syntax RedirOperator value. */
export const RedirOps: Readonly<Record<number, string>> = {
  54: ">",
  55: ">>",
  56: "<",
  57: "<>",
  58: "<&",
  59: ">&",
  60: ">|",
  61: "<<",
  62: "<<-",
  63: "<<<",
  64: "&>",
  65: "&>>",
};

/** Byte-offset slice of the source (mvdan offsets are UTF-8 byte offsets). */
export function sourceText(src: Buffer, node: Node): string {
  return src.subarray(node.Pos().Offset(), node.End().Offset()).toString("utf8");
}
