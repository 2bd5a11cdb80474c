/**
 * Who is this client? The one entry point for the WebSocket `connect`
 * handshake (`identifyConnect`) and HTTP bearer requests (`identifyBearer`):
 * each returns a principal or a refusal whose reason is from the closed list
 * in refusals.ts. `src/app` only supplies the facts (address, nonce, headers,
 * whether the address is locked out) and records what came back.
 *
 * Order for a connect (docs/identities.md):
 * 1. A device block: verify the proof (signature over this connection's nonce).
 *    - Proof from a paired key: the device is in — with its device token, no
 *      token, or a valid gateway credential. The failure backoff and the
 *      address lockout never hold back a valid proof from a paired key, so
 *      nobody can lock a paired device out by failing under its public id.
 *    - Anything else while the address is locked out: `AUTH_RATE_LIMITED`.
 *    - Bad proof, key mismatch, stale token: a failure (backoff on the claimed
 *      device channel and on the address).
 *    - Unpaired, valid proof: a pairing attempt (rate-limited). With a valid
 *      gateway credential on a direct loopback connection without Origin and
 *      `autoApproveLoopback`, it is paired to that credential's principal at
 *      once; otherwise a pending request (`PAIRING_REQUIRED`).
 * 2. No device: locked out → `AUTH_RATE_LIMITED`; then mode `none` (direct
 *    loopback only), Tailscale, shared/user secret, device token.
 */
import type { Principal } from "../core/principal.js";
import { GatewayError } from "../core/errors.js";
import { verifyDeviceProof } from "./device-identity.js";
import { isSamePublicKey, type PairingStore, type PendingRequest } from "./pairing-store.js";
import type { CredentialSet } from "./secret-auth.js";
import type { TailscaleVerifier } from "./tailscale.js";
import { identifyTailscale } from "./tailscale-headers.js";
import type { Refusal, RefusalReason } from "./refusals.js";

export type Identity =
  | { ok: true; principal: Principal; /** A freshly issued device token, delivered once. */ deviceToken?: string }
  | { ok: false; refusal: Refusal };

export type GateDecision = { ok: true } | { ok: false; retryAfterMs: number; reason: string };

/** Pairing attempt limits per claimed device channel and client address (ratelimit/pairing-limiter.ts). */
export interface PairingGate {
  check(key: { channel: string; ip: string }): Promise<GateDecision>;
  peek(key: { channel: string; ip: string }): Promise<GateDecision>;
  recordFailure(key: { channel: string; ip: string }): Promise<unknown>;
  recordSuccess(key: { channel: string; ip: string }): Promise<void>;
}

export interface AuthSettings {
  mode: "token" | "password" | "tailscale" | "none";
  allowTailscale: boolean;
  /** The principal of mode `none`. */
  principal: string;
  /** Pair a device at once when it proves its key with a valid credential on a direct loopback connection. */
  autoApproveLoopback: boolean;
}

export interface IdentifyDeps {
  auth: AuthSettings;
  credentials: CredentialSet;
  pairing: PairingStore;
  tailscale: TailscaleVerifier;
  /** Wall-clock time, for the device proof's `signedAt`. */
  now(): number;
  gate: PairingGate;
  /** Throws (fail closed) when what is about to happen cannot be recorded. */
  beforePairingChange?(): void;
  /** A device asked to pair (after the store recorded the request). */
  onPairingRequested(req: PendingRequest): Promise<void>;
  /** Recorded before the automatic pairing takes effect: throwing stops it. */
  beforeAutoApprove(deviceId: string, principal: Principal): Promise<void>;
}

/** What the client sent, in the connect params' shape. */
export interface ConnectClaim {
  client: { id: string; mode: string; platform?: string | undefined };
  role: string;
  scopes: string[];
  auth?: { token?: string | undefined; password?: string | undefined } | undefined;
  device?: unknown;
}

/** What the gateway knows about the connection. */
export interface ClientFacts {
  /** The client address (trusted-proxy resolved). */
  ip: string;
  /** The key per-address limits use. */
  limitKey: string;
  /** Direct loopback peer, no forwarding headers. */
  local: boolean;
  /** An Origin header was sent: a browser is involved. */
  browser: boolean;
  headers: Record<string, string | string[] | undefined>;
  directPeer: string | undefined;
  /** Set when the address is locked out after failed authentication. */
  lockedOut?: { retryAfterMs: number } | undefined;
}

const refuse = (reason: RefusalReason, kind: Refusal["kind"], message: string, extra: Partial<Refusal> = {}): Identity => ({
  ok: false,
  refusal: { reason, kind, message, ...extra },
});

const lockedOut = (facts: ClientFacts, extra: Partial<Refusal> = {}): Identity =>
  refuse("AUTH_RATE_LIMITED", "throttled", "too many failed authentication attempts; try again later", {
    retryAfterMs: facts.lockedOut?.retryAfterMs ?? 1000,
    details: { reason: "lockout" },
    ...extra,
  });

/** Shared secret or named user credential; undefined when nothing matches. */
export function matchSecret(credentials: CredentialSet, presented: { token?: string | undefined; password?: string | undefined }): Principal | undefined {
  if (presented.token) {
    const id = credentials.match(presented.token, "token");
    if (id) return { id, method: "token" };
  }
  if (presented.password) {
    const id = credentials.match(presented.password, "password");
    if (id) return { id, method: "password" };
  }
  return undefined;
}

function byDeviceToken(pairing: PairingStore, token: string | undefined): Principal | undefined {
  const device = token ? pairing.findByToken(token) : undefined;
  return device ? { id: device.principal, method: "device-token", deviceId: device.deviceId } : undefined;
}

export async function identifyConnect(deps: IdentifyDeps, claim: ConnectClaim, nonce: string, facts: ClientFacts): Promise<Identity> {
  const presented = { token: claim.auth?.token || undefined, password: claim.auth?.password || undefined };
  if (claim.device !== undefined && claim.device !== null) return identifyDevice(deps, claim, nonce, facts, presented);
  if (facts.lockedOut) return lockedOut(facts);
  const { mode, allowTailscale } = deps.auth;
  if (mode === "none") {
    // Without authentication only a direct loopback client is let in, never one a proxy forwarded.
    if (!facts.local) return refuse("AUTH_NONE_LOCAL_ONLY", "failure", 'gateway.auth.mode "none" admits only direct loopback clients');
    return { ok: true, principal: { id: deps.auth.principal, method: "none" } };
  }
  if ((mode === "tailscale" || allowTailscale) && !presented.token && !presented.password)
    return identifyTailscale(deps.tailscale, facts.headers, facts.directPeer);
  if (!presented.token && !presented.password)
    return refuse(mode === "password" ? "AUTH_PASSWORD_MISSING" : "AUTH_TOKEN_MISSING", "failure", "credentials required");
  const p = matchSecret(deps.credentials, presented) ?? byDeviceToken(deps.pairing, presented.token);
  if (p) return { ok: true, principal: p };
  return refuse(presented.password && !presented.token ? "AUTH_PASSWORD_MISMATCH" : "AUTH_TOKEN_MISMATCH", "failure", "invalid credentials");
}

async function identifyDevice(
  deps: IdentifyDeps,
  claim: ConnectClaim,
  nonce: string,
  facts: ClientFacts,
  presented: { token?: string | undefined; password?: string | undefined },
): Promise<Identity> {
  const rawId = (claim.device as { id?: unknown }).id;
  const claimedDeviceId = typeof rawId === "string" ? rawId.slice(0, 64) : undefined;
  const key = { channel: `device:${claimedDeviceId ?? "invalid"}`, ip: facts.limitKey };
  const proof = verifyDeviceProof({
    device: claim.device,
    expectedNonce: nonce,
    clientId: claim.client.id,
    clientMode: claim.client.mode,
    role: claim.role,
    scopes: claim.scopes,
    token: claim.auth?.token,
    now: deps.now(),
  });
  const paired = proof.ok ? deps.pairing.getPaired(proof.deviceId) : undefined;
  const pairedKey = proof.ok && paired !== undefined && isSamePublicKey(paired.publicKey, proof.publicKey);
  const who: Partial<Refusal> = proof.ok ? { deviceId: proof.deviceId } : claimedDeviceId ? { claimedDeviceId } : {};
  // The lockout holds back everything except a valid proof from a paired key.
  if (facts.lockedOut && !pairedKey) return lockedOut(facts, who);
  // A failure backs off the claimed device channel and the address; while a backoff is in force it says so.
  const gate = await deps.gate.peek(key);
  const fail = async (reason: RefusalReason, message: string): Promise<Identity> => {
    await deps.gate.recordFailure(key);
    if (!gate.ok)
      return refuse("AUTH_RATE_LIMITED", "throttled", "too many pairing attempts; try again later", {
        retryAfterMs: gate.retryAfterMs,
        details: { reason: gate.reason },
        ...who,
      });
    return refuse(reason, "failure", message, who);
  };
  if (!proof.ok) return fail(proof.code, proof.message);
  if (paired) {
    if (!pairedKey) return fail("DEVICE_PUBLIC_KEY_MISMATCH", "device public key does not match the paired key");
    // The signature proves the key. A presented token must be this device's token or a valid gateway credential.
    let deviceToken: string | undefined;
    if (presented.token && deps.pairing.verifyDeviceToken(proof.deviceId, presented.token)) deviceToken = undefined;
    else if (presented.token && !matchSecret(deps.credentials, presented)) {
      if (facts.lockedOut) return lockedOut(facts, who);
      return fail("DEVICE_TOKEN_MISMATCH", "device token is not valid for this device (revoked or rotated?)");
    } else deviceToken = (await deps.pairing.rotate(proof.deviceId)).deviceToken;
    await deps.gate.recordSuccess(key);
    return { ok: true, principal: { id: paired.principal, method: "device-token", deviceId: proof.deviceId }, ...(deviceToken ? { deviceToken } : {}) };
  }
  // Not paired: this is a pairing attempt, counted against the limit.
  const attempt = await deps.gate.check(key);
  if (!attempt.ok)
    return refuse("AUTH_RATE_LIMITED", "throttled", "too many pairing attempts; try again later", {
      retryAfterMs: attempt.retryAfterMs,
      details: { reason: attempt.reason },
      ...who,
    });
  // A presented credential must still be valid.
  const secret = matchSecret(deps.credentials, presented);
  if ((presented.token || presented.password) && !secret && !byDeviceToken(deps.pairing, presented.token))
    return fail("AUTH_TOKEN_MISMATCH", "invalid credentials");
  try {
    deps.beforePairingChange?.();
  } catch {
    return refuse("AUDIT_UNAVAILABLE", "unavailable", "audit log cannot be written", who);
  }
  // The key is proven and so is the credential, on this machine, not through a proxy, not from a web page.
  if (secret && deps.auth.autoApproveLoopback && facts.local && !facts.browser) {
    const principal: Principal = { id: secret.id, method: secret.method, deviceId: proof.deviceId };
    await deps.beforeAutoApprove(proof.deviceId, principal);
    const { deviceToken } = await deps.pairing.pair(
      { deviceId: proof.deviceId, publicKey: proof.publicKey, clientId: claim.client.id, clientMode: claim.client.mode, ...(claim.client.platform ? { platform: claim.client.platform } : {}), remoteIp: facts.ip },
      secret.id,
    );
    return { ok: true, principal, deviceToken };
  }
  let req: PendingRequest;
  try {
    // Waiting for approval is not a failure (no backoff).
    req = await deps.pairing.requestPairing({
      deviceId: proof.deviceId,
      publicKey: proof.publicKey,
      clientId: claim.client.id,
      clientMode: claim.client.mode,
      ...(claim.client.platform ? { platform: claim.client.platform } : {}),
      remoteIp: facts.ip,
    });
  } catch (e) {
    if (!(e instanceof GatewayError) || e.code !== "RATE_LIMITED") throw e;
    const reason = e.details?.code === "PAIRING_ADDRESS_SHARE_FULL" ? "PAIRING_ADDRESS_SHARE_FULL" : "PAIRING_QUEUE_FULL";
    return refuse(reason, "throttled", e.message, { ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}), ...who });
  }
  await deps.onPairingRequested(req);
  const as = secret?.id ?? "<principal>";
  return refuse("PAIRING_REQUIRED", "pending", `pairing required: an operator approves it with \`clawdbot devices approve ${proof.deviceId} --as ${as}\``, {
    ...who,
    details: { requestId: req.requestId, deviceId: proof.deviceId, expiresAtMs: req.expiresAtMs, approveWith: `clawdbot devices approve ${proof.deviceId} --as ${as}` },
  });
}

/** `Authorization: Bearer …` on HTTP: a shared/user token or password, or a device token. */
export async function identifyBearer(deps: Pick<IdentifyDeps, "auth" | "credentials" | "pairing" | "tailscale">, facts: ClientFacts): Promise<Identity> {
  if (facts.lockedOut) return lockedOut(facts);
  const { mode, allowTailscale } = deps.auth;
  if (mode === "none") {
    if (!facts.local) return refuse("AUTH_NONE_LOCAL_ONLY", "failure", 'gateway.auth.mode "none" admits only direct loopback clients');
    return { ok: true, principal: { id: deps.auth.principal, method: "none" } };
  }
  const h = facts.headers.authorization;
  const m = typeof h === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  if (!m) {
    if (mode === "tailscale" || allowTailscale) return identifyTailscale(deps.tailscale, facts.headers, facts.directPeer);
    return refuse("AUTH_TOKEN_MISSING", "failure", "missing Authorization: Bearer credentials");
  }
  const presented = m[1] as string;
  const p = matchSecret(deps.credentials, { token: presented, password: presented }) ?? byDeviceToken(deps.pairing, presented);
  if (p) return { ok: true, principal: p };
  return refuse("AUTH_TOKEN_MISMATCH", "failure", "invalid credentials");
}
