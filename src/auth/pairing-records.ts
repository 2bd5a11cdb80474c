/** Building and checking pairing records: input checks, a new pairing with its device token, the public view. */
import { createHash } from "node:crypto";
import { generateDeviceToken } from "./credentials.js";
import { GatewayError } from "../core/errors.js";
import { decodeBase64Url, deviceIdFromPublicKey } from "./device-identity.js";
import { MAX_TEXT } from "./pairing-files.js";
import type { PairedDeviceView, PairedRecord, PendingRequest } from "./pairing-files.js";

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

export function toView(r: PairedRecord): PairedDeviceView {
  const view: PairedDeviceView = {
    deviceId: r.deviceId,
    publicKey: r.publicKey,
    principal: r.principal,
    clientId: r.clientId,
    clientMode: r.clientMode,
    approvedAtMs: r.approvedAtMs,
    tokenIssuedAtMs: r.tokenIssuedAtMs,
  };
  if (r.platform !== undefined) view.platform = r.platform;
  return view;
}

export function checkText(name: string, value: unknown, allowEmpty = false): string {
  if (typeof value !== "string" || (!allowEmpty && value.length === 0) || value.length > MAX_TEXT) {
    throw new GatewayError("INVALID_REQUEST", `${name} must be a string of 1-${MAX_TEXT} characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new GatewayError("INVALID_REQUEST", `${name} must not contain control characters`);
  }
  return value;
}

/** The id must be the SHA-256 of the 32-byte key. */
export function checkDeviceKey(input: { deviceId: unknown; publicKey: unknown }): { deviceId: string; publicKey: string } {
  const deviceId = checkText("deviceId", input.deviceId);
  const publicKey = checkText("publicKey", input.publicKey);
  const raw = decodeBase64Url(publicKey);
  if (raw === undefined || raw.length !== 32 || deviceIdFromPublicKey(raw) !== deviceId) {
    throw new GatewayError("INVALID_REQUEST", "deviceId is not the SHA-256 of publicKey");
  }
  return { deviceId, publicKey };
}

/** A pairing record bound to `principal`, with a fresh device token (returned once; only its hash is kept). */
export function newPairing(
  d: Pick<PendingRequest, "deviceId" | "publicKey" | "clientId" | "clientMode" | "platform">,
  principal: string,
  now: number,
): { record: PairedRecord; deviceToken: string } {
  const deviceToken = generateDeviceToken();
  const record: PairedRecord = {
    deviceId: d.deviceId,
    publicKey: d.publicKey,
    principal,
    clientId: d.clientId,
    clientMode: d.clientMode,
    ...(d.platform !== undefined ? { platform: d.platform } : {}),
    approvedAtMs: now,
    tokenIssuedAtMs: now,
    tokenHash: sha256Hex(deviceToken),
  };
  return { record, deviceToken };
}
