/**
 * The one catalogue of error codes. Wire codes (WebSocket `error.code`) and the
 * HTTP mapping live here so both transports answer a refusal the same way.
 */
export const ErrorCodes = [
  "INVALID_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_PAIRED",
  "RATE_LIMITED",
  "UNAVAILABLE",
  "APPROVAL_DENIED",
  "APPROVAL_TIMEOUT",
  "BLOCKED",
  "NOT_FOUND",
  "PAYLOAD_TOO_LARGE",
  "INTERNAL",
] as const;
export type ErrorCode = (typeof ErrorCodes)[number];

/** HTTP status and the `error.type` string used by the HTTP API for each code. */
export const HttpMapping: Record<ErrorCode, { status: number; type: string }> = {
  INVALID_REQUEST: { status: 400, type: "invalid_request" },
  UNAUTHORIZED: { status: 401, type: "unauthorized" },
  FORBIDDEN: { status: 403, type: "forbidden" },
  NOT_PAIRED: { status: 403, type: "not_paired" },
  RATE_LIMITED: { status: 429, type: "rate_limited" },
  UNAVAILABLE: { status: 503, type: "unavailable" },
  APPROVAL_DENIED: { status: 403, type: "approval_denied" },
  APPROVAL_TIMEOUT: { status: 403, type: "approval_timeout" },
  BLOCKED: { status: 403, type: "blocked" },
  NOT_FOUND: { status: 404, type: "not_found" },
  PAYLOAD_TOO_LARGE: { status: 413, type: "payload_too_large" },
  INTERNAL: { status: 500, type: "internal" },
};

/** A refusal or failure with a stable code. Messages must never contain secrets. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;
  readonly retryable: boolean | undefined;
  /** A WebSocket `res` with ok:false may also carry a payload (the `agent` method's final frame does). */
  readonly payload: unknown;
  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: Record<string, unknown>; retryAfterMs?: number; retryable?: boolean; cause?: unknown; payload?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "GatewayError";
    this.code = code;
    this.details = opts.details;
    this.retryAfterMs = opts.retryAfterMs;
    this.retryable = opts.retryable ?? (opts.retryAfterMs !== undefined ? true : undefined);
    this.payload = opts.payload;
  }

  /** The wire shape `{code,message,details?,retryable?,retryAfterMs?}`. */
  toWire(): Record<string, unknown> {
    const out: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.details !== undefined) out.details = this.details;
    if (this.retryable !== undefined) out.retryable = this.retryable;
    if (this.retryAfterMs !== undefined) out.retryAfterMs = this.retryAfterMs;
    return out;
  }
}

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}
