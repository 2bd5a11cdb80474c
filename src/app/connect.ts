/**
 * The WebSocket `connect` handshake: protocol negotiation, credentials, and
 * device identity (DESIGN.md steps 2-4). Returns who the connection acts as,
 * or throws a GatewayError whose `details.code` says why.
 */
import { GatewayError } from "../core/errors.js";
import type { Principal } from "../core/principal.js";
import type { ConnectParams } from "../protocol/frames.js";
import { PROTOCOL_MAX, PROTOCOL_MIN } from "../protocol/frames.js";
import { verifyDeviceProof } from "../auth/device-identity.js";
import { isSamePublicKey, type PendingRequest } from "../auth/pairing-store.js";
import { authError, authenticateTailscale, findDeviceByToken, matchSecret, type AuthDeps } from "./authenticate.js";
import type { ClientInfo } from "./client.js";
import { FrontDoor } from "./front-door.js";

export interface ConnectOutcome {
  protocol: number;
  principal: Principal;
  /** A freshly issued device token, delivered once in hello-ok. */
  deviceToken?: string;
}

export interface ConnectDeps extends AuthDeps {
  now(): number;
  /** Called when an unpaired device asks to pair (after the store recorded it). */
  onPairingRequested(req: PendingRequest, client: ClientInfo): Promise<void>;
  /** Refuses to record a pairing request the audit log could not record. */
  beforePairingRequest?: () => void;
  /** Pairing attempt limits per channel and client address. */
  pairingGate: {
    check(key: { channel: string; ip: string }): Promise<{ ok: true } | { ok: false; retryAfterMs: number; reason: string }>;
    peek(key: { channel: string; ip: string }): Promise<{ ok: true } | { ok: false; retryAfterMs: number; reason: string }>;
    recordFailure(key: { channel: string; ip: string }): Promise<void>;
    recordSuccess(key: { channel: string; ip: string }): Promise<void>;
  };
}

function rateLimited(retryAfterMs: number, reason: string): GatewayError {
  return new GatewayError("RATE_LIMITED", "too many pairing attempts; try again later", {
    retryAfterMs,
    details: { code: "AUTH_RATE_LIMITED", reason },
  });
}

export function negotiateProtocol(p: ConnectParams): number {
  const hi = Math.min(p.maxProtocol, PROTOCOL_MAX);
  const lo = Math.max(p.minProtocol, PROTOCOL_MIN);
  if (hi < lo)
    throw new GatewayError("INVALID_REQUEST", `unsupported protocol range ${p.minProtocol}-${p.maxProtocol} (server speaks ${PROTOCOL_MIN}-${PROTOCOL_MAX})`, {
      details: { code: "PROTOCOL_UNSUPPORTED", minProtocol: PROTOCOL_MIN, maxProtocol: PROTOCOL_MAX },
    });
  return hi;
}

export async function authenticateConnect(
  deps: ConnectDeps,
  params: ConnectParams,
  ctx: { nonce: string; client: ClientInfo; headers: Record<string, string | string[] | undefined>; directPeer: string | undefined },
): Promise<ConnectOutcome> {
  const protocol = negotiateProtocol(params);
  const runtime = deps.runtime();
  const mode = runtime.config.gateway.auth.mode;
  const presented = { token: params.auth?.token || undefined, password: params.auth?.password || undefined };

  if (params.device !== undefined && params.device !== null) {
    const claimed = (params.device as { id?: unknown }).id;
    const key = { channel: `device:${typeof claimed === "string" ? claimed.slice(0, 64) : "invalid"}`, ip: FrontDoor.limitKey(ctx.client) };
    // Failures back off (per device channel and per address); a paired device proving its key is never held back.
    const gate = await deps.pairingGate.peek(key);
    const proof = verifyDeviceProof({
      device: params.device,
      expectedNonce: ctx.nonce,
      clientId: params.client.id,
      clientMode: params.client.mode,
      role: params.role,
      scopes: params.scopes,
      token: params.auth?.token,
      now: deps.now(),
    });
    const refuse = async (code: string, message: string): Promise<never> => {
      await deps.pairingGate.recordFailure(key);
      if (!gate.ok) throw rateLimited(gate.retryAfterMs, gate.reason);
      throw authError(code, message);
    };
    if (!proof.ok) return refuse(proof.code, proof.message);
    const paired = deps.pairing.getPaired(proof.deviceId);
    if (paired) {
      if (!isSamePublicKey(paired.publicKey, proof.publicKey)) return refuse("DEVICE_PUBLIC_KEY_MISMATCH", "device public key does not match the paired key");
      // The signature proves the key. A presented token must be this device's token or a valid gateway credential.
      let deviceToken: string | undefined;
      if (presented.token && deps.pairing.verifyDeviceToken(proof.deviceId, presented.token)) {
        deviceToken = undefined;
      } else if (presented.token && !matchSecret(runtime, presented)) {
        return refuse("DEVICE_TOKEN_MISMATCH", "device token is not valid for this device (revoked or rotated?)");
      } else {
        deviceToken = (await deps.pairing.rotate(proof.deviceId)).deviceToken;
      }
      await deps.pairingGate.recordSuccess(key);
      return { protocol, principal: { id: paired.principal, method: "device-token", deviceId: proof.deviceId }, ...(deviceToken ? { deviceToken } : {}) };
    }
    // Not paired: this is a pairing attempt, counted against the limit.
    const attempt = await deps.pairingGate.check(key);
    if (!attempt.ok) throw rateLimited(attempt.retryAfterMs, attempt.reason);
    // A presented credential must still be valid; then a pairing request is recorded.
    if (presented.token || presented.password) {
      if (!matchSecret(runtime, presented) && !(presented.token && findDeviceByToken(deps.pairing, presented.token)))
        return refuse("AUTH_TOKEN_MISMATCH", "invalid credentials");
    }
    deps.beforePairingRequest?.();
    // Waiting for approval is not a failure (no backoff).
    const req = await deps.pairing.requestPairing({
      deviceId: proof.deviceId,
      publicKey: proof.publicKey,
      clientId: params.client.id,
      clientMode: params.client.mode,
      ...(params.client.platform ? { platform: params.client.platform } : {}),
      remoteIp: ctx.client.ip,
    });
    await deps.onPairingRequested(req, ctx.client);
    throw new GatewayError("NOT_PAIRED", "pairing required", {
      details: { code: "PAIRING_REQUIRED", requestId: req.requestId, deviceId: proof.deviceId, expiresAtMs: req.expiresAtMs },
    });
  }

  if (mode === "none") {
    // Without authentication only a direct loopback client is let in, never one a proxy forwarded.
    if (!ctx.client.local) throw authError("AUTH_NONE_LOCAL_ONLY", 'gateway.auth.mode "none" admits only direct loopback clients');
    return { protocol, principal: { id: runtime.config.gateway.auth.principal, method: "none" } };
  }
  // Tailscale identity: the mode itself, or `allowTailscale` beside token/password auth.
  if ((mode === "tailscale" || runtime.config.gateway.auth.allowTailscale) && !presented.token && !presented.password)
    return { protocol, principal: await authenticateTailscale(deps, ctx.headers, ctx.directPeer) };
  if (!presented.token && !presented.password)
    throw authError(mode === "password" ? "AUTH_PASSWORD_MISSING" : "AUTH_TOKEN_MISSING", "credentials required");
  const p = matchSecret(runtime, presented);
  if (p) return { protocol, principal: p };
  if (presented.token) {
    const device = findDeviceByToken(deps.pairing, presented.token);
    if (device) return { protocol, principal: { id: device.principal, method: "device-token", deviceId: device.deviceId } };
  }
  throw authError(presented.password && !presented.token ? "AUTH_PASSWORD_MISMATCH" : "AUTH_TOKEN_MISMATCH", "invalid credentials");
}
