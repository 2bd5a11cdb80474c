/**
 * Applying a changed config or credentials file to a running gateway: all or
 * nothing, audited as `config.change` with key paths (never values). Refused:
 * an invalid file, a missing or empty file (a half-written save must not turn
 * the defaults on), and authentication off while listening beyond loopback.
 * A reload from the file watcher names the content it saw settle; text that
 * differs (still being written) is not applied. A change that weakens a
 * control is applied loudly: a warning and `metadata.weakened` (key paths).
 */
import { ConfigError, changedPaths, weakenedControls, type ConfigIssue } from "../config/index.js";
import { textHash } from "./config-watch.js";
import { CloseCodes } from "../protocol/frames.js";
import { isLoopback } from "../transport/net/ip.js";
import type { GatewayContext } from "./context.js";
import type { Runtime } from "./runtime.js";

/** Read once at start: a change is recorded in config.change's restartRequired and applies on restart. */
export const RESTART_REQUIRED =
  /^gateway\.(port|bind|audit\.|limits\.(maxPayload|requestTimeoutMs|maxHttpConnections|maxUnauthenticatedHttpConnections)|auth\.lockout\.|rateLimit\.(maxConnections|maxUnauthenticated|unauthenticatedPressureTimeoutMs)|pairing\.(?!autoApproveLoopback)|tailscale\.)/;

export const isLoopbackHost = (h: string): boolean => h === "localhost" || isLoopback(h);

export interface ReloadResult {
  applied: boolean;
  changed: string[];
  issues?: ConfigIssue[];
  /** Key paths of controls the applied change weakened. */
  weakened?: string[];
  /** The file changed again after it had settled: nothing applied, the watcher tries again. */
  unsettled?: boolean;
}

export function createReloader(
  ctx: GatewayContext,
  o: {
    configPath: string;
    listenHost: string;
    /** Loads config + credentials the way the gateway does (and the text it read). */
    load: () => Promise<{ runtime: Runtime; source: string }>;
    apply: (next: Runtime) => Promise<void>;
  },
): (settledHash?: string) => Promise<ReloadResult> {
  const refuse = async (issues: ConfigIssue[]): Promise<ReloadResult> => {
    ctx.log.error(`config change refused; the previous config stays in force:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`, {
      event: "config.reload",
      applied: false,
      file: o.configPath,
      issues: issues.map((i) => i.path),
    });
    await ctx.audit.append({
      type: "config.change",
      actor: { type: "system", id: "gateway" },
      outcome: "failure",
      metadata: { file: o.configPath, applied: false, errors: issues },
    });
    return { applied: false, changed: [], issues };
  };

  return async (settledHash) => {
    let next: Runtime;
    let source: string;
    try {
      ({ runtime: next, source } = await o.load());
    } catch (e) {
      return refuse(e instanceof ConfigError ? [...e.issues] : [{ path: "(file)", message: "could not be read" }]);
    }
    // The text that settled must be the text loaded; a writer that resumed means the save is not finished.
    if (settledHash !== undefined && next.configFile !== undefined && textHash(source) !== settledHash) return { applied: false, changed: [], unsettled: true };
    // A file that vanished or was emptied (mid-save, say) would otherwise switch the defaults on.
    if (ctx.runtime().configFile !== undefined && (next.configFile === undefined || source.trim() === ""))
      return refuse([{ path: "(file)", message: "the config file is missing or empty; restart the gateway to run on the defaults" }]);
    // The address actually listened on decides, not the file's (changed) bind.
    if (next.config.gateway.auth.mode === "none" && !isLoopbackHost(o.listenHost))
      return refuse([{ path: "gateway.auth.mode", message: `refusing "none" while listening on non-loopback ${o.listenHost}` }]);
    const prev = ctx.runtime();
    const changed = changedPaths(prev.config, next.config);
    const rotated = next.credentials.changedPrincipals(prev.credentials);
    if (changed.length === 0 && rotated.size === 0) {
      ctx.log.debug?.("config file changed but no key path differs; nothing to reload", { event: "config.reload", applied: false, file: o.configPath });
      return { applied: false, changed: [] };
    }
    const weakened = weakenedControls(prev.config, next.config);
    if (weakened.length > 0) ctx.log.warn(`config change WEAKENS security controls: ${weakened.join(", ")}`);
    await ctx.audit.append({
      type: "config.change",
      actor: { type: "system", id: "gateway" },
      outcome: "success",
      metadata: {
        file: o.configPath,
        applied: true,
        changed,
        ...(rotated.size > 0 ? { rotation: [...rotated].sort() } : {}),
        restartRequired: changed.filter((p) => RESTART_REQUIRED.test(p)),
        ...(weakened.length > 0 ? { weakened } : {}),
      },
    });
    await o.apply(next);
    // Sessions that logged in with a secret that changed or is gone end now: a rotated token stops working.
    for (const conn of ctx.sessions.values()) {
      const p = conn.session?.principal;
      if (p && (p.method === "token" || p.method === "password") && rotated.has(p.id)) conn.close(CloseCodes.policyViolation, "credentials changed");
    }
    ctx.log.info(`config reloaded (${changed.length} key path(s) changed${rotated.size > 0 ? ", credentials rotated" : ""})`, {
      event: "config.reload",
      applied: true,
      file: o.configPath,
      changed,
      ...(rotated.size > 0 ? { credentialsRotated: [...rotated].sort() } : {}),
    });
    return { applied: true, changed, ...(weakened.length > 0 ? { weakened } : {}) };
  };
}
