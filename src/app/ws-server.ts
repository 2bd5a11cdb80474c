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
import { identifyConnect } from "../auth/identify.js";
import { clientFacts, identifyDeps, negotiateProtocol, settleRefusal } from "./connect.js";
import { dispatch, FEATURES, type MethodDeps } from "./methods.js";
import { auditRejection } from "./rejections.js";
import type { GatewayContext } from "./context.js";
import type { Session } from "./session.js";
import { VERSION } from "./version.js";
import { SECURITY_HEADERS } from "./control-ui.js";

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
  // The headers every HTTP response of the gateway carries (control-ui.ts), on this hand-written one too.
  const security = Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}${security}\r\n${body}`,
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
      await ctx.front.authFailure(client, "INVALID_CONNECT", { transport: "ws", connId: conn.id });
      throw err;
    }
    const params = parsed.data;
    let protocol: number;
    try {
      protocol = negotiateProtocol(params);
    } catch (e) {
      await ctx.front.authFailure(client, "PROTOCOL_UNSUPPORTED", { transport: "ws", connId: conn.id, clientId: params.client.id });
      throw e;
    }
    const limited = await ctx.front.rateLimit(client, "ws");
    if (limited) throw limited;
    // Who is this client: the decision and every reason for a refusal live in auth/identify.ts.
    const facts = await clientFacts(ctx, client, c.headers, c.directPeer);
    const outcome = await identifyConnect(identifyDeps(ctx, client, "ws"), params, conn.nonce, facts);
    if (!outcome.ok) throw await settleRefusal(ctx, client, outcome.refusal, { transport: "ws", connId: conn.id, clientId: params.client.id });
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
        protocol,
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
      protocol,
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
      // A locked-out address is refused at `connect` (auth/identify.ts), where a paired device's valid proof still passes.
      const lease = ctx.front.connection(client, () => socket.destroy());
      if (lease instanceof GatewayError) return refuseUpgrade(socket, lease);
      // Until the upgrade completes the slot belongs to this socket; a handshake ws refuses never calls back.
      let handedOver = false;
      socket.once("close", () => {
        if (!handedOver) lease.release();
      });
      // The WebSocket budget owns this socket now, not the HTTP one.
      ctx.front.releaseHttp(socket);
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

