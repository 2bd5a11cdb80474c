/** The HTTP side: `GET /health` and `POST /tools/invoke`, through the front door and the tool pipeline. */
import http from "node:http";
import { GatewayError } from "../core/errors.js";
import type { Principal } from "../core/principal.js";
import { sendError, sendJson } from "../transport/http/respond.js";
import { readJsonBody } from "../transport/http/body.js";
import { toolInvokeParams } from "../protocol/methods.js";
import { clientInfoFrom, type ClientInfo } from "./client.js";
import { authenticateHttp } from "./authenticate.js";
import { invokeTool, type PipelineDeps } from "./tool-pipeline.js";
import { auditRejection } from "./rejections.js";
import type { GatewayContext } from "./context.js";
import { SECURITY_HEADERS, type ControlUi } from "./control-ui.js";

/** A refusal before the body was read: answer and close, so a refused client holds no socket. */
function refuse(res: http.ServerResponse, req: http.IncomingMessage, err: GatewayError): void {
  res.setHeader("connection", "close");
  sendError(res, err);
  req.resume();
}

export function createHttpServer(ctx: GatewayContext, pipeline: PipelineDeps, controlUi?: ControlUi): http.Server {
  const limits = ctx.runtime().config.gateway.limits;
  // HTTP logins are audited at most once per principal and address per window, not per request.
  const auditLogin = async (principal: Principal, client: ClientInfo): Promise<void> => {
    const key = `login\u0000${principal.id}\u0000${client.ip}`;
    if (!ctx.front.firstInWindow(key)) return;
    try {
      await ctx.audit.append({
        type: "auth.login",
        actor: { type: principal.deviceId ? "device" : "user", id: principal.id, remoteIp: client.ip },
        outcome: "success",
        traceId: client.traceId,
        metadata: { method: principal.method, transport: "http", ...(principal.deviceId ? { deviceId: principal.deviceId } : {}) },
      });
    } catch (e) {
      // Not recorded: the next request must try again rather than skip the login record.
      ctx.front.forget(key);
      throw e;
    }
  };

  const invoke = async (req: http.IncomingMessage, res: http.ServerResponse, client: ClientInfo): Promise<void> => {
    const limited = await ctx.front.rateLimit(client, "http");
    if (limited) return refuse(res, req, limited);
    const locked = await ctx.front.lockedOut(client, "http");
    if (locked) return refuse(res, req, locked);
    let principal: Principal;
    try {
      principal = await authenticateHttp(
        { runtime: ctx.runtime, pairing: ctx.pairing, tailscale: ctx.tailscale },
        req.headers,
        req.socket.remoteAddress,
        client,
      );
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      await ctx.front.authFailure(client, e, { transport: "http" });
      return refuse(res, req, e);
    }
    await auditLogin(principal, client);
    try {
      const body = await readJsonBody(req, ctx.runtime().config.gateway.limits.maxBodyBytes);
      const parsed = toolInvokeParams.safeParse(body);
      if (!parsed.success)
        throw new GatewayError("INVALID_REQUEST", "expected {tool, args, agentId?}", {
          details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
        });
      const ac = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) ac.abort();
      });
      const result = await invokeTool(pipeline, { principal, client, signal: ac.signal }, parsed.data);
      sendJson(res, 200, { ok: true, result });
    } catch (e) {
      await auditRejection(ctx.audit, e, { principal, client }, { transport: "http" }).catch(() => undefined);
      throw e;
    }
  };

  const server = http.createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(10_000, limits.requestTimeoutMs),
      // How often Node checks those timeouts (its default, 30 s, would let a slow sender linger).
      connectionsCheckingInterval: Math.min(1_000, limits.requestTimeoutMs),
    },
    (req, res) => {
    try {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      const client = clientInfoFrom(req, ctx.runtime().isTrustedProxy);
      const refused = ctx.front.origin(client, "http");
      if (refused) return refuse(res, req, refused);
      // Route on the raw target: no URL parsing of attacker-chosen text on this path.
      const pathname = (req.url ?? "/").split("?")[0];
      if (pathname === "/health" && (req.method === "GET" || req.method === "HEAD")) return sendJson(res, 200, { ok: true });
      if (controlUi && ctx.runtime().config.gateway.controlUi.enabled && controlUi.serve(req, res, String(pathname))) return;
      if (pathname === "/tools/invoke") {
        if (req.method !== "POST") {
          ctx.front.recordRefusal(client, "request.rejected", "method_not_allowed", { transport: "http", method: String(req.method).slice(0, 16) });
          req.resume();
          return sendJson(res, 405, { ok: false, error: { type: "method_not_allowed", message: "use POST" } }, { allow: "POST", connection: "close" });
        }
        if (ctx.state.closing) return refuse(res, req, new GatewayError("UNAVAILABLE", "gateway is shutting down"));
        ctx.state.httpInflight++;
        invoke(req, res, client)
          .catch((e: unknown) => {
            if (!(e instanceof GatewayError)) ctx.log.error(`request failed: ${(e as Error)?.stack ?? String(e)}`);
            else if (e.code === "UNAVAILABLE" && ctx.audit.failed)
              ctx.log.error("audit log cannot be written: refusing requests that must be recorded (fail closed)");
            req.resume();
            sendError(res, e);
          })
          .finally(() => ctx.state.httpInflight--);
        return;
      }
      ctx.front.recordRefusal(client, "request.rejected", "not_found", { transport: "http", path: String(pathname).slice(0, 100) });
      req.resume();
      res.setHeader("connection", "close");
      sendJson(res, 404, { ok: false, error: { type: "not_found", message: "no such endpoint" } });
    } catch (e) {
      ctx.log.error(`request handling failed: ${(e as Error)?.message ?? String(e)}`);
      if (!res.headersSent) sendError(res, new GatewayError("INVALID_REQUEST", "bad request"));
      req.resume();
    }
    },
  );
  server.maxConnections = limits.maxHttpConnections;
  return server;
}
