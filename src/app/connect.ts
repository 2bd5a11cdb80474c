/**
 * Wiring for "who is this client" (src/auth/identify.ts decides): the facts and
 * hooks a transport hands to identify, and how a refusal is recorded — a failure
 * every time (and toward the lockout), a throttled refusal once per window.
 */
import { GatewayError } from "../core/errors.js";
import type { ConnectParams } from "../protocol/frames.js";
import { PROTOCOL_MAX, PROTOCOL_MIN } from "../protocol/frames.js";
import type { ClientFacts, IdentifyDeps } from "../auth/identify.js";
import { refusalError, type Refusal } from "../auth/refusals.js";
import type { ClientInfo } from "./client.js";
import type { GatewayContext } from "./context.js";
import { FrontDoor } from "./front-door.js";

export function negotiateProtocol(p: ConnectParams): number {
  const hi = Math.min(p.maxProtocol, PROTOCOL_MAX);
  const lo = Math.max(p.minProtocol, PROTOCOL_MIN);
  if (hi < lo)
    throw new GatewayError("INVALID_REQUEST", `unsupported protocol range ${p.minProtocol}-${p.maxProtocol} (server speaks ${PROTOCOL_MIN}-${PROTOCOL_MAX})`, {
      details: { code: "PROTOCOL_UNSUPPORTED", minProtocol: PROTOCOL_MIN, maxProtocol: PROTOCOL_MAX },
    });
  return hi;
}

export async function clientFacts(
  ctx: GatewayContext,
  client: ClientInfo,
  headers: Record<string, string | string[] | undefined>,
  directPeer: string | undefined,
): Promise<ClientFacts> {
  return {
    ip: client.ip,
    limitKey: FrontDoor.limitKey(client),
    local: client.local,
    browser: client.origin !== undefined,
    headers,
    directPeer,
    lockedOut: await ctx.front.lockout(client),
  };
}

export function identifyDeps(ctx: GatewayContext, client: ClientInfo, transport: string): IdentifyDeps {
  const runtime = ctx.runtime();
  const a = runtime.config.gateway.auth;
  return {
    auth: { mode: a.mode, allowTailscale: a.allowTailscale, principal: a.principal, autoApproveLoopback: runtime.config.gateway.pairing.autoApproveLoopback },
    credentials: runtime.credentials,
    pairing: ctx.pairing,
    tailscale: ctx.tailscale,
    now: () => ctx.clock.now(),
    gate: ctx.front.pairing,
    beforePairingChange: () => {
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
    beforeAutoApprove: async (deviceId, principal) => {
      await ctx.audit.append({
        type: "pairing.approve",
        actor: { type: "user", id: principal.id, remoteIp: client.ip },
        outcome: "success",
        traceId: client.traceId,
        metadata: {
          deviceId,
          boundPrincipal: principal.id,
          automatic: true,
          reason: "loopback_credential",
          why: `the device proved its key and presented a valid ${principal.method} of ${principal.id} on a direct loopback connection without Origin (gateway.pairing.autoApproveLoopback)`,
          method: principal.method,
          transport,
        },
      });
    },
  };
}

/** Records a refusal as its kind says and returns the error to answer with. */
export async function settleRefusal(ctx: GatewayContext, client: ClientInfo, r: Refusal, metadata: Record<string, unknown>): Promise<GatewayError> {
  const who = { ...(r.claimedDeviceId ? { claimedDeviceId: r.claimedDeviceId } : {}), ...(r.deviceId ? { deviceId: r.deviceId } : {}) };
  if (r.kind === "failure") await ctx.front.authFailure(client, r.reason, { ...metadata, ...who });
  else if (r.kind === "throttled") ctx.front.recordRefusal(client, "auth.failure", r.reason, { ...metadata, ...who });
  return refusalError(r);
}
