import os from "node:os";
import path from "node:path";

export interface ResolvedPaths {
  stateDir: string;
  configPath: string;
  /** True when the config path was given explicitly (flag or env): it must then exist. */
  configExplicit: boolean;
}

/** DESIGN.md: state `$CLAWDBOT_STATE_DIR` or `~/.clawdbot`; config `--config`, else `$CLAWDBOT_CONFIG`, else `<state>/config.yaml`. */
export function resolvePaths(opts: { configFlag?: string | undefined; env?: NodeJS.ProcessEnv } = {}): ResolvedPaths {
  const env = opts.env ?? process.env;
  const stateDir = path.resolve(env.CLAWDBOT_STATE_DIR || path.join(os.homedir(), ".clawdbot"));
  if (opts.configFlag) return { stateDir, configPath: path.resolve(opts.configFlag), configExplicit: true };
  if (env.CLAWDBOT_CONFIG) return { stateDir, configPath: path.resolve(env.CLAWDBOT_CONFIG), configExplicit: true };
  return { stateDir, configPath: path.join(stateDir, "config.yaml"), configExplicit: false };
}

export function auditPathFor(stateDir: string, configured: string | undefined): string {
  return configured ? path.resolve(stateDir, configured) : path.join(stateDir, "audit.jsonl");
}

export function credentialsDirFor(stateDir: string): string {
  return path.join(stateDir, "credentials");
}

export function workspaceFor(stateDir: string, agentId: string, configured: string | undefined): string {
  if (configured) return path.resolve(stateDir, configured);
  return agentId === "main" ? path.join(stateDir, "workspace") : path.join(stateDir, "workspaces", agentId);
}
