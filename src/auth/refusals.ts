/**
 * Why a client was not let in: the closed list of reasons `identify.ts`
 * returns, and how each is handled. A reader looking for why a connect or a
 * request was refused finds every reason here (docs/identities.md has the table).
 */
import { GatewayError, type ErrorCode } from "../core/errors.js";
import { DeviceRefusalCodes } from "./device-identity.js";

export const RefusalReasons = [
  ...DeviceRefusalCodes,
  "DEVICE_PUBLIC_KEY_MISMATCH",
  "DEVICE_TOKEN_MISMATCH",
  "AUTH_RATE_LIMITED",
  "AUTH_NONE_LOCAL_ONLY",
  "AUTH_TOKEN_MISSING",
  "AUTH_PASSWORD_MISSING",
  "AUTH_TOKEN_MISMATCH",
  "AUTH_PASSWORD_MISMATCH",
  "TAILSCALE_HEADER_MISSING",
  "TAILSCALE_NOT_LOOPBACK",
  "TAILSCALE_BAD_ADDRESS",
  "TAILSCALE_UNAVAILABLE",
  "TAILSCALE_WHOIS_FAILED",
  "TAILSCALE_LOGIN_MISMATCH",
  "PAIRING_REQUIRED",
  "PAIRING_QUEUE_FULL",
  "PAIRING_ADDRESS_SHARE_FULL",
  "AUDIT_UNAVAILABLE",
] as const;
export type RefusalReason = (typeof RefusalReasons)[number];

/**
 * How the caller treats a refusal:
 * - `failure`: a wrong or forged credential or proof — audited every time (`auth.failure`) and counted
 *   toward the address lockout.
 * - `throttled`: a limit said no (lockout, pairing backoff, pairing queue) — audited once per window.
 * - `pending`: the device waits for an operator's approval — not a failure.
 * - `unavailable`: the gateway cannot record what it would do (fail closed).
 */
export type RefusalKind = "failure" | "throttled" | "pending" | "unavailable";

export interface Refusal {
  reason: RefusalReason;
  kind: RefusalKind;
  message: string;
  retryAfterMs?: number;
  /** A device id the client claimed but did not prove (audit metadata only, never `actor.id`). */
  claimedDeviceId?: string;
  /** A device id whose key the client proved. */
  deviceId?: string;
  /** Extra wire details (the pairing request id, which limit refused). */
  details?: Record<string, unknown>;
}

const STATUS: Record<RefusalKind, ErrorCode> = {
  failure: "UNAUTHORIZED",
  throttled: "RATE_LIMITED",
  pending: "NOT_PAIRED",
  unavailable: "UNAVAILABLE",
};

/** The wire error for a refusal: its kind picks the code, its reason is `details.code`. */
export function refusalError(r: Refusal): GatewayError {
  return new GatewayError(STATUS[r.kind], r.message, {
    details: { code: r.reason, ...r.details },
    ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}),
  });
}
