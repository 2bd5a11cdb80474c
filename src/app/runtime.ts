/**
 * Everything derived from one config: compiled once, swapped atomically on a
 * reload. Building it is also the full validation of a config (`config
 * validate` and reloads use it), so cross-module checks (roles, blocklist,
 * trusted proxies, agents) are reported with their key paths in one list.
 */
import path from "node:path";
import type { Config, ConfigIssue } from "../config/index.js";
import { workspaceFor } from "../config/index.js";
import { CredentialSet } from "../auth/secret-auth.js";
import { buildPolicy, type Policy } from "../policy/index.js";
import { compileBlocklist } from "../exec/blocklist.js";
import { compileTrustedProxies, isLoopback } from "../transport/net/ip.js";
import { compileAllowedOrigins, type CompiledOrigins } from "../transport/net/origin.js";
import { builtinTools } from "../tools/registry.js";
import type { ToolLimits } from "../tools/types.js";

export interface AgentRuntime {
  id: string;
  workspace: string;
}

export interface Runtime {
  readonly config: Config;
  readonly credentials: CredentialSet;
  readonly policy: Policy;
  readonly blocklist: ReturnType<typeof compileBlocklist>;
  readonly isTrustedProxy: (addr: string) => boolean;
  readonly origins: CompiledOrigins;
  readonly agents: ReadonlyMap<string, AgentRuntime>;
  readonly toolLimits: ToolLimits;
  readonly stateDir: string;
  /** The config file this runtime was loaded from; undefined when running on the defaults. */
  readonly configFile: string | undefined;
  /** Key paths whose value came from a `${VAR}` (not written in the file), for doctor's literal-secret checks. */
  readonly configFromEnv: readonly string[];
}

export function buildRuntime(
  config: Config,
  opts: {
    stateDir: string;
    sharedToken?: string | undefined;
    /** False for `config validate`: the gateway generates the stored token on first start. */
    requireToken?: boolean;
    configFile?: string | undefined;
    configFromEnv?: readonly string[];
    /** Files agents must never reach through a workspace. */
    protectedPaths?: string[];
  },
): { runtime: Runtime } | { issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const auth = config.gateway.auth;
  // The shared token: the configured one, else the stored one. In tailscale mode it stays usable for
  // automation and the local CLI; password mode has no shared token.
  const sharedToken = auth.mode === "token" || auth.mode === "tailscale" ? (auth.token ?? opts.sharedToken) : undefined;
  if (auth.mode === "token" && !sharedToken && auth.users.length === 0 && opts.requireToken !== false)
    issues.push({ path: "gateway.auth.token", message: "no token configured and none stored in the credentials directory" });

  const within = (child: string, parent: string): boolean => {
    const rel = path.relative(parent, child);
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
  };
  const agents = new Map<string, AgentRuntime>();
  for (const [id, a] of Object.entries(config.agents)) {
    const workspace = workspaceFor(opts.stateDir, id, a.workspace);
    const at = `agents.${id}.workspace`;
    if (within(opts.stateDir, workspace))
      issues.push({ path: at, message: "must not contain the state directory (it holds credentials and the audit log)" });
    // Inside the state dir only the workspaces' own subtree: never credentials/, devices/ or the audit log.
    else if (within(workspace, opts.stateDir) && !within(workspace, path.join(opts.stateDir, "workspace")) && !within(workspace, path.join(opts.stateDir, "workspaces")))
      issues.push({ path: at, message: "inside the state directory a workspace must live under workspace/ or workspaces/" });
    for (const p of opts.protectedPaths ?? [])
      if (within(p, workspace)) issues.push({ path: at, message: "must not contain the audit log or the config file" });
    agents.set(id, { id, workspace });
  }

  // Role `agents` may name agents not configured (the guide's devops role names `deploy`):
  // such a role simply reaches no such agent; doctor warns about it.
  const built = buildPolicy(config.rbac, {
    implicitAdminPrincipal: auth.principal,
    knownTools: [...builtinTools.keys()],
  });
  if ("errors" in built) issues.push(...built.errors);

  const blocklist = compileBlocklist([...config.tools.exec.blocklist]);
  for (const e of blocklist.errors) issues.push({ path: `tools.exec.blocklist[${e.index}]`, message: e.message });

  const proxies = compileTrustedProxies([...config.gateway.trustedProxies]);
  for (const e of proxies.errors) issues.push({ path: `gateway.trustedProxies[${e.index}]`, message: e.message });

  const origins = compileAllowedOrigins([...config.gateway.allowedOrigins]);
  for (const e of origins.errors) issues.push({ path: `gateway.allowedOrigins[${e.index}]`, message: e.message });

  if (issues.length > 0 || "errors" in built) return { issues };
  return {
    runtime: Object.freeze({
      config,
      credentials: new CredentialSet({
        principal: auth.principal,
        sharedToken,
        sharedPassword: auth.mode === "password" ? auth.password : undefined,
        users: auth.users,
      }),
      policy: built.policy,
      blocklist,
      // With Tailscale identities on, `tailscale serve` on loopback is a proxy: its X-Forwarded-For
      // names the tailnet client, so limits and actor.remoteIp apply per tailnet address.
      isTrustedProxy:
        auth.mode === "tailscale" || auth.allowTailscale ? (a: string) => proxies.matcher(a) || isLoopback(a) : proxies.matcher,
      origins,
      agents,
      toolLimits: { ...config.tools.limits },
      stateDir: opts.stateDir,
      configFile: opts.configFile,
      configFromEnv: opts.configFromEnv ?? [],
    }),
  };
}
