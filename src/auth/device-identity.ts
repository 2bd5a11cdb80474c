/**
 * Device identity proof (WebSocket `connect` step 3), compatible with
 * OpenClaw clients (`openclaw-node` `buildSignedDevice`).
 *
 * The client signs, with its Ed25519 key, the UTF-8 text
 *   v2|deviceId|clientId|clientMode|role|scopes.join(",")|signedAt|token ?? ""|nonce
 * and sends `{ id, publicKey, signature, signedAt, nonce }` where `id` is the hex
 * SHA-256 of the raw 32-byte public key and `publicKey`/`signature` are unpadded
 * base64url. The server rebuilds the text from the connect params it received
 * and the nonce of the challenge it sent, so nothing the client claims is trusted
 * beyond what the signature covers.
 */
import { createHash, createPublicKey, timingSafeEqual, verify } from "node:crypto";
import type { KeyObject } from "node:crypto";

/** The closed list of reasons a device proof is refused. */
export const DeviceRefusalCodes = [
  "DEVICE_INVALID",
  "DEVICE_ID_MISMATCH",
  "DEVICE_NONCE_MISMATCH",
  "DEVICE_SIGNATURE_STALE",
  "DEVICE_SIGNATURE_INVALID",
  "DEVICE_PUBLIC_KEY_INVALID",
] as const;
export type DeviceRefusalCode = (typeof DeviceRefusalCodes)[number];

export interface DeviceProofInput {
  /** The untrusted `device` block from the connect params. */
  device: unknown;
  /** The nonce of the `connect.challenge` this connection was sent. */
  expectedNonce: string;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: string[];
  /** Whatever the client put in `auth.token` (shared token or device token), if anything. */
  token: string | undefined;
  /** Server time, ms epoch. */
  now: number;
  /** Allowed distance between `signedAt` and `now`, both directions. Default 120 000. */
  maxSkewMs?: number;
}

export type DeviceProofResult =
  | { ok: true; deviceId: string; publicKey: string }
  | { ok: false; code: DeviceRefusalCode; message: string };

export const DEFAULT_MAX_SKEW_MS = 120_000;
const SIGNATURE_VERSION = "v2";
const MAX_NONCE_LENGTH = 256;
const KEY_CACHE_MAX = 1024;
/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const DEVICE_ID_RE = /^[0-9a-f]{64}$/;
const BASE64URL_RE = /^[A-Za-z0-9_-]+$/;

/** Hex SHA-256 of the raw 32-byte Ed25519 public key: the device id. */
export function deviceIdFromPublicKey(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex");
}

/**
 * Decodes strict, canonical, unpadded base64url. Returns undefined for any
 * other alphabet, padding, or a non-canonical encoding (stray trailing bits),
 * so one key or signature has exactly one accepted spelling.
 */
export function decodeBase64Url(text: string): Buffer | undefined {
  if (!BASE64URL_RE.test(text)) return undefined;
  const buf = Buffer.from(text, "base64url");
  return buf.toString("base64url") === text ? buf : undefined;
}

/** Rebuilds the exact text an OpenClaw client signs. */
export function buildDeviceSignaturePayload(fields: {
  deviceId: string;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: readonly string[];
  signedAt: number;
  token: string | undefined;
  nonce: string;
}): string {
  return [
    SIGNATURE_VERSION,
    fields.deviceId,
    fields.clientId,
    fields.clientMode,
    fields.role,
    fields.scopes.join(","),
    String(fields.signedAt),
    fields.token ?? "",
    fields.nonce,
  ].join("|");
}

/** A small LRU of parsed public keys, keyed by their base64url text. */
const keyCache = new Map<string, KeyObject>();

function publicKeyObject(publicKey: string, raw: Buffer): KeyObject | undefined {
  const cached = keyCache.get(publicKey);
  if (cached !== undefined) {
    keyCache.delete(publicKey);
    keyCache.set(publicKey, cached);
    return cached;
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
  } catch {
    return undefined;
  }
  keyCache.set(publicKey, key);
  if (keyCache.size > KEY_CACHE_MAX) {
    const oldest = keyCache.keys().next().value;
    if (oldest !== undefined) keyCache.delete(oldest);
  }
  return key;
}

/** For tests: how many parsed keys are cached (bounded by 1024). */
export function cachedPublicKeyCount(): number {
  return keyCache.size;
}

function refuse(code: DeviceRefusalCode, message: string): DeviceProofResult {
  return { ok: false, code, message };
}

function constantTimeEqualText(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(ha, hb);
}

/** A signed field that would let the `|`-joined text be split two ways. */
function ambiguousField(input: DeviceProofInput): string | undefined {
  const named: Array<[string, string]> = [
    ["client.id", input.clientId],
    ["client.mode", input.clientMode],
    ["role", input.role],
  ];
  for (const [name, value] of named) if (value.includes("|")) return name;
  if (input.scopes.some((s) => s.includes("|") || s.includes(","))) return "scopes";
  return undefined;
}

/**
 * Verifies a connect `device` block. Never throws for bad input: every refusal
 * is a value with a code from {@link DeviceRefusalCodes} and a message that
 * contains no secret (the token is never echoed).
 */
export function verifyDeviceProof(input: DeviceProofInput): DeviceProofResult {
  const d = input.device;
  if (typeof d !== "object" || d === null || Array.isArray(d)) {
    return refuse("DEVICE_INVALID", "device must be an object");
  }
  const { id, publicKey, signature, signedAt, nonce } = d as Record<string, unknown>;
  if (typeof id !== "string" || !DEVICE_ID_RE.test(id)) {
    return refuse("DEVICE_INVALID", "device.id must be 64 lowercase hex characters");
  }
  if (typeof publicKey !== "string") {
    return refuse("DEVICE_INVALID", "device.publicKey must be a string");
  }
  if (typeof signature !== "string") {
    return refuse("DEVICE_INVALID", "device.signature must be a string");
  }
  if (typeof signedAt !== "number" || !Number.isFinite(signedAt)) {
    return refuse("DEVICE_INVALID", "device.signedAt must be a finite number (ms epoch)");
  }
  if (typeof nonce !== "string" || nonce.length === 0 || nonce.length > MAX_NONCE_LENGTH) {
    return refuse("DEVICE_INVALID", "device.nonce must be a non-empty string");
  }
  const sig = decodeBase64Url(signature);
  if (sig === undefined || sig.length !== 64) {
    return refuse("DEVICE_INVALID", "device.signature must be 64 bytes of unpadded base64url");
  }
  const ambiguous = ambiguousField(input);
  if (ambiguous !== undefined) {
    return refuse("DEVICE_INVALID", `${ambiguous} contains a separator character and cannot be signed unambiguously`);
  }
  const raw = decodeBase64Url(publicKey);
  if (raw === undefined || raw.length !== 32) {
    return refuse("DEVICE_PUBLIC_KEY_INVALID", "device.publicKey must be 32 bytes of unpadded base64url");
  }
  if (deviceIdFromPublicKey(raw) !== id) {
    return refuse("DEVICE_ID_MISMATCH", "device.id is not the SHA-256 of device.publicKey");
  }
  if (!constantTimeEqualText(nonce, input.expectedNonce)) {
    return refuse("DEVICE_NONCE_MISMATCH", "device.nonce does not match this connection's challenge");
  }
  const maxSkewMs = input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(input.now - signedAt) > maxSkewMs) {
    return refuse("DEVICE_SIGNATURE_STALE", `device.signedAt is more than ${maxSkewMs} ms from server time`);
  }
  const key = publicKeyObject(publicKey, raw);
  if (key === undefined) {
    return refuse("DEVICE_PUBLIC_KEY_INVALID", "device.publicKey is not a usable Ed25519 key");
  }
  const payload = buildDeviceSignaturePayload({
    deviceId: id,
    clientId: input.clientId,
    clientMode: input.clientMode,
    role: input.role,
    scopes: input.scopes,
    signedAt,
    token: input.token,
    nonce: input.expectedNonce,
  });
  let valid = false;
  try {
    valid = verify(null, Buffer.from(payload, "utf8"), key, sig);
  } catch {
    valid = false;
  }
  if (!valid) {
    return refuse("DEVICE_SIGNATURE_INVALID", "device.signature does not verify for the connect parameters");
  }
  return { ok: true, deviceId: id, publicKey };
}
