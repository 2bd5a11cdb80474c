/** The HTTP side: `GET /health` and `POST /tools/invoke`, through the front door and the tool pipeline. */
import http from "node:http";
import type { Socket } from "node:net";
import { GatewayError } from "../core/errors.js";
import type { Principal } from "../core/principal.js";
import { sendError, sendJson } from "../transport/http/respond.js";
import { readJsonBody } from "../transport/http/body.js";
import { toolInvokeParams } from "../protocol/methods.js";
import { clientInfoFrom, type ClientInfo } from "./client.js";
import { identifyBearer } from "../auth/identify.js";
import { clientFacts, identifyDeps, settleRefusal } from "./connect.js";
import { invokeTool, type PipelineDeps } from "./tool-pipeline.js";
import { auditRejection } from "./rejections.js";
import { serveMetrics, serveReady } from "./metrics-endpoint.js";
import type { GatewayContext } from "./context.js";
import { listTools } from "./http-tools.js";
import type { AgentRuns } from "./agent-wiring.js";
import { handleChatCompletion, sendOpenAIError } from "./chat-completions.js";
import { SECURITY_HEADERS, type ControlUi } from "./control-ui.js";

/** A refusal before the body was read: answer and close, so a refused client holds no socket. */
function refuse(res: http.ServerResponse, req: http.IncomingMessage, err: GatewayError, send: ErrorSender = sendError): void {
  res.setHeader("connection", "close");
  send(res, err);
  req.resume();
}

/** Writes an error in an endpoint's own shape (the gateway's, or OpenAI's for /v1). */
export type ErrorSender = (res: http.ServerResponse, err: unknown) => void;

export function createHttpServer(ctx: GatewayContext, pipeline: PipelineDeps, agents?: AgentRuns, controlUi?: ControlUi): http.Server {
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

  /** The front door of every authenticated endpoint: rate limit, lockout, bearer credentials, login record. Undefined = refused (answered with `send`). */
  const admit = async (req: http.IncomingMessage, res: http.ServerResponse, client: ClientInfo, send: ErrorSender): Promise<Principal | undefined> => {
    const limited = await ctx.front.rateLimit(client, "http");
    if (limited) return void refuse(res, req, limited, send);
    const facts = await clientFacts(ctx, client, req.headers, req.socket.remoteAddress);
    const who = await identifyBearer(identifyDeps(ctx, client, "http"), facts);
    if (!who.ok) return void refuse(res, req, await settleRefusal(ctx, client, who.refusal, { transport: "http" }), send);
    const principal = who.principal;
    ctx.front.httpAuthenticated(req.socket);
    await auditLogin(principal, client);
    return principal;
  };

  const invoke = async (req: http.IncomingMessage, res: http.ServerResponse, client: ClientInfo): Promise<void> => {
    const principal = await admit(req, res, client, sendError);
    if (!principal) return;
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

  /** POST /v1/chat/completions: OpenAI-compatible agent runs behind the same front door. */
  const chatCompletions = async (req: http.IncomingMessage, res: http.ServerResponse, client: ClientInfo): Promise<void> => {
    const principal = await admit(req, res, client, sendOpenAIError);
    if (!principal || !agents) return;
    try {
      const body = await readJsonBody(req, ctx.runtime().config.gateway.limits.maxBodyBytes);
      await handleChatCompletion({ agents, audit: ctx.audit }, { principal, client, headers: req.headers, body }, res);
    } catch (e) {
      await auditRejection(ctx.audit, e, { principal, client }, { transport: "http", endpoint: "/v1/chat/completions" }).catch(() => undefined);
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
      ctx.proxyNotice.observe(req.headers, req.socket.remoteAddress, ctx.runtime().isTrustedProxy);
      const refused = ctx.front.origin(client, "http");
      if (refused) return refuse(res, req, refused);
      // Route on the raw target: no URL parsing of attacker-chosen text on this path.
      const pathname = (req.url ?? "/").split("?")[0];
      ctx.metrics.countHttp(req, res, pathname);
      if (pathname === "/health" && (req.method === "GET" || req.method === "HEAD")) return sendJson(res, 200, { ok: true });
      if (controlUi && ctx.runtime().config.gateway.controlUi.enabled && controlUi.serve(req, res, String(pathname))) return;
      if (pathname === "/ready" && (req.method === "GET" || req.method === "HEAD")) return void serveReady(ctx, res);
      if (pathname === "/metrics" && ctx.runtime().config.gateway.metrics.enabled && (req.method === "GET" || req.method === "HEAD")) {
        ctx.state.httpInflight++;
        void admit(req, res, client, sendError)
          .then((principal) => principal && serveMetrics(ctx, res, principal, client))
          .catch((e: unknown) => {
            req.resume();
            sendError(res, e);
          })
          .finally(() => ctx.state.httpInflight--);
        return;
      }
      const endpoint =
        pathname === "/tools/invoke"
          ? { run: invoke, send: sendError }
          : pathname === "/v1/chat/completions" && agents
            ? { run: (q: http.IncomingMessage, r: http.ServerResponse, c: ClientInfo) => chatCompletions(q, r, c), send: sendOpenAIError }
            : undefined;
      if (endpoint) {
        if (req.method !== "POST") {
          ctx.front.recordRefusal(client, "request.rejected", "method_not_allowed", { transport: "http", method: String(req.method).slice(0, 16) });
          req.resume();
          const body =
            endpoint.send === sendError
              ? { ok: false, error: { type: "method_not_allowed", message: "use POST" } }
              : { error: { message: "use POST", type: "invalid_request_error", code: "method_not_allowed" } };
          return sendJson(res, 405, body, { allow: "POST", connection: "close" });
        }
        if (ctx.state.closing) return refuse(res, req, new GatewayError("UNAVAILABLE", "gateway is shutting down"), endpoint.send);
        ctx.state.httpInflight++;
        endpoint
          .run(req, res, client)
          .catch((e: unknown) => {
            if (!(e instanceof GatewayError)) ctx.log.error(`request failed: ${(e as Error)?.stack ?? String(e)}`);
            else if (e.code === "UNAVAILABLE" && ctx.audit.failed)
              ctx.log.error("audit log cannot be written: refusing requests that must be recorded (fail closed)");
            req.resume();
            endpoint.send(res, e);
          })
          .finally(() => ctx.state.httpInflight--);
        return;
      }
      if (pathname === "/tools" && (req.method === "GET" || req.method === "HEAD")) {
        req.resume();
        void listTools(ctx, req, res, client, (q, r, c) => admit(q, r, c, sendError)).catch((e: unknown) => {
          if (!(e instanceof GatewayError)) ctx.log.error(`request failed: ${(e as Error)?.stack ?? String(e)}`);
          if (!res.headersSent) sendError(res, e instanceof GatewayError ? e : new GatewayError("INTERNAL", "request failed"));
        });
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
  // The front door's HTTP budget decides (per-address share, unauthenticated budget, eviction under pressure);
  // Node's own cap is only a backstop above it, for the budget's sockets and the WebSocket connections.
  const rl = ctx.runtime().config.gateway.rateLimit;
  server.maxConnections = limits.maxHttpConnections + rl.maxConnections + 1;
  server.on("connection", (socket: Socket) => {
    const peer = socket.remoteAddress;
    ctx.front.acceptHttp(socket, peer !== undefined && ctx.runtime().isTrustedProxy(peer));
  });
  return server;
}
