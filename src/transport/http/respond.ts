/** JSON responses and the HTTP error shape `{ok:false,error:{type,message}}`. */
import type { ServerResponse } from "node:http";
import { GatewayError, HttpMapping } from "../../core/errors.js";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof GatewayError ? err : new GatewayError("INTERNAL", "internal error");
  const { status, type } = HttpMapping[e.code];
  const headers: Record<string, string> = {};
  if (e.retryAfterMs !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
  if (status === 401) headers["www-authenticate"] = 'Bearer realm="clawdbot"';
  const error: Record<string, unknown> = { type, message: e.message };
  if (e.details?.code !== undefined) error.code = e.details.code;
  if (e.details?.reason !== undefined) error.reason = e.details.reason;
  if (e.details?.issues !== undefined) error.issues = e.details.issues;
  if (e.retryAfterMs !== undefined) error.retryAfterMs = e.retryAfterMs;
  sendJson(res, status, { ok: false, error }, headers);
}
