import { GatewayError } from "../core/errors.js";
import type { ApprovalRequestInput, ApprovalRequester, PendingApprovalView } from "./types.js";

function invalid(field: string): GatewayError {
  return new GatewayError("INVALID_REQUEST", `approval request: ${field} is missing or not a string`, {
    details: { code: "INVALID_APPROVAL_REQUEST", field },
  });
}

function text(value: unknown, field: string, allowEmpty = false): string {
  if (typeof value !== "string" || (!allowEmpty && value === "")) throw invalid(field);
  return value;
}

function optionalText(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : text(value, field, true);
}

/**
 * Copies exactly what will run into a deeply frozen view, so nothing the
 * caller does to its own objects afterwards changes what approvers see or
 * what the approval covers.
 */
export function snapshotRequest(input: ApprovalRequestInput, id: string, createdAtMs: number, expiresAtMs: number): PendingApprovalView {
  if (typeof input !== "object" || input === null) throw invalid("request");
  if (typeof input.requester !== "object" || input.requester === null) throw invalid("requester");
  if (!Array.isArray(input.classes)) throw invalid("classes");

  const requester: ApprovalRequester = { id: text(input.requester.id, "requester.id") };
  const connId = optionalText(input.requester.connId, "requester.connId");
  const remoteIp = optionalText(input.requester.remoteIp, "requester.remoteIp");
  if (connId !== undefined) requester.connId = connId;
  if (remoteIp !== undefined) requester.remoteIp = remoteIp;

  const view: { -readonly [K in keyof PendingApprovalView]: PendingApprovalView[K] } = {
    id,
    command: text(input.command, "command"),
    cwd: text(input.cwd, "cwd"),
    agentId: text(input.agentId, "agentId"),
    requester: Object.freeze(requester),
    classes: Object.freeze(input.classes.map((c, i) => text(c, `classes[${i}]`))),
    createdAtMs,
    expiresAtMs,
  };
  const traceId = optionalText(input.traceId, "traceId");
  if (traceId !== undefined) view.traceId = traceId;
  return Object.freeze(view);
}
