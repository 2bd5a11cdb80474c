/**
 * The composition root: the one place that wires config, audit, identities,
 * limits, policy, approvals, tools and both transports together.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import path from "node:path";
import { WebSocketServer } from "ws";
import { GatewayError } from "../core/errors.js";
import type { AuditInput } from "../core/audit-types.js";
import { systemClock, type Clock } from "../core/clock.js";
import { auditPathFor, changedPaths, ConfigError, loadConfigFile, type ConfigIssue } from "../config/index.js";
import { ensureGatewayToken, readGatewayToken, credentialsDir, GATEWAY_TOKEN_FILE } from "../auth/credentials.js";
import { ensurePrivateDir } from "../store/atomic-file.js";
import { openAuditLog, type AuditLog } from "../audit/audit-log.js";
import { PairingStore } from "../auth/pairing-store.js";
import { createTailscaleVerifier } from "../auth/tailscale.js";
import { MemoryRateLimitStore } from "../ratelimit/store.js";
import { createRequestLimiter, type RequestLimiter } from "../ratelimit/request-limiter.js";
import { createConnectionBudget } from "../ratelimit/connection-budget.js";
import { createAuthLockout } from "../ratelimit/auth-lockout.js";
import { createPairingLimiter } from "../ratelimit/pairing-limiter.js";
import { addressKey, isLoopback } from "../transport/net/ip.js";
import { ApprovalManager } from "../approvals/approval-manager.js";
import { WsConnection, type WsHandlers } from "../transport/ws/connection.js";
import { sendError, sendJson } from "../transport/http/respond.js";
import { readJsonBody } from "../transport/http/body.js";
import { CloseCodes, connectParams } from "../protocol/frames.js";
import { toolInvokeParams } from "../protocol/methods.js";
import { actorFor, clientInfoFrom, type ClientInfo } from "./client.js";
import { authenticateHttp } from "./authenticate.js";
import { authenticateConnect } from "./connect.js";
import { buildRuntime, type Runtime } from "./runtime.js";
import { dispatch, FEATURES, type MethodDeps } from "./methods.js";
import { invokeTool } from "./tool-pipeline.js";
import type { Session } from "./session.js";
import { VERSION } from "./version.js";
import type { Logger } from "./logger.js";

const isLoopbackHost = (h: string): boolean => h === "localhost" || isLoopback(h);

/** Read once at start: a change is recorded in config.change's restartRequired and applies on restart. */
const RESTART_REQUIRED =
  /^gateway\.(port|bind|audit\.|limits\.maxPayload|auth\.lockout\.|rateLimit\.(maxConnections|maxUnauthenticatedPerIp)|pairing\.|tailscale\.)/;

export interface GatewayOptions {
  stateDir: string;
  configPath: string;
  configExplicit: boolean;
  port?: number | undefined;
  bind?: string | undefined;
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  clock?: Clock;
  /** Watch the config and credential files for changes (default true). */
  watch?: boolean;
}

export interface Gateway {
  readonly port: number;
  readonly host: string;
  readonly url: string;
  readonly auditPath: string;
  runtime(): Runtime;
  /** Re-reads config and credentials now (what the file watcher does). */
  reload(): Promise<{ applied: boolean; changed: string[]; issues?: ConfigIssue[] }>;
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
}): Promise<{ runtime: Runtime; tokenCreated: boolean; tokenPath: string | undefined }> {
  const loaded = loadConfigFile({ path: opts.configPath, explicit: opts.configExplicit, env: opts.env ?? process.env });
  const auth = loaded.config.gateway.auth;
  let sharedToken: string | undefined;
  let tokenCreated = false;
  let tokenPath: string | undefined;
  if (auth.mode === "token" && !auth.token) {
    if (opts.generateToken) {
      const t = await ensureGatewayToken(opts.stateDir);
      sharedToken = t.token;
      tokenCreated = t.created;
      tokenPath = t.path;
    } else sharedToken = await readGatewayToken(opts.stateDir);
  }
  const built = buildRuntime(loaded.config, { stateDir: opts.stateDir, sharedToken, requireToken: opts.requireToken ?? true });
  if ("issues" in built) throw new ConfigError(built.issues, loaded.file);
  return { runtime: built.runtime, tokenCreated, tokenPath };
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
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
  const auditPath = auditPathFor(opts.stateDir, cfg.gateway.audit.path);
  const audit: AuditLog = await openAuditLog({
    path: auditPath,
    enabled: cfg.gateway.audit.enabled,
    retentionDays: cfg.gateway.audit.retentionDays,
    clock,
  });
  for (const agent of runtime.agents.values()) await fsp.mkdir(agent.workspace, { recursive: true, mode: 0o700 });

  const pairing = await PairingStore.open(path.join(opts.stateDir, "devices"), { clock, pendingTtlMs: cfg.gateway.pairing.pendingTtlMs });
  const tailscale = createTailscaleVerifier({
    binary: cfg.gateway.tailscale.binary,
    cacheTtlMs: cfg.gateway.tailscale.cacheTtlMs,
    timeoutMs: cfg.gateway.tailscale.timeoutMs,
    clock,
  });

  // Limits. Counters sit behind the store interface (memory now, shared later).
  const store = new MemoryRateLimitStore();
  const makeLimiter = (r: Runtime): RequestLimiter =>
    createRequestLimiter({ ...r.config.gateway.rateLimit, store, clock });
  let limiter = makeLimiter(runtime);
  const budget = createConnectionBudget({
    maxConnections: cfg.gateway.rateLimit.maxConnections,
    maxUnauthenticatedPerIp: cfg.gateway.rateLimit.maxUnauthenticatedPerIp,
  });
  const lockout = createAuthLockout({ ...cfg.gateway.auth.lockout, clock, isLoopback });
  const pairingLimiter = createPairingLimiter({
    maxAttempts: cfg.gateway.pairing.maxAttempts,
    windowMs: cfg.gateway.pairing.windowMs,
    backoffBaseMs: cfg.gateway.pairing.backoffBaseMs,
    backoffMaxMs: cfg.gateway.pairing.backoffMaxMs,
    clock,
  });

  const sessions = new Map<string, WsConnection<Session>>();
  const hiddenPaths = [opts.stateDir];
  const startedAtMs = clock.now();
  let closing = false;

  const safeAppend = (e: AuditInput): void => {
    audit.append(e).catch((err: unknown) => log.error(`audit write failed: ${(err as Error).message}`));
  };

  const broadcast = (event: string, payload: unknown, who: (s: Session) => boolean): void => {
    for (const conn of sessions.values()) {
      const s = conn.session;
      if (conn.isOpen && s && who(s)) conn.sendEvent(event, payload);
    }
  };
  const holds = (s: Session, perm: "exec.approve" | "admin"): boolean =>
    runtime.policy.hasPermission(s.principal.id, perm, s.scopes).allow;

  const makeApprovals = (r: Runtime): ApprovalManager =>
    new ApprovalManager({
      clock,
      timeoutMs: r.config.approvals.exec.timeoutMs,
      maxPendingPerRequester: r.config.approvals.exec.maxPendingPerRequester,
      notify: (event, payload, meta) => broadcast(event, payload, (s) => s.principal.id !== meta.requesterId && holds(s, "exec.approve")),
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

  const rateLimited = async (client: ClientInfo, channel: string): Promise<GatewayError | undefined> => {
    const d = await limiter.check(`ip:${client.ip === "unknown" ? "unknown" : addressKey(client.ip)}`);
    if (d.ok) return undefined;
    if (d.firstInWindow)
      safeAppend({
        type: "ratelimit.exceeded",
        actor: actorFor(undefined, client),
        outcome: "denied",
        ...(client.traceId ? { traceId: client.traceId } : {}),
        metadata: { key: "ip", channel, retryAfterMs: d.retryAfterMs },
      });
    return new GatewayError("RATE_LIMITED", "rate limit exceeded", { retryAfterMs: d.retryAfterMs });
  };

  /** Failed-auth throttling; loopback is exempt only for non-browser clients (a web page can reach loopback). */
  const lockedOut = (client: ClientInfo): GatewayError | undefined => {
    const exempt = client.local && client.origin === undefined;
    const c = lockout.check(client.ip, { exemptLoopback: exempt });
    if (c.ok) return undefined;
    return new GatewayError("RATE_LIMITED", "too many failed authentication attempts; try again later", {
      retryAfterMs: c.retryAfterMs,
      details: { code: "AUTH_RATE_LIMITED" },
    });
  };

  const authFailure = (client: ClientInfo, err: GatewayError, metadata: Record<string, unknown>, actorId = "anonymous"): Promise<void> => {
    const exempt = client.local && client.origin === undefined;
    lockout.recordFailure(client.ip, { exemptLoopback: exempt });
    return audit.append({
      type: "auth.failure",
      actor: { type: metadata.deviceId ? "device" : "anonymous", id: actorId, remoteIp: client.ip },
      outcome: "failure",
      ...(client.traceId ? { traceId: client.traceId } : {}),
      metadata: { reason: String(err.details?.code ?? err.code), ...metadata },
    });
  };

  const originRefusal = (client: ClientInfo, transport: string): GatewayError | undefined => {
    const r = runtime.origins.check(client.origin);
    if (r.ok) return undefined;
    safeAppend({
      type: "auth.failure",
      actor: actorFor(undefined, client),
      outcome: "denied",
      ...(client.traceId ? { traceId: client.traceId } : {}),
      metadata: { reason: r.reason, origin: (client.origin ?? "").slice(0, 200), transport },
    });
    return new GatewayError("FORBIDDEN", "origin not allowed", { details: { code: "ORIGIN_NOT_ALLOWED", reason: r.reason } });
  };

  // HTTP logins are audited at most once per principal and address per window, not per request.
  const httpLoginSeen = new Map<string, number>();
  const auditHttpLogin = async (principalId: string, method: string, client: ClientInfo): Promise<void> => {
    const key = `${principalId}\u0000${client.ip}`;
    const now = clock.now();
    const windowMs = runtime.config.gateway.rateLimit.windowMs;
    const last = httpLoginSeen.get(key);
    if (last !== undefined && now - last < windowMs) return;
    if (httpLoginSeen.size > 10_000) httpLoginSeen.clear();
    httpLoginSeen.set(key, now);
    await audit.append({
      type: "auth.login",
      actor: { type: "user", id: principalId, remoteIp: client.ip },
      outcome: "success",
      ...(client.traceId ? { traceId: client.traceId } : {}),
      metadata: { method, transport: "http" },
    });
  };

  const pipelineDeps = { runtime: () => runtime, audit, approvals: currentApprovals, hiddenPaths };

  const handleInvoke = async (req: http.IncomingMessage, res: http.ServerResponse, client: ClientInfo): Promise<void> => {
    const limited = await rateLimited(client, "http");
    if (limited) return sendError(res, limited);
    const locked = lockedOut(client);
    if (locked) return sendError(res, locked);
    let principal;
    try {
      principal = await authenticateHttp({ runtime: () => runtime, pairing, tailscale }, req.headers, req.socket.remoteAddress, client);
    } catch (e) {
      if (e instanceof GatewayError) {
        await authFailure(client, e, { transport: "http" });
        return sendError(res, e);
      }
      throw e;
    }
    lockout.recordSuccess(client.ip);
    await auditHttpLogin(principal.id, principal.method, client);
    const body = await readJsonBody(req, runtime.config.gateway.limits.maxBodyBytes);
    const parsed = toolInvokeParams.safeParse(body);
    if (!parsed.success)
      throw new GatewayError("INVALID_REQUEST", "expected {tool, args, agentId?}", {
        details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
      });
    const ac = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) ac.abort();
    });
    const result = await invokeTool(pipelineDeps, { principal, client, signal: ac.signal }, parsed.data);
    sendJson(res, 200, { ok: true, result });
  };

  const server = http.createServer({ requestTimeout: 0, headersTimeout: 10_000 }, (req, res) => {
    const client = clientInfoFrom(req, runtime.isTrustedProxy);
    const refused = originRefusal(client, "http");
    if (refused) {
      req.resume();
      return sendError(res, refused);
    }
    const url = new URL(req.url ?? "/", "http://gateway.local");
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /health" || route === "HEAD /health") return sendJson(res, 200, { ok: true });
    if (url.pathname === "/tools/invoke") {
      if (req.method !== "POST") {
        req.resume();
        return sendJson(res, 405, { ok: false, error: { type: "method_not_allowed", message: "use POST" } }, { allow: "POST" });
      }
      if (closing) return sendError(res, new GatewayError("UNAVAILABLE", "gateway is shutting down"));
      handleInvoke(req, res, client).catch((e: unknown) => {
        if (!(e instanceof GatewayError)) log.error(`request failed: ${(e as Error)?.stack ?? String(e)}`);
        else if (e.code === "UNAVAILABLE" && audit.failed) log.error("audit log cannot be written: refusing requests that must be recorded (fail closed)");
        req.resume();
        sendError(res, e);
      });
      return;
    }
    req.resume();
    sendJson(res, 404, { ok: false, error: { type: "not_found", message: "no such endpoint" } });
  });

  const enforcedMaxPayload = cfg.gateway.limits.maxPayload;
  const wss = new WebSocketServer({ noServer: true, maxPayload: enforcedMaxPayload, perMessageDeflate: false });

  const methodDeps: MethodDeps = {
    ...pipelineDeps,
    auditPath,
    pairing,
    startedAtMs,
    version: VERSION,
    connectionCount: () => sessions.size,
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
    broadcastPairResolved: (payload) => broadcast("device.pair.resolved", payload, (s) => holds(s, "admin")),
  };

  interface ConnContext {
    client: ClientInfo;
    headers: http.IncomingHttpHeaders;
    directPeer: string | undefined;
    lease: { authenticated(): void; release(): void };
  }

  const wsHandlers: WsHandlers<Session> = {
    connect: async (conn, frame) => {
      const ctx = conn.context as ConnContext;
      const client = ctx.client;
      const parsed = connectParams.safeParse(frame.params);
      if (!parsed.success) {
        const err = new GatewayError("INVALID_REQUEST", "invalid connect params", {
          details: { code: "INVALID_CONNECT", issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
        });
        await authFailure(client, err, { transport: "ws", connId: conn.id });
        throw err;
      }
      const params = parsed.data;
      const locked = lockedOut(client);
      if (locked) {
        safeAppend({ type: "auth.failure", actor: actorFor(undefined, client), outcome: "denied", metadata: { reason: "AUTH_RATE_LIMITED", transport: "ws" } });
        throw locked;
      }
      const limited = await rateLimited(client, "ws");
      if (limited) throw limited;
      const deviceId = typeof (params.device as { id?: unknown } | undefined)?.id === "string" ? String((params.device as { id: string }).id).slice(0, 64) : undefined;
      let outcome;
      try {
        outcome = await authenticateConnect(
          {
            runtime: () => runtime,
            pairing,
            tailscale,
            now: () => clock.now(),
            pairingGate: {
              check: (k) => pairingLimiter.check(k),
              recordFailure: (k) => void pairingLimiter.recordFailure(k),
              recordSuccess: (k) => pairingLimiter.recordSuccess(k),
            },
            onPairingRequested: async (req) => {
              await audit.append({
                type: "pairing.request",
                actor: { type: "device", id: req.deviceId, remoteIp: client.ip },
                outcome: "pending",
                ...(client.traceId ? { traceId: client.traceId } : {}),
                metadata: { deviceId: req.deviceId, requestId: req.requestId, clientId: req.clientId, platform: req.platform },
              });
              broadcast("device.pair.requested", req, (s) => holds(s, "admin"));
            },
          },
          params,
          { nonce: conn.nonce, client, headers: ctx.headers, directPeer: ctx.directPeer },
        );
      } catch (e) {
        const err = e instanceof GatewayError ? e : new GatewayError("INTERNAL", "authentication failed");
        if (err.code !== "NOT_PAIRED" && err.code !== "RATE_LIMITED")
          await authFailure(client, err, { transport: "ws", clientId: params.client.id, ...(deviceId ? { deviceId } : {}) }, deviceId ?? "anonymous");
        else if (err.code === "RATE_LIMITED")
          safeAppend({ type: "auth.failure", actor: { type: deviceId ? "device" : "anonymous", id: deviceId ?? "anonymous", remoteIp: client.ip }, outcome: "denied", metadata: { reason: String(err.details?.code ?? err.code), transport: "ws" } });
        throw err;
      }
      const principal = outcome.principal;
      lockout.recordSuccess(client.ip);
      const grant = runtime.policy.grantScopes(principal.id, params.scopes);
      const role = runtime.policy.enabled ? runtime.policy.roleOf(principal.id) : undefined;
      await audit.append({
        type: "auth.login",
        actor: actorFor(principal, client),
        outcome: "success",
        ...(client.traceId ? { traceId: client.traceId } : {}),
        metadata: {
          method: principal.method,
          transport: "ws",
          connId: conn.id,
          clientId: params.client.id,
          protocol: outcome.protocol,
          ...(principal.deviceId ? { deviceId: principal.deviceId } : {}),
          scopes: grant.granted,
        },
      });
      ctx.lease.authenticated();
      sessions.set(conn.id, conn);
      const session: Session = {
        principal,
        client,
        scopes: grant.effective,
        grantedScopes: grant.granted,
        rbacRole: role?.roleId ?? null,
        clientRole: params.role,
      };
      const limits = runtime.config.gateway.limits;
      const hello = {
        type: "hello-ok",
        protocol: outcome.protocol,
        server: { version: VERSION, connId: conn.id },
        features: FEATURES,
        snapshot: { uptimeMs: clock.now() - startedAtMs, agents: [...runtime.agents.keys()] },
        auth: {
          role: params.role,
          scopes: grant.granted,
          principal: principal.id,
          rbacRole: session.rbacRole,
          ...(outcome.deviceToken ? { deviceToken: outcome.deviceToken } : {}),
        },
        policy: { maxPayload: enforcedMaxPayload, maxBufferedBytes: limits.maxBufferedBytes, tickIntervalMs: limits.tickIntervalMs },
      };
      return { hello, session };
    },
    request: async (conn, session, frame) => {
      if (closing) throw new GatewayError("UNAVAILABLE", "gateway is shutting down");
      const limited = await rateLimited(session.client, "ws");
      if (limited) throw limited;
      return dispatch(methodDeps, session, frame, conn.id);
    },
    closed: (conn) => {
      sessions.delete(conn.id);
      (conn.context as ConnContext).lease.release();
    },
    protocolError: (conn, reason) => {
      const ctx = conn.context as ConnContext;
      safeAppend({ type: "auth.failure", actor: actorFor(undefined, ctx.client), outcome: "failure", metadata: { reason, transport: "ws", connId: conn.id } });
    },
  };

  const refuseUpgrade = (socket: Duplex, err: GatewayError): void => {
    const status = err.code === "RATE_LIMITED" ? 429 : err.code === "UNAVAILABLE" ? 503 : err.code === "FORBIDDEN" ? 403 : 400;
    const body = JSON.stringify({ ok: false, error: { type: err.code.toLowerCase(), message: err.message } });
    const retry = err.retryAfterMs !== undefined ? `Retry-After: ${Math.max(1, Math.ceil(err.retryAfterMs / 1000))}\r\n` : "";
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}\r\n${body}`,
    );
  };

  server.on("upgrade", (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    const client = clientInfoFrom(req, runtime.isTrustedProxy);
    if (closing) return refuseUpgrade(socket, new GatewayError("UNAVAILABLE", "gateway is shutting down"));
    const refused = originRefusal(client, "ws");
    if (refused) return refuseUpgrade(socket, refused);
    const locked = lockedOut(client);
    if (locked) return refuseUpgrade(socket, locked);
    const lease = budget.tryAcquire(client.ip);
    if (!lease) {
      safeAppend({ type: "ratelimit.exceeded", actor: actorFor(undefined, client), outcome: "denied", metadata: { key: "connections", channel: "ws" } });
      return refuseUpgrade(socket, new GatewayError("RATE_LIMITED", "too many connections", { retryAfterMs: 1000 }));
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const limits = runtime.config.gateway.limits;
      const ctx: ConnContext = { client, headers: req.headers, directPeer: req.socket.remoteAddress, lease };
      new WsConnection<Session>(ws, limits, wsHandlers, ctx);
    });
  });

  const listenHost = opts.bind ?? cfg.gateway.bind;
  // Config and credential reloads.
  const reload = async (): Promise<{ applied: boolean; changed: string[]; issues?: ConfigIssue[] }> => {
    let next: Runtime;
    try {
      next = (await loadRuntime({ ...opts, env, generateToken: false })).runtime;
    } catch (e) {
      const issues = e instanceof ConfigError ? [...e.issues] : [{ path: "(file)", message: "could not be read" }];
      log.error(`config change refused; the previous config stays in force:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`);
      await audit.append({
        type: "config.change",
        actor: { type: "system", id: "gateway" },
        outcome: "failure",
        metadata: { file: opts.configPath, applied: false, errors: issues },
      });
      return { applied: false, changed: [], issues };
    }
    // The address actually listened on decides, not the file's (changed) bind.
    if (next.config.gateway.auth.mode === "none" && !isLoopbackHost(listenHost)) {
      const issues = [{ path: "gateway.auth.mode", message: `refusing "none" while listening on non-loopback ${listenHost}` }];
      log.error(`config change refused; the previous config stays in force:\n  ${issues[0]?.path}: ${issues[0]?.message}`);
      await audit.append({
        type: "config.change",
        actor: { type: "system", id: "gateway" },
        outcome: "failure",
        metadata: { file: opts.configPath, applied: false, errors: issues },
      });
      return { applied: false, changed: [], issues };
    }
    const changed = changedPaths(runtime.config, next.config);
    const changedPrincipals = next.credentials.changedPrincipals(runtime.credentials);
    if (changed.length === 0 && changedPrincipals.size === 0) return { applied: false, changed: [] };
    const restartRequired = changed.filter((p) => RESTART_REQUIRED.test(p));
    await audit.append({
      type: "config.change",
      actor: { type: "system", id: "gateway" },
      outcome: "success",
      metadata: {
        file: opts.configPath,
        applied: true,
        changed,
        ...(changedPrincipals.size > 0 ? { rotation: [...changedPrincipals].sort() } : {}),
        restartRequired,
      },
    });
    runtime = next;
    // Sessions that logged in with a secret that changed or is gone end now: a rotated token stops working.
    for (const conn of sessions.values()) {
      const p = conn.session?.principal;
      if (p && (p.method === "token" || p.method === "password") && changedPrincipals.has(p.id))
        conn.close(CloseCodes.policyViolation, "credentials changed");
    }
    limiter = makeLimiter(next);
    for (const agent of next.agents.values()) await fsp.mkdir(agent.workspace, { recursive: true, mode: 0o700 });
    log.info(`config reloaded (${changed.length} key path(s) changed${changedPrincipals.size > 0 ? ", credentials rotated" : ""})`);
    return { applied: true, changed };
  };

  const watchers: fs.FSWatcher[] = [];
  let reloadTimer: NodeJS.Timeout | undefined;
  let reloadChain: Promise<unknown> = Promise.resolve();
  const scheduleReload = (): void => {
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      reloadChain = reloadChain.then(() => reload()).catch((e: unknown) => log.error(`reload failed: ${(e as Error).message}`));
    }, 150);
  };
  if (opts.watch !== false) {
    const watchDir = (dir: string, names: string[]): void => {
      try {
        const w = fs.watch(dir, { persistent: false }, (_ev, file) => {
          if (file === null || names.includes(String(file))) scheduleReload();
        });
        w.on("error", () => undefined);
        watchers.push(w);
      } catch {
        log.warn(`cannot watch ${dir}; config changes need a restart`);
      }
    };
    if (fs.existsSync(path.dirname(opts.configPath))) watchDir(path.dirname(opts.configPath), [path.basename(opts.configPath)]);
    if (fs.existsSync(credentialsDir(opts.stateDir))) watchDir(credentialsDir(opts.stateDir), [GATEWAY_TOKEN_FILE]);
  }

  const host = listenHost;
  const port = opts.port ?? cfg.gateway.port;
  if (cfg.gateway.auth.mode === "none" && !isLoopbackHost(host))
    throw new ConfigError([{ path: "gateway.bind", message: 'refusing a non-loopback bind with gateway.auth.mode "none"' }]);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  log.info(`clawdbot gateway listening on http://${urlHost}:${addr.port} (auth: ${cfg.gateway.auth.mode}, tools.policy: ${cfg.tools.policy})`);

  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    if (reloadTimer) clearTimeout(reloadTimer);
    for (const w of watchers) w.close();
    server.close();
    const deadline = clock.now() + 10_000;
    // Drain: let in-flight requests finish (bounded), then close sockets.
    while (clock.now() < deadline && [...sessions.values()].some((c) => c.pendingRequests > 0)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    currentApprovals().cancelAll("shutdown");
    for (const conn of sessions.values()) conn.close(CloseCodes.goingAway, "gateway shutting down");
    for (const ws of wss.clients) ws.terminate();
    server.closeIdleConnections();
    await new Promise((r) => setTimeout(r, 20));
    server.closeAllConnections();
    await pairing.flush().catch((e: unknown) => log.error(`pairing state flush failed: ${(e as Error).message}`));
    await audit.close().catch((e: unknown) => log.error(`audit log flush on shutdown failed: ${(e as Error).message}`));
  };

  return {
    port: addr.port,
    host: addr.address,
    url: `http://${urlHost}:${addr.port}`,
    auditPath,
    runtime: () => runtime,
    reload: () => {
      const p = reloadChain.then(() => reload());
      reloadChain = p.catch(() => undefined);
      return p;
    },
    close,
  };
}
