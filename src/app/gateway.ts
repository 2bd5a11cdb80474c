/**
 * The composition root: the one place that wires config, audit, identities,
 * limits, policy, approvals, tools and both transports together.
 */
import fsp from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { monotonicClock, systemClock, type Clock } from "../core/clock.js";
import { auditPathFor, ConfigError, loadConfigFile } from "../config/index.js";
import { ensureGatewayToken, readGatewayToken, credentialsDir, GATEWAY_TOKEN_FILE } from "../auth/credentials.js";
import { ensurePrivateDir } from "../store/atomic-file.js";
import { openAuditLog } from "../audit/audit-log.js";
import { PairingStore } from "../auth/pairing-store.js";
import { createTailscaleVerifier } from "../auth/tailscale.js";
import { ApprovalManager } from "../approvals/approval-manager.js";
import { CloseCodes } from "../protocol/frames.js";
import type { WsConnection } from "../transport/ws/connection.js";
import { buildRuntime, type Runtime } from "./runtime.js";
import type { MethodDeps } from "./methods.js";
import type { Session } from "./session.js";
import { VERSION } from "./version.js";
import type { Logger } from "./logger.js";
import type { GatewayContext } from "./context.js";
import { FrontDoor } from "./front-door.js";
import { ProxyNotice } from "./proxy-notice.js";
import { GatewayMetrics } from "../metrics/gateway-metrics.js";
import { tapAudit } from "./audit-tap.js";
import { createHttpServer } from "./http-server.js";
import { loadControlUi } from "./control-ui.js";
import { ApprovalFeed } from "./approval-feed.js";
import { AuditTail } from "./audit-tail.js";
import { runDoctor } from "../doctor/run-doctor.js";
import { attachWebSocket } from "./ws-server.js";
import { createReloader, isLoopbackHost, type ReloadResult } from "./reload.js";
import { createOperatorNotices } from "./operator-notices.js";
import { claimStateDir } from "./state-dir.js";
import { watchFiles, type WatchTimers } from "./config-watch.js";
import { createAgentRuns } from "./agent-wiring.js";

export interface GatewayOptions {
  stateDir: string;
  configPath: string;
  configExplicit: boolean;
  port?: number | undefined;
  bind?: string | undefined;
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  clock?: Clock;
  /** The clock of rate windows, backoffs and lockouts (default: monotonic). */
  monotonic?: Clock;
  /** Watch the config and credential files for changes (default true). */
  watch?: boolean;
  /** How often refusals are summarised in the log (default 60 s; src/app/operator-notices.ts). */
  refusalSummaryMs?: number;
  /** Timers of the config watcher's settle logic (tests drive them deterministically). */
  watchTimers?: WatchTimers;
}

export interface Gateway {
  readonly port: number;
  readonly host: string;
  readonly url: string;
  readonly auditPath: string;
  runtime(): Runtime;
  /** Re-reads config and credentials now (what the file watcher does). */
  reload(): Promise<ReloadResult>;
  close(): Promise<void>;
}

/** Loads and validates config + credentials the way the gateway does, without starting anything. */
export async function loadRuntime(opts: {
  stateDir: string;
  configPath: string;
  configExplicit: boolean;
  env?: NodeJS.ProcessEnv;
  generateToken: boolean;
  /** False for `config validate` (the token is generated on first start). */
  requireToken?: boolean;
}): Promise<{ runtime: Runtime; tokenCreated: boolean; tokenPath: string | undefined; source: string }> {
  const loaded = loadConfigFile({ path: opts.configPath, explicit: opts.configExplicit, env: opts.env ?? process.env });
  const auth = loaded.config.gateway.auth;
  let sharedToken: string | undefined;
  let tokenCreated = false;
  let tokenPath: string | undefined;
  // Without a configured token, token mode (and tailscale mode, for the local CLI) uses the stored one,
  // generated on first start.
  if ((auth.mode === "token" || auth.mode === "tailscale") && !auth.token) {
    if (opts.generateToken) {
      const t = await ensureGatewayToken(opts.stateDir);
      sharedToken = t.token;
      tokenCreated = t.created;
      tokenPath = t.path;
    } else sharedToken = await readGatewayToken(opts.stateDir);
  }
  const auditPath = auditPathFor(opts.stateDir, loaded.config.gateway.audit.path);
  const built = buildRuntime(loaded.config, {
    stateDir: opts.stateDir,
    sharedToken,
    requireToken: opts.requireToken ?? true,
    configFile: loaded.file,
    configFromEnv: loaded.fromEnv,
    protectedPaths: [auditPath, opts.configPath],
  });
  if ("issues" in built) throw new ConfigError(built.issues, loaded.file);
  return { runtime: built.runtime, tokenCreated, tokenPath, source: loaded.source };
}

/** Starts the gateway holding the state directory's lock (one gateway per state dir); close() releases it. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const lock = await claimStateDir(opts.stateDir, opts.logger);
  let gw: Gateway;
  try {
    gw = await startGatewayLocked(opts);
  } catch (e) {
    await lock.release();
    throw e;
  }
  return {
    ...gw,
    close: async () => {
      try {
        await gw.close();
      } finally {
        await lock.release();
      }
    },
  };
}

async function startGatewayLocked(opts: GatewayOptions): Promise<Gateway> {
  const env = opts.env ?? process.env;
  const clock = opts.clock ?? systemClock;
  const log = opts.logger;
  await ensurePrivateDir(opts.stateDir);
  const initial = await loadRuntime({ ...opts, env, generateToken: true });
  let runtime = initial.runtime;
  if (initial.tokenCreated)
    log.info(`generated a gateway token and stored it in ${initial.tokenPath} (mode 0600); read it with: cat ${initial.tokenPath}`);
  else if (initial.tokenPath) log.info(`using the gateway token stored in ${initial.tokenPath}`);

  const cfg = runtime.config;
  const listenHost = opts.bind ?? cfg.gateway.bind;
  const port = opts.port ?? cfg.gateway.port;
  if (cfg.gateway.auth.mode === "none" && !isLoopbackHost(listenHost))
    throw new ConfigError([{ path: "gateway.bind", message: 'refusing a non-loopback bind with gateway.auth.mode "none"' }]);

  const auditPath = auditPathFor(opts.stateDir, cfg.gateway.audit.path);
  // Each line this process appends is also sent to admin connections tailing the log (audit.tail).
  const auditTail = new AuditTail(
    auditPath,
    (connId, record) => {
      const conn = sessions.get(connId);
      if (!conn?.isOpen || !conn.session || !holds(conn.session, "admin")) return false;
      conn.sendEvent("audit.appended", { record });
      return true;
    },
    (e) => log.error(`audit tail read failed: ${(e as Error).message}`),
  );
  // Gauges are read at scrape time, by which point everything they read exists.
  const metrics = new GatewayMetrics({
    connections: () => sessions.size,
    pendingApprovals: () => currentApprovals().list().length,
    pendingPairings: () => pairing.listPending().length,
  });
  // The operator's log hears about waiting approvals/pairings and (summarised) refusals from the audit events.
  const notices = createOperatorNotices({ log, ...(opts.refusalSummaryMs ? { intervalMs: opts.refusalSummaryMs } : {}) });
  const auditFile = await openAuditLog({
    path: auditPath,
    enabled: cfg.gateway.audit.enabled,
    retentionDays: cfg.gateway.audit.retentionDays,
    clock,
    onWarning: (m) => log.warn(m),
  });
  // Everyone who learns of audit events learns of them here, once each event is durable.
  const audit = tapAudit(auditFile, [{ written: (e) => notices.observe(e) }, metrics.auditObserver(), { written: () => auditTail.poke() }]);
  for (const agent of runtime.agents.values()) await fsp.mkdir(agent.workspace, { recursive: true, mode: 0o700 });
  const pairing = await PairingStore.open(path.join(opts.stateDir, "devices"), {
    clock,
    pendingTtlMs: cfg.gateway.pairing.pendingTtlMs,
    maxPending: cfg.gateway.pairing.maxPending,
    maxPendingPerAddress: cfg.gateway.pairing.maxPendingPerIp,
    addressKeyOf: FrontDoor.keyOf,
  });
  const tailscale = createTailscaleVerifier({
    binary: cfg.gateway.tailscale.binary,
    cacheTtlMs: cfg.gateway.tailscale.cacheTtlMs,
    timeoutMs: cfg.gateway.tailscale.timeoutMs,
    clock: opts.monotonic ?? monotonicClock,
  });

  const sessions = new Map<string, WsConnection<Session>>();
  const getRuntime = (): Runtime => runtime;
  const holds = (s: Session, perm: "exec.approve" | "admin"): boolean => runtime.policy.hasPermission(s.principal.id, perm, s.scopes).allow;
  const broadcast = (event: string, payload: unknown, who: (s: Session) => boolean): void => {
    for (const conn of sessions.values()) {
      const s = conn.session;
      if (conn.isOpen && s && who(s)) conn.sendEvent(event, payload);
    }
  };

  const approvalFeed = new ApprovalFeed(
    () => clock.now(),
    (requesterId, event, payload) => broadcast(event, payload, (s) => s.principal.id === requesterId),
  );
  const makeApprovals = (r: Runtime): ApprovalManager =>
    new ApprovalManager({
      clock,
      timeoutMs: r.config.approvals.exec.timeoutMs,
      maxPendingPerRequester: r.config.approvals.exec.maxPendingPerRequester,
      notify: (event, payload, meta) => {
        broadcast(event, payload, (s) => s.principal.id !== meta.requesterId && holds(s, "exec.approve"));
        approvalFeed.observe(event, payload);
      },
    });
  let approvals = makeApprovals(runtime);
  let approvalsBuiltFrom = runtime.config.approvals.exec;
  /** The approvals manager for the config in force; a changed config takes over once nothing is pending. */
  const currentApprovals = (): ApprovalManager => {
    if (approvalsBuiltFrom !== runtime.config.approvals.exec && approvals.list().length === 0) {
      approvals = makeApprovals(runtime);
      approvalsBuiltFrom = runtime.config.approvals.exec;
    }
    return approvals;
  };

  // Limits, windows and lockouts run on the monotonic clock: a wall-clock step neither extends nor ends them.
  const front = new FrontDoor({ runtime: getRuntime, audit, clock: opts.monotonic ?? monotonicClock, log }, runtime);
  const ctx: GatewayContext = {
    clock,
    log,
    runtime: getRuntime,
    audit,
    auditPath,
    pairing,
    tailscale,
    front,
    metrics,
    proxyNotice: new ProxyNotice({ stateDir: opts.stateDir, log, now: Date.now }),
    approvals: currentApprovals,
    sessions,
    hiddenPaths: [opts.stateDir],
    startedAtMs: clock.now(),
    enforcedMaxPayload: cfg.gateway.limits.maxPayload,
    state: { closing: false, httpInflight: 0 },
    broadcast,
    holds,
    closeDeviceConnections: (deviceId, reason) => {
      let n = 0;
      for (const conn of sessions.values()) {
        if (conn.session?.principal.deviceId === deviceId) {
          conn.close(CloseCodes.policyViolation, reason);
          n++;
        }
      }
      return n;
    },
  };
  const pipeline = { runtime: getRuntime, audit, approvals: currentApprovals, hiddenPaths: ctx.hiddenPaths, metrics };
  // Agent runs: events go only to connections of the run's principal.
  const agents = createAgentRuns({
    runtime: getRuntime,
    audit,
    pipeline,
    stateDir: opts.stateDir,
    log,
    now: () => clock.now(),
    publish: (principalId, event, payload) => broadcast(event, payload, (s) => s.principal.id === principalId),
    auditFailed: () => audit.failed,
  });
  await agents.sessions.preload(runtime.agents.keys());
  const methodDeps: MethodDeps = {
    ...pipeline,
    agents,
    interim: (connId, requestId, payload) => sessions.get(connId)?.sendInterimResponse(requestId, payload),
    auditPath,
    pairing,
    startedAtMs: ctx.startedAtMs,
    version: VERSION,
    connectionCount: () => sessions.size,
    closeDeviceConnections: ctx.closeDeviceConnections,
    broadcastPairResolved: (payload) => broadcast("device.pair.resolved", payload, (s) => holds(s, "admin")),
    approvalFeed,
    auditTail,
    runDoctor: () => runDoctor({ stateDir: opts.stateDir, configPath: opts.configPath, configExplicit: opts.configExplicit, checks: [], fix: false, env }),
    connections: () =>
      [...sessions.values()].flatMap((c) =>
        c.session ? [{ connId: c.id, principal: c.session.principal.id, remoteIp: c.session.client.ip, method: c.session.principal.method }] : [],
      ),
  };

  // The control page is read into memory once; it is served while gateway.controlUi.enabled is true.
  const controlUi = loadControlUi();
  if (!controlUi.available && cfg.gateway.controlUi.enabled) log.warn("control UI not built (dist/ui missing): GET / answers 404; run npm run build");
  const server = createHttpServer(ctx, pipeline, agents, controlUi);
  const wss = attachWebSocket(ctx, server, methodDeps);

  // Config and credential reloads: one at a time, once a file change has settled (config-watch.ts).
  const reloadNow = createReloader(ctx, {
    configPath: opts.configPath,
    listenHost,
    load: () => loadRuntime({ ...opts, env, generateToken: false }),
    apply: async (next) => {
      runtime = next;
      front.refresh(next);
      for (const agent of next.agents.values()) await fsp.mkdir(agent.workspace, { recursive: true, mode: 0o700 });
    },
  });
  let reloadChain: Promise<unknown> = Promise.resolve();
  const reload = (settledHash?: string): Promise<ReloadResult> => {
    const p = reloadChain.then(() => reloadNow(settledHash));
    reloadChain = p.catch((e: unknown) => log.error(`reload failed: ${(e as Error).message}`));
    return p;
  };
  const fileWatch =
    opts.watch === false
      ? undefined
      : watchFiles({
          files: [opts.configPath, path.join(credentialsDir(opts.stateDir), GATEWAY_TOKEN_FILE)],
          settleMs: () => runtime.config.gateway.reload.settleMs,
          log,
          ...(opts.watchTimers ? { timers: opts.watchTimers } : {}),
          onStable: (hash) => void reload(hash).catch(() => undefined),
        });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, listenHost, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  log.info(`clawdbot gateway listening on http://${urlHost}:${addr.port} (auth: ${cfg.gateway.auth.mode}, tools.policy: ${cfg.tools.policy})`, {
    event: "gateway.listening",
    url: `http://${urlHost}:${addr.port}`,
    address: addr.address,
    port: addr.port,
    auth: cfg.gateway.auth.mode,
    toolsPolicy: cfg.tools.policy,
  });

  const close = async (): Promise<void> => {
    if (ctx.state.closing) return;
    ctx.state.closing = true;
    fileWatch?.close();
    notices.stop();
    server.close();
    // Requests waiting for a human are answered now (rejected: shutdown), then in-flight work drains (bounded).
    currentApprovals().cancelAll("shutdown");
    // Running agent runs are aborted (their provider requests cancelled) and end with their records written.
    await agents.close().catch((e: unknown) => log.error(`stopping agent runs failed: ${(e as Error).message}`));
    const deadline = clock.now() + 10_000;
    const busy = (): boolean => ctx.state.httpInflight > 0 || [...sessions.values()].some((c) => c.pendingRequests > 0);
    while (clock.now() < deadline && busy()) await new Promise((r) => setTimeout(r, 20));
    for (const conn of sessions.values()) conn.close(CloseCodes.goingAway, "gateway shutting down");
    await new Promise((r) => setTimeout(r, 20));
    for (const ws of wss.clients) ws.terminate();
    server.closeIdleConnections();
    server.closeAllConnections();
    await pairing.flush().catch((e: unknown) => log.error(`pairing state flush failed: ${(e as Error).message}`));
    await audit.close().catch((e: unknown) => log.error(`audit log flush on shutdown failed: ${(e as Error).message}`));
  };

  return { port: addr.port, host: addr.address, url: `http://${urlHost}:${addr.port}`, auditPath, runtime: getRuntime, reload, close };
}
