/** The WebSocket side: upgrade checks, the `connect` handshake, and request dispatch per connection. */
import http from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { GatewayError, HttpMapping } from "../core/errors.js";
import { WsConnection, type WsHandlers } from "../transport/ws/connection.js";
import { connectParams } from "../protocol/frames.js";
import { isMethodName } from "../protocol/methods.js";
import type { Lease } from "../ratelimit/connection-budget.js";
import { actorFor, clientInfoFrom, type ClientInfo } from "./client.js";
import { authenticateConnect, type ConnectOutcome } from "./connect.js";
import { dispatch, FEATURES, type MethodDeps } from "./methods.js";
import { auditRejection } from "./rejections.js";
import type { GatewayContext } from "./context.js";
import type { Session } from "./session.js";
import { VERSION } from "./version.js";

interface ConnContext {
  client: ClientInfo;
  headers: http.IncomingHttpHeaders;
  directPeer: string | undefined;
  lease: Lease;
  /** Aborted when the connection closes. */
  abort: AbortController;
}

const CONNECTION_CLOSED = new Error("connection closed");

/** Method names in metrics come from the method table only: a client cannot mint label values. */
const metricMethod = (m: string): string => (isMethodName(m) ? m : "other");

/** The same status and error shape as the HTTP API (core/errors.ts), written on the raw socket. */
function refuseUpgradeRaw(socket: Duplex, err: GatewayError): void {
  const { status, type } = HttpMapping[err.code];
  const body = JSON.stringify({ ok: false, error: { type, message: err.message } });
  const retry = err.retryAfterMs !== undefined ? `Retry-After: ${Math.max(1, Math.ceil(err.retryAfterMs / 1000))}\r\n` : "";
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}\r\n${body}`,
  );
}

export function attachWebSocket(ctx: GatewayContext, server: http.Server, methodDeps: MethodDeps): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: ctx.enforcedMaxPayload, perMessageDeflate: false });

  const connect = async (conn: WsConnection<Session>, c: ConnContext, rawParams: unknown): Promise<{ hello: unknown; session: Session }> => {
    const client = c.client;
    const parsed = connectParams.safeParse(rawParams);
    if (!parsed.success) {
      const err = new GatewayError("INVALID_REQUEST", "invalid connect params", {
        details: { code: "INVALID_CONNECT", issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
      });
      await ctx.front.authFailure(client, err, { transport: "ws", connId: conn.id });
      throw err;
    }
    const params = parsed.data;
    const locked = await ctx.front.lockedOut(client, "ws");
    if (locked) throw locked;
    const limited = await ctx.front.rateLimit(client, "ws");
    if (limited) throw limited;
    const claimed = (params.device as { id?: unknown } | undefined)?.id;
    const deviceId = typeof claimed === "string" ? claimed.slice(0, 64) : undefined;
    let outcome: ConnectOutcome;
    try {
      outcome = await authenticateConnect(
        {
          runtime: ctx.runtime,
          pairing: ctx.pairing,
          tailscale: ctx.tailscale,
          now: () => ctx.clock.now(),
          pairingGate: {
            check: (k) => ctx.front.pairing.check(k),
            peek: (k) => ctx.front.pairing.peek(k),
            recordFailure: async (k) => {
              await ctx.front.pairing.recordFailure(k);
            },
            recordSuccess: (k) => ctx.front.pairing.recordSuccess(k),
          },
          beforePairingRequest: () => {
            if (ctx.audit.failed) throw new GatewayError("UNAVAILABLE", "audit log cannot be written");
          },
          onPairingRequested: async (req) => {
            await ctx.audit.append({
              type: "pairing.request",
              actor: { type: "device", id: req.deviceId, remoteIp: client.ip },
              outcome: "pending",
              traceId: client.traceId,
              metadata: { deviceId: req.deviceId, requestId: req.requestId, clientId: req.clientId, platform: req.platform },
            });
            ctx.broadcast("device.pair.requested", req, (s) => ctx.holds(s, "admin"));
          },
        },
        params,
        { nonce: conn.nonce, client, headers: c.headers, directPeer: c.directPeer },
      );
    } catch (e) {
      const err = e instanceof GatewayError ? e : new GatewayError("INTERNAL", "authentication failed");
      if (err.code === "RATE_LIMITED")
        ctx.front.recordRefusal(client, "auth.failure", String(err.details?.code ?? err.code), { transport: "ws", ...(deviceId ? { deviceId } : {}) });
      else if (err.code !== "NOT_PAIRED" && err.code !== "UNAVAILABLE")
        await ctx.front.authFailure(client, err, { transport: "ws", clientId: params.client.id, ...(deviceId ? { deviceId } : {}) }, deviceId ?? "anonymous");
      throw err;
    }
    const runtime = ctx.runtime();
    const principal = outcome.principal;
    const grant = runtime.policy.grantScopes(principal.id, params.scopes);
    const role = runtime.policy.enabled ? runtime.policy.roleOf(principal.id) : undefined;
    await ctx.audit.append({
      type: "auth.login",
      actor: actorFor(principal, client),
      outcome: "success",
      traceId: client.traceId,
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
    // The socket may have gone while we awaited: such a session never starts.
    if (conn.isClosed) throw new GatewayError("UNAVAILABLE", "connection closed during connect");
    c.lease.authenticated();
    ctx.sessions.set(conn.id, conn);
    const session: Session = {
      principal,
      client,
      scopes: grant.effective,
      grantedScopes: grant.granted,
      rbacRole: role?.roleId ?? null,
      clientRole: params.role,
      signal: c.abort.signal,
    };
    const limits = runtime.config.gateway.limits;
    const hello = {
      type: "hello-ok",
      protocol: outcome.protocol,
      server: { version: VERSION, connId: conn.id },
      features: FEATURES,
      snapshot: { uptimeMs: ctx.clock.now() - ctx.startedAtMs, agents: [...runtime.agents.keys()] },
      auth: {
        role: params.role,
        scopes: grant.granted,
        principal: principal.id,
        rbacRole: session.rbacRole,
        ...(outcome.deviceToken ? { deviceToken: outcome.deviceToken } : {}),
      },
      policy: { maxPayload: ctx.enforcedMaxPayload, maxBufferedBytes: limits.maxBufferedBytes, tickIntervalMs: limits.tickIntervalMs },
    };
    return { hello, session };
  };

  const handlers: WsHandlers<Session> = {
    connect: async (conn, frame) => {
      const started = performance.now();
      let outcome = "ok";
      try {
        return await connect(conn, conn.context as ConnContext, frame.params);
      } catch (e) {
        outcome = e instanceof GatewayError ? e.code : "INTERNAL";
        if (outcome === "RATE_LIMITED") ctx.metrics.refused("ws", outcome);
        throw e;
      } finally {
        ctx.metrics.handshakeDone((performance.now() - started) / 1000, outcome);
      }
    },
    request: async (conn, session, frame) => {
      try {
        if (ctx.state.closing) throw new GatewayError("UNAVAILABLE", "gateway is shutting down");
        const max = ctx.runtime().config.gateway.limits.maxInflightPerConnection;
        if (conn.pendingRequests > max)
          throw new GatewayError("RATE_LIMITED", `more than ${max} requests in flight on this connection`, {
            retryAfterMs: 1000,
            details: { code: "INFLIGHT_LIMIT" },
          });
        const limited = await ctx.front.rateLimit(session.client, "ws");
        if (limited) throw limited;
        const result = await dispatch(methodDeps, session, frame, conn.id);
        ctx.metrics.request("ws", metricMethod(frame.method), "ok");
        return result;
      } catch (e) {
        ctx.metrics.request("ws", metricMethod(frame.method), e instanceof GatewayError ? e.code : "INTERNAL");
        await auditRejection(ctx.audit, e, session, { transport: "ws", method: frame.method.slice(0, 64) }).catch(() => undefined);
        throw e;
      }
    },
    closed: (conn) => {
      const c = conn.context as ConnContext;
      ctx.sessions.delete(conn.id);
      c.lease.release();
      // Only work still running needs telling (and a plain reason avoids building a DOMException per close).
      if (conn.pendingRequests > 0) c.abort.abort(CONNECTION_CLOSED);
    },
    protocolError: (conn, reason) => {
      const c = conn.context as ConnContext;
      const s = conn.session;
      if (s)
        ctx.front.record({
          type: "request.rejected",
          actor: actorFor(s.principal, c.client),
          outcome: "denied",
          traceId: c.client.traceId,
          metadata: { reason, transport: "ws", connId: conn.id },
        });
      else ctx.front.recordRefusal(c.client, "auth.failure", reason, { transport: "ws", connId: conn.id });
    },
  };

  server.on("upgrade", async (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    const refuseUpgrade = (s: Duplex, err: GatewayError): void => {
      ctx.metrics.request("ws", "upgrade", err.code);
      refuseUpgradeRaw(s, err);
    };
    try {
      const client = clientInfoFrom(req, ctx.runtime().isTrustedProxy);
      ctx.proxyNotice.observe(req.headers, req.socket.remoteAddress, ctx.runtime().isTrustedProxy);
      if (ctx.state.closing) return refuseUpgrade(socket, new GatewayError("UNAVAILABLE", "gateway is shutting down"));
      const refused = ctx.front.origin(client, "ws");
      if (refused) return refuseUpgrade(socket, refused);
      const locked = await ctx.front.lockedOut(client, "ws");
      if (locked) return refuseUpgrade(socket, locked);
      // The socket may have gone, or shutdown begun, while we awaited: take no connection slot then.
      if (socket.destroyed) return;
      if (ctx.state.closing) return refuseUpgrade(socket, new GatewayError("UNAVAILABLE", "gateway is shutting down"));
      const lease = ctx.front.connection(client);
      if (lease instanceof GatewayError) return refuseUpgrade(socket, lease);
      // Until the upgrade completes the slot belongs to this socket; a handshake ws refuses never calls back.
      let handedOver = false;
      socket.once("close", () => {
        if (!handedOver) lease.release();
      });
      wss.handleUpgrade(req, socket, head, (ws) => {
        handedOver = true;
        const c: ConnContext = { client, headers: req.headers, directPeer: req.socket.remoteAddress, lease, abort: new AbortController() };
        new WsConnection<Session>(ws, ctx.runtime().config.gateway.limits, handlers, c);
      });
    } catch (e) {
      ctx.log.error(`upgrade failed: ${(e as Error)?.message ?? String(e)}`);
      socket.destroy();
    }
  });
  return wss;
}

