/**
 * What a client command (`approvals`, `devices`, `status`) needs from the
 * config: where the gateway listens and, only when the caller brought no
 * credential of their own, the shared secret. Everything else in the file —
 * other users' `${TOKEN}` variables, roles, tools — is not read, so an unset
 * variable that belongs to someone else is not an error here (the gateway
 * itself still requires every one).
 */
import { parseDocument, stringify } from "yaml";
import { parseConfigText, readConfigSource } from "./load.js";
import type { Config } from "./schema.js";

export interface ClientSettings {
  bind: string;
  port: number;
  auth: Pick<Config["gateway"]["auth"], "mode" | "token" | "password">;
  /** The file read, or undefined when none exists at the default path. */
  file: string | undefined;
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => v !== null && typeof v === "object" && !Array.isArray(v);

/** Keeps only `keys` (dotted paths) of a parsed YAML tree. */
function pick(tree: Tree, keys: readonly string[]): Tree {
  const out: Tree = {};
  for (const key of keys) {
    const segs = key.split(".");
    let src: unknown = tree;
    for (const s of segs) src = isTree(src) ? src[s] : undefined;
    if (src === undefined) continue;
    let dst = out;
    for (const s of segs.slice(0, -1)) dst = (dst[s] ??= {}) as Tree;
    dst[segs[segs.length - 1] as string] = src;
  }
  return out;
}

export function loadClientSettings(opts: { path: string; explicit: boolean; env: NodeJS.ProcessEnv; needCredential: boolean }): ClientSettings {
  const { source, file } = readConfigSource(opts);
  const doc = parseDocument(source, { uniqueKeys: true });
  // A file that does not parse is reported by the full loader, with its message and line.
  if (doc.errors.length > 0) parseConfigText(source, opts.env, file);
  const raw: unknown = doc.toJS() ?? {};
  const keys = ["gateway.bind", "gateway.port"];
  if (opts.needCredential) keys.push("gateway.auth.mode", "gateway.auth.token", "gateway.auth.password", "gateway.auth.allowTailscale");
  const { config } = parseConfigText(stringify(isTree(raw) ? pick(raw, keys) : raw), opts.env, file);
  const a = config.gateway.auth;
  return {
    bind: config.gateway.bind,
    port: config.gateway.port,
    auth: { mode: a.mode, ...(a.token !== undefined ? { token: a.token } : {}), ...(a.password !== undefined ? { password: a.password } : {}) },
    file,
  };
}
