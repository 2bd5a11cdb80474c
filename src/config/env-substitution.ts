/**
 * `${VAR}` and `${VAR:-default}` substitution over the parsed YAML tree (string
 * values only, so a variable's content can never inject YAML structure).
 * `$${` is an escape for a literal `${`. A missing variable is an issue naming
 * the variable and the key path; all issues are collected.
 */
import type { ConfigIssue } from "./errors.js";
import { formatKeyPath } from "./key-path.js";

const PATTERN = /\$\$\{|\$\{([^}]*)\}/g;
const VAR_EXPR = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

export interface SubstitutionResult {
  value: unknown;
  issues: ConfigIssue[];
  /** Key paths whose value came (at least in part) from the environment. */
  fromEnv: string[];
}

export function substituteString(
  input: string,
  env: NodeJS.ProcessEnv,
  path: string,
  issues: ConfigIssue[],
): { value: string; usedEnv: boolean } {
  let usedEnv = false;
  const value = input.replace(PATTERN, (match, expr: string | undefined) => {
    if (match === "$${") return "${";
    const m = VAR_EXPR.exec(expr ?? "");
    if (!m) {
      // The text between the braces is not echoed: it may be a secret pasted in by mistake.
      issues.push({ path, message: "invalid variable reference (use ${NAME} or ${NAME:-default}, or $${ for a literal ${)" });
      return "";
    }
    const name = m[1] as string;
    const fallback = m[2];
    const v = env[name];
    usedEnv = true;
    if (v !== undefined && v !== "") return v;
    if (fallback !== undefined) return fallback;
    if (v === "") return "";
    issues.push({ path, message: `environment variable ${name} is not set` });
    return "";
  });
  return { value, usedEnv };
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
