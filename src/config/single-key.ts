/**
 * Reads one string key of config.yaml without validating the rest, for commands
 * that need only that key (the audit CLI needs only `gateway.audit.path`) while
 * the whole config cannot load in the operator's shell (an unrelated `${VAR}`
 * unset, say). The key's own `${…}` references must resolve; nothing else is
 * looked at. Errors name the key path, never a value.
 */
import fs from "node:fs";
import { parseDocument } from "yaml";
import { ConfigError, type ConfigIssue } from "./errors.js";
import { substituteString } from "./env-substitution.js";
import { formatKeyPath } from "./key-path.js";

export interface SingleKey {
  /** The substituted value, or undefined when the file or the key is absent. */
  value: string | undefined;
  /** The file read, or undefined when none exists at the default path. */
  file: string | undefined;
}

export function readConfigString(opts: { path: string; explicit: boolean; env: NodeJS.ProcessEnv }, key: readonly string[]): SingleKey {
  const keyPath = formatKeyPath(key);
  let text: string;
  try {
    text = fs.readFileSync(opts.path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !opts.explicit) return { value: undefined, file: undefined };
    throw new ConfigError([{ path: "(file)", message: code === "ENOENT" ? `config file not found: ${opts.path}` : `cannot read config file ${opts.path}: ${code ?? "error"}` }]);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) throw new ConfigError([{ path: "(yaml)", message: `the file is not valid YAML, so ${keyPath} cannot be read` }], opts.path);
  let node: unknown = doc.toJS();
  for (const seg of key) {
    if (node === null || node === undefined) break;
    if (typeof node !== "object" || Array.isArray(node)) throw new ConfigError([{ path: keyPath, message: "a parent of this key is not a mapping" }], opts.path);
    node = Object.hasOwn(node, seg) ? (node as Record<string, unknown>)[seg] : undefined;
  }
  if (node === null || node === undefined) return { value: undefined, file: opts.path };
  if (typeof node !== "string") throw new ConfigError([{ path: keyPath, message: "expected string" }], opts.path);
  const issues: ConfigIssue[] = [];
  const { value } = substituteString(node, opts.env, keyPath, issues);
  if (issues.length > 0) throw new ConfigError(issues, opts.path);
  return { value, file: opts.path };
}
