/**
 * `GET /metrics` (Prometheus text, for principals with `admin` or listed in
 * `gateway.metrics.principals`) and `GET /ready` (503 while the gateway cannot do its job:
 * the audit log cannot be written, or the sandbox commands need is unavailable).
 */
import type http from "node:http";
import { GatewayError } from "../core/errors.js";
import type { Principal } from "../core/principal.js";
import { checkSandboxAvailable } from "../sandbox/probe.js";
import { sendError, sendJson } from "../transport/http/respond.js";
import { actorFor, type ClientInfo } from "./client.js";
import type { GatewayContext } from "./context.js";
import { markAudited } from "./rejections.js";

export async function serveMetrics(ctx: GatewayContext, res: http.ServerResponse, principal: Principal, client: ClientInfo): Promise<void> {
  const runtime = ctx.runtime();
  const listed = runtime.config.gateway.metrics.principals.includes(principal.id);
  const admin = runtime.policy.hasPermission(principal.id, "admin");
  if (!listed && !admin.allow) {
    await ctx.audit.append({
      type: "rbac.denied",
      actor: actorFor(principal, client),
      outcome: "denied",
      traceId: client.traceId,
      metadata: { transport: "http", path: "/metrics", permission: "admin", reason: admin.reason ?? "not_permitted" },
    });
    return sendError(res, markAudited(new GatewayError("FORBIDDEN", "metrics need the admin permission or an entry in gateway.metrics.principals", { details: { reason: admin.reason ?? "not_permitted" } })));
  }
  const { contentType, body } = await ctx.metrics.exposition();
  res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body), "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

/** The sandbox probe starts a bwrap: its answer is kept this long. */
const SANDBOX_PROBE_TTL_MS = 10_000;
let sandboxProbe: { at: number; bwrapPath: string; settings: unknown; result: Promise<{ ok: boolean; reason?: string }> } | undefined;

export async function serveReady(ctx: GatewayContext, res: http.ServerResponse): Promise<void> {
  const problems: string[] = [];
  if (ctx.state.closing) problems.push("shutting down");
  if (ctx.audit.failed) problems.push("the audit log cannot be written");
  const tools = ctx.runtime().config.tools;
  if (tools.policy === "sandbox") {
    const bwrapPath = tools.exec.bwrapPath;
    const now = Date.now();
    // The probe runs a real command as the configured sandbox user with the configured limits.
    const settings = tools.sandbox;
    if (!sandboxProbe || sandboxProbe.bwrapPath !== bwrapPath || sandboxProbe.settings !== settings || now - sandboxProbe.at > SANDBOX_PROBE_TTL_MS)
      sandboxProbe = { at: now, bwrapPath, settings, result: checkSandboxAvailable(bwrapPath, settings) };
    const r = await sandboxProbe.result;
    if (!r.ok) problems.push("the sandbox is unavailable (commands cannot run)");
  }
  // Reasons name the failing part, never a path or a secret: /ready needs no credentials.
  if (problems.length > 0) sendJson(res, 503, { ok: false, ready: false, problems });
  else sendJson(res, 200, { ok: true, ready: true });
}
