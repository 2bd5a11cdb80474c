/**
 * Reads config.yaml: YAML → ${ENV} substitution → strict schema → cross-field
 * checks → deep-frozen Config. Every problem is reported at once, each with its
 * key path; no message ever contains a value (so secrets cannot leak).
 */
import fs from "node:fs";
import { isIP } from "node:net";
import { parseDocument } from "yaml";
import type { core as zcore } from "zod";
import { ConfigError, type ConfigIssue } from "./errors.js";
import { substituteEnv } from "./env-substitution.js";
import { formatKeyPath } from "./key-path.js";
import { describeYamlError } from "./yaml-errors.js";
import { configSchema, defaultAgentConfig, type Config } from "./schema.js";
import { modelIssues } from "./model-refs.js";

export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined when no file exists at the default path. */
  file: string | undefined;
  /** Key paths whose value came from the environment. */
  fromEnv: readonly string[];
  /** The raw text read (used by doctor to spot literal secrets). */
  source: string;
}

/** The config text, or "" with file undefined when no file exists at the default (not explicit) path. */
export function readConfigSource(opts: { path: string; explicit: boolean }): { source: string; file: string | undefined } {
  try {
    return { source: fs.readFileSync(opts.path, "utf8"), file: opts.path };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !opts.explicit) return { source: "", file: undefined };
    if (code === "ENOENT") throw new ConfigError([{ path: "(file)", message: `config file not found: ${opts.path}` }]);
    throw new ConfigError([{ path: "(file)", message: `cannot read config file ${opts.path}: ${code ?? "error"}` }]);
  }
}

export function loadConfigFile(opts: { path: string; explicit: boolean; env?: NodeJS.ProcessEnv }): LoadedConfig {
  const { source, file } = readConfigSource(opts);
  const result = parseConfigText(source, opts.env ?? process.env, file);
  return { ...result, file, source };
}

export function parseConfigText(
  text: string,
  env: NodeJS.ProcessEnv,
  file?: string,
): { config: Config; fromEnv: readonly string[] } {
  // prettyErrors fills in line/column; the parser's snippet is not echoed (yaml-errors.ts shows the line, secrets masked).
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => describeYamlError(e, text)),
      file,
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError([{ path: "(root)", message: "the config must be a mapping of keys" }], file);
  }
  const sub = substituteEnv(raw, env);
  const issues: ConfigIssue[] = [...sub.issues];
  const parsed = configSchema.safeParse(sub.value);
  if (!parsed.success) {
    // A missing variable already has its issue; the empty value it left behind needs no second one.
    const substituted = new Set(sub.issues.map((i) => i.path));
    issues.push(...parsed.error.issues.flatMap(describeIssue).filter((i) => !substituted.has(i.path)));
  }
  if (issues.length > 0 || !parsed.success) throw new ConfigError(dedupe(issues), file);
  const config = parsed.data;
  if (!config.agents.main) config.agents.main = defaultAgentConfig();
  issues.push(...crossFieldIssues(config));
  issues.push(...modelIssues(config));
  if (issues.length > 0) throw new ConfigError(issues, file);
  return { config: deepFreeze(config), fromEnv: sub.fromEnv };
}

function describeIssue(issue: zcore.$ZodIssue): ConfigIssue[] {
  const base = formatKeyPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => ({ path: formatKeyPath([...issue.path, k]), message: "unknown key" }));
    case "invalid_type":
      return [{ path: base, message: `expected ${issue.expected}` }];
    case "invalid_value":
      return [{ path: base, message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` }];
    case "invalid_union":
      if (base.startsWith("gateway.auth.users"))
        return [{ path: base, message: "expected { id, token } (token at least 16 characters) or { id, password } (at least 8)" }];
      return [{ path: base, message: "does not match any allowed form" }];
    case "invalid_key":
      if (issue.path.length === 1 && issue.path[0] === "agents")
        return [{ path: base, message: "agent ids are 1-64 characters of A-Z a-z 0-9 _ -" }];
      return [{ path: base, message: "invalid key" }];
    case "too_small":
    case "too_big":
    case "invalid_format":
    case "custom":
    case "not_multiple_of":
    case "invalid_element":
      return [{ path: base, message: safeMessage(issue.message) }];
    default:
      return [{ path: base, message: "invalid value" }];
  }
}

/** zod messages for these codes describe the rule, not the value; strip anything quoted just in case. */
function safeMessage(m: string): string {
  return m.replace(/"[^"]*"/g, "value").replace(/^Invalid input: /, "");
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function isLoopbackBind(bind: string): boolean {
  if (bind === "localhost") return true;
  if (isIP(bind) === 4) return bind.startsWith("127.");
  const b = bind.toLowerCase();
  return b === "::1" || b.startsWith("::ffff:127.");
}

function crossFieldIssues(c: Config): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const a = c.gateway.auth;
  if (a.mode === "password" && !a.password)
    out.push({ path: "gateway.auth.password", message: 'required when gateway.auth.mode is "password"' });
  if (a.mode === "password" && a.token !== undefined)
    out.push({ path: "gateway.auth.token", message: 'not used when gateway.auth.mode is "password" (remove it, or use mode "token")' });
  if (a.mode !== "password" && a.password !== undefined)
    out.push({ path: "gateway.auth.password", message: `not used when gateway.auth.mode is "${a.mode}" (remove it, or use mode "password")` });
  if (a.mode === "tailscale" && !a.allowTailscale)
    out.push({ path: "gateway.auth.allowTailscale", message: 'must be true when gateway.auth.mode is "tailscale"' });
  if (a.mode === "none" && !isLoopbackBind(c.gateway.bind))
    out.push({
      path: "gateway.bind",
      message: 'refusing a non-loopback bind with gateway.auth.mode "none" (enable authentication or bind 127.0.0.1)',
    });
  if (a.token !== undefined && a.token.length < 16)
    out.push({ path: "gateway.auth.token", message: "must be at least 16 characters (use `clawdbot token generate`)" });
  if (a.password !== undefined && a.password.length < 8)
    out.push({ path: "gateway.auth.password", message: "must be at least 8 characters" });
  const ids = new Map<string, number>();
  a.users.forEach((u, i) => {
    if (u.id === a.principal) out.push({ path: `gateway.auth.users[${i}].id`, message: `clashes with gateway.auth.principal` });
    const prev = ids.get(u.id);
    if (prev !== undefined) out.push({ path: `gateway.auth.users[${i}].id`, message: `duplicate of gateway.auth.users[${prev}].id` });
    else ids.set(u.id, i);
  });
  if (c.tools.limits.defaultTimeoutMs > c.tools.limits.maxTimeoutMs)
    out.push({ path: "tools.limits.defaultTimeoutMs", message: "must not exceed tools.limits.maxTimeoutMs" });
  return out;
}

export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x);
  }
  return v;
}
