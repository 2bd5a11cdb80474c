/**
 * `${VAR}` and `${VAR:-default}` substitution over the parsed YAML tree (string
 * values only, so a variable's content can never inject YAML structure).
 * Defaults may themselves hold references (`${A:-${B}}`, evaluated only when
 * the default is used). `$${` is an escape for a literal `${`. A missing
 * variable, a malformed or unterminated reference, or nesting deeper than
 * MAX_NESTING is an issue naming the key path; all issues are collected. No
 * `${…}` text ever survives into a value, and a name that looks like a secret
 * is never echoed (see secret-like.ts).
 */
import type { ConfigIssue } from "./errors.js";
import { formatKeyPath } from "./key-path.js";
import { printableVarName } from "./secret-like.js";

/** `${A:-${B:-${C}}}` is three levels; more is refused. */
export const MAX_NESTING = 4;

export const INVALID_REFERENCE = "invalid variable reference (use ${NAME} or ${NAME:-default}, or $${ for a literal ${)";
export const UNTERMINATED_REFERENCE = "unterminated variable reference: a ${ has no closing } (write $${ for a literal ${)";
export const TOO_DEEP = `variable references nested more than ${MAX_NESTING} deep`;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SubstitutionResult {
  value: unknown;
  issues: ConfigIssue[];
  /** Key paths whose value came (at least in part) from the environment. */
  fromEnv: string[];
}

type Part = string | { name: string; fallback?: Part[] };

interface Parsed {
  parts: Part[];
  /** Index just past what was consumed (past the closing `}` of a default). */
  end: number;
  closed: boolean;
}

/**
 * Parses template text from `i`. Inside a default (`depth > 0`) an unescaped `}`
 * ends it. Syntax problems go to `errors` (messages never contain the text).
 */
function parseTemplate(s: string, i: number, depth: number, errors: Set<string>): Parsed {
  const parts: Part[] = [];
  let text = "";
  while (i < s.length) {
    if (s.startsWith("$${", i)) {
      text += "${";
      i += 3;
    } else if (s.startsWith("${", i)) {
      if (text) parts.push(text);
      text = "";
      const ref = parseReference(s, i + 2, depth + 1, errors);
      if (ref.part) parts.push(ref.part);
      i = ref.end;
    } else if (depth > 0 && s[i] === "}") {
      if (text) parts.push(text);
      return { parts, end: i + 1, closed: true };
    } else {
      text += s[i];
      i++;
    }
  }
  if (text) parts.push(text);
  return { parts, end: i, closed: depth === 0 };
}

/** Skips a malformed reference to its matching `}` (counting nested braces). */
function skipToClose(s: string, i: number): { end: number; closed: boolean } {
  let open = 1;
  for (; i < s.length; i++) {
    if (s[i] === "{") open++;
    else if (s[i] === "}" && --open === 0) return { end: i + 1, closed: true };
  }
  return { end: i, closed: false };
}

/** Parses after `${`; returns undefined `part` for a malformed reference (its issue recorded). */
function parseReference(s: string, i: number, depth: number, errors: Set<string>): { part?: Part; end: number } {
  if (depth > MAX_NESTING) {
    errors.add(TOO_DEEP);
    return { end: skipToClose(s, i).end };
  }
  const name = /^[A-Za-z0-9_]*/.exec(s.slice(i, i + 256))?.[0] ?? "";
  let j = i + name.length;
  const malformed = (): { end: number } => {
    const skip = skipToClose(s, j);
    errors.add(skip.closed ? INVALID_REFERENCE : UNTERMINATED_REFERENCE);
    return { end: skip.end };
  };
  if (!NAME_RE.test(name)) return malformed();
  if (s[j] === "}") return { part: { name }, end: j + 1 };
  if (!s.startsWith(":-", j)) return j >= s.length ? (errors.add(UNTERMINATED_REFERENCE), { end: j }) : malformed();
  j += 2;
  const fallback = parseTemplate(s, j, depth, errors);
  if (!fallback.closed) {
    errors.add(UNTERMINATED_REFERENCE);
    return { end: fallback.end };
  }
  return { part: { name, fallback: fallback.parts }, end: fallback.end };
}

/** Evaluates parsed parts; a default is evaluated only when it is used (as in the shell). */
function evaluate(parts: Part[], env: NodeJS.ProcessEnv, missing: string[]): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "string") {
      out += p;
      continue;
    }
    const v = env[p.name];
    if (v !== undefined && v !== "") out += v;
    else if (p.fallback !== undefined) out += evaluate(p.fallback, env, missing);
    else if (v === undefined) missing.push(p.name);
  }
  return out;
}

const hasReference = (parts: Part[]): boolean => parts.some((p) => typeof p !== "string");

export function substituteString(
  input: string,
  env: NodeJS.ProcessEnv,
  path: string,
  issues: ConfigIssue[],
): { value: string; usedEnv: boolean } {
  if (!input.includes("${")) return { value: input, usedEnv: false };
  const errors = new Set<string>();
  const parsed = parseTemplate(input, 0, 0, errors);
  for (const message of errors) issues.push({ path, message });
  const missing: string[] = [];
  const value = evaluate(parsed.parts, env, missing);
  for (const name of missing) issues.push({ path, message: `environment variable ${printableVarName(name)} is not set` });
  return { value, usedEnv: hasReference(parsed.parts) };
}

export function substituteEnv(tree: unknown, env: NodeJS.ProcessEnv): SubstitutionResult {
  const issues: ConfigIssue[] = [];
  const fromEnv: string[] = [];
  const walk = (node: unknown, segs: PropertyKey[]): unknown => {
    if (typeof node === "string") {
      const path = formatKeyPath(segs);
      const r = substituteString(node, env, path, issues);
      if (r.usedEnv) fromEnv.push(path);
      return r.value;
    }
    if (Array.isArray(node)) return node.map((v, i) => walk(v, [...segs, i]));
    if (node !== null && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, [...segs, k]);
      return out;
    }
    return node;
  };
  return { value: walk(tree, []), issues, fromEnv };
}
