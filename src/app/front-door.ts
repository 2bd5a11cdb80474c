/**
 * The checks every request and connection passes before anyone knows who it
 * is — Origin, request rate, failed-auth lockout, connection budget, pairing
 * attempts — and how their refusals are recorded. Refusals of anonymous
 * clients are audited at most once per (type, reason, address) per window, so
 * nobody can fill the disk (and, the log failing closed, stop the gateway)
 * with requests that cost them nothing.
 */
import type { Socket } from "node:net";
import { GatewayError } from "../core/errors.js";
import type { AuditInput } from "../core/audit-types.js";
import type { Clock } from "../core/clock.js";
import type { AuditLog } from "../audit/audit-log.js";
import { MemoryRateLimitStore } from "../ratelimit/store.js";
import { createRequestLimiter, type RequestLimiter } from "../ratelimit/request-limiter.js";
import { createConnectionBudget, type Lease } from "../ratelimit/connection-budget.js";
import { createAuthLockout } from "../ratelimit/auth-lockout.js";
import { createPairingLimiter } from "../ratelimit/pairing-limiter.js";
import { addressKey, isLoopback, normalizeIp } from "../transport/net/ip.js";
import { randomTraceId } from "../audit/trace-id.js";
import { isPageOrigin } from "../transport/net/origin.js";
import { actorFor, type ClientInfo } from "./client.js";
import type { Logger } from "./logger.js";
import type { Runtime } from "./runtime.js";

const MAX_RECORDED_KEYS = 10_000;

export class FrontDoor {
  /** One store for the request limiter, the lockout and the pairing limiter (keys prefixed apart; sized for all of them). */
  private readonly store = new MemoryRateLimitStore({ maxKeys: 40_000 });
  private limiter: RequestLimiter;
  readonly budget;
  readonly httpBudget;
  private readonly httpLeases = new WeakMap<object, Lease>();
  private readonly failures;
  readonly pairing;
  /** Event key → end of the window in which it was recorded (see firstInWindow). */
  private readonly recorded = new Map<string, number>();

  constructor(
    private readonly d: { runtime: () => Runtime; audit: AuditLog; clock: Clock; log: Logger },
    start: Runtime,
  ) {
    const g = start.config.gateway;
    this.limiter = this.makeLimiter(start);
    this.budget = createConnectionBudget({
      maxConnections: g.rateLimit.maxConnections,
      maxUnauthenticatedPerIp: g.rateLimit.maxUnauthenticatedPerIp,
      maxUnauthenticated: g.rateLimit.maxUnauthenticated,
      pressureTimeoutMs: g.rateLimit.unauthenticatedPressureTimeoutMs,
      clock: d.clock,
    });
    // HTTP sockets, keyed by the direct peer (no request has been read yet); unauthenticated until a request authenticates.
    this.httpBudget = createConnectionBudget({
      maxConnections: g.limits.maxHttpConnections,
      maxPerIp: g.limits.maxHttpConnectionsPerIp,
      maxUnauthenticatedPerIp: g.limits.maxHttpConnectionsPerIp,
      maxUnauthenticated: g.limits.maxUnauthenticatedHttpConnections,
      pressureTimeoutMs: g.rateLimit.unauthenticatedPressureTimeoutMs,
      clock: d.clock,
    });
    this.failures = createAuthLockout({ ...g.auth.lockout, store: this.store, clock: d.clock, isLoopback });
    this.pairing = createPairingLimiter({
      maxAttempts: g.pairing.maxAttempts,
      windowMs: g.pairing.windowMs,
      backoffBaseMs: g.pairing.backoffBaseMs,
      backoffMaxMs: g.pairing.backoffMaxMs,
      store: this.store,
      clock: d.clock,
    });
  }

  private makeLimiter(r: Runtime): RequestLimiter {
    return createRequestLimiter({ ...r.config.gateway.rateLimit, store: this.store, clock: this.d.clock });
  }

  /** A reload changed the request limits (the other limits are read once, at start). */
  refresh(r: Runtime): void {
    this.limiter = this.makeLimiter(r);
  }

  /** The key per-address limits count under: an IPv6 client by its /64, loopback as itself. */
  static limitKey(client: ClientInfo): string {
    return FrontDoor.keyOf(client.ip);
  }

  static keyOf(ip: string): string {
    if (ip === "unknown" || isLoopback(ip)) return ip;
    return addressKey(ip);
  }

  /** Loopback is exempt from lockout only for clients that are not browsers (a web page reaches loopback too). */
  private static exempt(client: ClientInfo): boolean {
    return client.local && client.origin === undefined;
  }

  /** Writes an audit line without waiting (used for refusals: the request is refused either way). */
  record(e: AuditInput): void {
    this.d.audit.append(e).catch((err: unknown) => this.d.log.error(`audit write failed: ${(err as Error).message}`));
  }

  /**
   * True the first time `key` is seen in the current rate-limit window, then false until the
   * window ends: how repeated events are recorded once per window instead of once each.
   */
  firstInWindow(key: string): boolean {
    const now = this.d.clock.now();
    const until = this.recorded.get(key);
    if (until !== undefined && now < until) return false;
    if (this.recorded.size >= MAX_RECORDED_KEYS) {
      for (const [k, end] of this.recorded) if (end <= now) this.recorded.delete(k);
      if (this.recorded.size >= MAX_RECORDED_KEYS) this.recorded.clear();
    }
    this.recorded.set(key, now + this.d.runtime().config.gateway.rateLimit.windowMs);
    return true;
  }

  /** Forgets `key`, so the next occurrence is recorded again (its record could not be written). */
  forget(key: string): void {
    this.recorded.delete(key);
  }

  /** Records an anonymous refusal at most once per type, reason, address and transport per window. */
  recordRefusal(client: ClientInfo, type: string, reason: string, metadata: Record<string, unknown> = {}): void {
    if (!this.firstInWindow(`refusal\u0000${type}\u0000${reason}\u0000${FrontDoor.limitKey(client)}\u0000${String(metadata.transport ?? "")}`)) return;
    this.record({
      type,
      actor: actorFor(undefined, client),
      outcome: "denied",
      traceId: client.traceId,
      metadata: { reason, ...metadata, recordedOncePerMs: this.d.runtime().config.gateway.rateLimit.windowMs },
    });
  }

  async rateLimit(client: ClientInfo, channel: string): Promise<GatewayError | undefined> {
    const d = await this.limiter.check(`ip:${FrontDoor.limitKey(client)}`);
    if (d.ok) return undefined;
    if (d.firstInWindow)
      this.record({
        type: "ratelimit.exceeded",
        actor: actorFor(undefined, client),
        outcome: "denied",
        traceId: client.traceId,
        metadata: { key: "ip", channel, retryAfterMs: d.retryAfterMs },
      });
    return new GatewayError("RATE_LIMITED", "rate limit exceeded", { retryAfterMs: d.retryAfterMs });
  }

  /** The address's lockout after failed authentication, if one is in force (identify decides what it holds back). */
  async lockout(client: ClientInfo): Promise<{ retryAfterMs: number } | undefined> {
    const c = await this.failures.check(FrontDoor.limitKey(client), { exemptLoopback: FrontDoor.exempt(client) });
    return c.ok ? undefined : { retryAfterMs: c.retryAfterMs };
  }

  /**
   * A failed authentication: counted toward the lockout, and audited every time. The actor is
   * anonymous: an identity the client claimed but did not prove goes in metadata (`claimedDeviceId`).
   */
  async authFailure(client: ClientInfo, reason: string, metadata: Record<string, unknown>): Promise<void> {
    const outcome = await this.failures.recordFailure(FrontDoor.limitKey(client), { exemptLoopback: FrontDoor.exempt(client) });
    if (outcome.justLockedOut)
      this.record({
        type: "ratelimit.exceeded",
        actor: actorFor(undefined, client),
        outcome: "denied",
        traceId: client.traceId,
        metadata: { key: "auth_lockout", retryAfterMs: outcome.retryAfterMs, failures: outcome.failures },
      });
    await this.d.audit.append({
      type: "auth.failure",
      actor: actorFor(undefined, client),
      outcome: "failure",
      traceId: client.traceId,
      metadata: { reason, ...metadata },
    });
  }

  origin(client: ClientInfo, transport: string): GatewayError | undefined {
    // The control page's own origin (docs/control-ui.md), while the page is served.
    if (this.d.runtime().config.gateway.controlUi.enabled && isPageOrigin(client.origin, client.pageOrigin)) return undefined;
    const r = this.d.runtime().origins.check(client.origin);
    if (r.ok) return undefined;
    this.recordRefusal(client, "auth.failure", r.reason, { origin: (client.origin ?? "").slice(0, 200), transport });
    return new GatewayError("FORBIDDEN", "origin not allowed", { details: { code: "ORIGIN_NOT_ALLOWED", reason: r.reason } });
  }

  /** A WebSocket connection slot; `close` ends the connection if it is evicted under pressure. */
  connection(client: ClientInfo, close: () => void): Lease | GatewayError {
    const r = this.budget.acquire(FrontDoor.limitKey(client), { onEvict: close });
    if (r.ok) {
      if (r.evicted !== undefined) this.recordEviction(r.evicted, "ws");
      return r.lease;
    }
    this.recordRefusal(client, "ratelimit.exceeded", r.reason, { key: "connections", channel: "ws" });
    return new GatewayError("RATE_LIMITED", "too many connections", { retryAfterMs: 1000, details: { code: r.reason.toUpperCase() } });
  }

  /**
   * Takes an HTTP socket slot, keyed by the direct peer; a trusted proxy's sockets are not held to the
   * per-address share (its clients are told apart per request). False: refused, and the socket destroyed.
   */
  acceptHttp(socket: Socket, trustedProxy: boolean): boolean {
    const peer = socket.remoteAddress;
    const ip = FrontDoor.keyOf((peer === undefined ? null : normalizeIp(peer, { zone: "strip" })) ?? "unknown");
    const r = this.httpBudget.acquire(ip, { onEvict: () => socket.destroy(), shared: trustedProxy });
    if (!r.ok) {
      this.recordRefusal(FrontDoor.anonymousAt(ip), "ratelimit.exceeded", r.reason, { key: "connections", channel: "http" });
      socket.destroy();
      return false;
    }
    if (r.evicted !== undefined) this.recordEviction(r.evicted, "http");
    this.httpLeases.set(socket, r.lease);
    socket.once("close", () => r.lease.release());
    return true;
  }

  /** A request on this socket authenticated: it no longer counts as unauthenticated. */
  httpAuthenticated(socket: Socket): void {
    this.httpLeases.get(socket)?.authenticated();
  }

  /** The socket became a WebSocket: the WebSocket budget owns it from now on. */
  releaseHttp(socket: object): void {
    this.httpLeases.get(socket)?.release();
  }

  private static anonymousAt(ip: string): ClientInfo {
    return { ip, proxied: false, local: false, origin: undefined, traceId: randomTraceId() };
  }

  /** An unauthenticated connection gave way to a newcomer under pressure (recorded once per address per window). */
  private recordEviction(ip: string, channel: string): void {
    this.recordRefusal(FrontDoor.anonymousAt(ip), "ratelimit.exceeded", "evicted_under_pressure", { key: "connections", channel });
  }
}
