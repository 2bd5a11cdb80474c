/**
 * Static evaluation of shell words: quote removal, escapes, brace expansion,
 * tilde, and "what is not known statically" (parameter, command and
 * arithmetic substitutions) as dynamic pieces. Nested statements inside
 * substitutions are NOT analysed here; the walker does that.
 */
import { nodeType, splitBraces } from "./shell-ast.js";
import type { BraceExp, DblQuoted, Lit, ParamExp, SglQuoted, Word, WordPart } from "./shell-ast.js";

/** A literal run (quoted: glob characters in it are plain characters). */
export interface LitPiece {
  kind: "lit";
  text: string;
  quoted: boolean;
  /** An extended glob like `@(a|b)` (always a pattern). */
  extglob?: boolean;
}
/** Something only known at run time. `splittable`: may expand to several words (unquoted). */
export interface DynPiece {
  kind: "dyn";
  splittable: boolean;
  what: string;
  /** A path suffix that never climbs (`find`'s `{}` under its start directory). */
  descendsOnly?: boolean;
}
export type Piece = LitPiece | DynPiece;

/** One shell word after expansion, as far as it is statically known. */
export interface ArgWord {
  /** The literal value when `literal`, else the word's source text. */
  text: string;
  pieces: Piece[];
  literal: boolean;
  /** Contains an unquoted glob character (`*`, `?`, `[`) or an extglob. */
  glob: boolean;
  /** The absolute path the kernel reaches through symbolic links, when it differs from the lexical one (paths.ts physicalPath). */
  physical?: string;
}

/** Upper bound on the words one brace expansion may produce before it is treated as dynamic. */
export const MAX_BRACE_WORDS = 256;

export function makeWord(pieces: Piece[], source: string): ArgWord {
  const merged = mergePieces(pieces);
  const literal = merged.every((p) => p.kind === "lit");
  const glob = merged.some((p) => p.kind === "lit" && (p.extglob === true || (!p.quoted && /[*?[]/.test(p.text))));
  const text = literal ? merged.map((p) => (p as LitPiece).text).join("") : source;
  return { text, pieces: merged, literal, glob };
}

/** A literal word (used for synthetic words such as joined `eval` arguments). */
export function literalWord(text: string): ArgWord {
  return makeWord([{ kind: "lit", text, quoted: true }], text);
}

/** A fully unknown word. */
export function dynamicWord(source: string, splittable: boolean, what: string): ArgWord {
  return makeWord([{ kind: "dyn", splittable, what }], source);
}

function mergePieces(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (p.kind === "lit" && p.text === "" ) continue;
    if (last && last.kind === "lit" && p.kind === "lit" && last.quoted === p.quoted && !last.extglob && !p.extglob) {
      out[out.length - 1] = { kind: "lit", text: last.text + p.text, quoted: p.quoted };
    } else {
      out.push(p);
    }
  }
  return out;
}

/** Evaluates a parsed word to one or more words (brace expansion can multiply it). */
export function evalWord(word: Word, source: string): ArgWord[] {
  const split = splitBraces(word);
  const alternatives = evalParts(split.Parts, false);
  return alternatives.map((pieces) => makeWord(applyTilde(pieces), source));
}

function applyTilde(pieces: Piece[]): Piece[] {
  const first = pieces[0];
  if (!first || first.kind !== "lit" || first.quoted || !first.text.startsWith("~")) return pieces;
  const slash = first.text.indexOf("/");
  const rest = slash < 0 ? "" : first.text.slice(slash);
  const home: DynPiece = { kind: "dyn", splittable: false, what: "home directory" };
  const tail: Piece[] = rest === "" ? [] : [{ kind: "lit", text: rest, quoted: false }];
  return [home, ...tail, ...pieces.slice(1)];
}

type Alternatives = Piece[][];

function cross(a: Alternatives, b: Alternatives): Alternatives | null {
  if (a.length * b.length > MAX_BRACE_WORDS) return null;
  const out: Alternatives = [];
  for (const x of a) for (const y of b) out.push([...x, ...y]);
  return out;
}

function evalParts(parts: WordPart[], inDouble: boolean): Alternatives {
  let acc: Alternatives = [[]];
  for (const part of parts) {
    const alts = evalPart(part, inDouble);
    if (alts.length === 1) {
      // Common case: no brace alternatives; extend in place (no quadratic copying).
      for (const a of acc) a.push(...(alts[0] as Piece[]));
      continue;
    }
    const next = cross(acc, alts);
    if (next === null) return [[{ kind: "dyn", splittable: true, what: "brace expansion too large" }]];
    acc = next;
  }
  return acc;
}

function evalPart(part: WordPart, inDouble: boolean): Alternatives {
  switch (nodeType(part)) {
    case "Lit":
      return [inDouble ? [{ kind: "lit", text: unescapeDouble((part as Lit).Value), quoted: true }] : unescapeBare((part as Lit).Value)];
    case "SglQuoted": {
      const q = part as SglQuoted;
      return [[{ kind: "lit", text: q.Dollar ? decodeAnsiC(q.Value) : q.Value, quoted: true }]];
    }
    case "DblQuoted":
      return evalParts((part as DblQuoted).Parts, true);
    case "ParamExp": {
      const name = (part as ParamExp).Param?.Value ?? "";
      return [[{ kind: "dyn", splittable: !inDouble || name === "@", what: `parameter ${name}` }]];
    }
    case "CmdSubst":
      return [[{ kind: "dyn", splittable: !inDouble, what: "command substitution" }]];
    case "ArithmExp":
      return [[{ kind: "dyn", splittable: false, what: "arithmetic expansion" }]];
    case "ProcSubst":
      return [[{ kind: "dyn", splittable: false, what: "process substitution" }]];
    case "ExtGlob": {
      const g = part as unknown as { Op: number; Pattern: Lit };
      return [[{ kind: "lit", text: `@(${g.Pattern.Value})`, quoted: false, extglob: true }]];
    }
    case "BraceExp":
      return evalBrace(part as BraceExp);
    default:
      return [[{ kind: "dyn", splittable: !inDouble, what: nodeType(part) }]];
  }
}

function evalBrace(b: BraceExp): Alternatives {
  if (b.Sequence) {
    const vals = b.Elems.map((e) => evalParts(e.Parts, false));
    const lits = vals.map((alts) => (alts.length === 1 && alts[0]?.every((p) => p.kind === "lit") ? alts[0].map((p) => (p as LitPiece).text).join("") : null));
    const seq = expandSequence(lits);
    if (seq === null) return [[{ kind: "dyn", splittable: true, what: "brace sequence" }]];
    return seq.map((s) => [{ kind: "lit", text: s, quoted: true }]);
  }
  const out: Alternatives = [];
  for (const elem of b.Elems) {
    for (const alt of evalParts(splitBraces(elem).Parts, false)) {
      out.push(alt);
      if (out.length > MAX_BRACE_WORDS) return [[{ kind: "dyn", splittable: true, what: "brace expansion too large" }]];
    }
  }
  return out;
}

function expandSequence(lits: (string | null)[]): string[] | null {
  const [from, to, stepText] = lits;
  if (from == null || to == null || (lits.length > 2 && stepText == null)) return null;
  const step = stepText == null ? 1 : Math.abs(Number.parseInt(stepText, 10)) || 1;
  const isInt = (s: string) => /^-?\d+$/.test(s);
  if (isInt(from) && isInt(to)) {
    const a = Number.parseInt(from, 10);
    const z = Number.parseInt(to, 10);
    if (Math.abs(z - a) / step >= MAX_BRACE_WORDS) return null;
    const width = /^-?0\d/.test(from) || /^-?0\d/.test(to) ? Math.max(from.length, to.length) : 0;
    const out: string[] = [];
    for (let v = a; a <= z ? v <= z : v >= z; v += a <= z ? step : -step) out.push(width ? String(v).padStart(width, "0") : String(v));
    return out;
  }
  if (from.length === 1 && to.length === 1) {
    const a = from.charCodeAt(0);
    const z = to.charCodeAt(0);
    const out: string[] = [];
    for (let v = a; a <= z ? v <= z : v >= z; v += a <= z ? step : -step) out.push(String.fromCharCode(v));
    return out;
  }
  return null;
}

/** Unquoted literal: `\x` is x (and x is then not a glob character). */
function unescapeBare(raw: string): Piece[] {
  const out: Piece[] = [];
  let run = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === "\\" && i + 1 < raw.length) {
      if (run) out.push({ kind: "lit", text: run, quoted: false });
      run = "";
      out.push({ kind: "lit", text: raw[i + 1] as string, quoted: true });
      i++;
    } else {
      run += c;
    }
  }
  if (run) out.push({ kind: "lit", text: run, quoted: false });
  return out;
}

/** Inside double quotes only `\$`, `` \` ``, `\"`, `\\` and `\<newline>` are escapes. */
function unescapeDouble(raw: string): string {
  return raw.replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === "\n" ? "" : c));
}

const ANSI_SIMPLE: Record<string, string> = {
  a: "\x07", b: "\b", e: "\x1b", E: "\x1b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
};

/** Decodes bash `$'...'` escapes. */
export function decodeAnsiC(raw: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c !== "\\" || i + 1 >= raw.length) {
      out += c;
      continue;
    }
    const n = raw[i + 1] as string;
    const simple = ANSI_SIMPLE[n];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    const grab = (re: RegExp, from: number): string => re.exec(raw.slice(from))?.[0] ?? "";
    if (/[0-7]/.test(n)) {
      const digits = grab(/^[0-7]{1,3}/, i + 1);
      out += String.fromCharCode(Number.parseInt(digits, 8) & 0xff);
      i += digits.length;
    } else if (n === "x" || n === "u" || n === "U") {
      const max = n === "x" ? 2 : n === "u" ? 4 : 8;
      const digits = grab(new RegExp(`^[0-9a-fA-F]{1,${max}}`), i + 2);
      if (digits === "") {
        out += "\\" + n;
      } else {
        const cp = Number.parseInt(digits, 16);
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : "\ufffd";
      }
      i += 1 + digits.length;
    } else if (n === "c" && i + 2 < raw.length) {
      out += String.fromCharCode((raw.charCodeAt(i + 2) & 0x1f) >>> 0);
      i += 2;
    } else {
      out += "\\" + n;
      i++;
    }
  }
  return out;
}
