/**
 * Vendor SDK errors → ProviderError. Both SDKs share the same error family (APIError with status and
 * headers; APIConnectionError, its timeout subclass, APIUserAbortError); an adapter passes its SDK's classes
 * so this module never imports an SDK itself (they load lazily).
 *
 * Messages are ours plus the vendor's short reason, with the API key (and anything shaped like a key)
 * removed: vendors echo keys in 401 bodies ("Incorrect API key provided: sk-…").
 */
import { ProviderError, type ProviderErrorKind } from "./types.js";

type ErrorClass = abstract new (...args: never[]) => Error;

export interface SdkErrorClasses {
  APIError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  APIUserAbortError: ErrorClass;
}

interface ApiErrorShape {
  status?: number;
  headers?: Headers;
  error?: unknown;
  type?: string;
}

const MAX_REASON_CHARS = 300;
/** Key-shaped runs: vendor prefixes (sk-, sk-ant-, gsk_, xai-…) and long opaque tokens. */
const KEY_SHAPED = /\b(?:sk|gsk|xai|pk|rk)[-_][A-Za-z0-9_*-]{6,}|\b[A-Za-z0-9_-]{40,}\b/g;

/** Removes the key (and key-shaped text) from a vendor-supplied string, and bounds its length. */
export function scrub(text: string, apiKey: string | undefined): string {
  let out = text;
  if (apiKey && apiKey.length >= 4) out = out.split(apiKey).join("[redacted]");
  out = out.replace(KEY_SHAPED, "[redacted]").replace(/\s+/g, " ").trim();
  return out.length > MAX_REASON_CHARS ? `${out.slice(0, MAX_REASON_CHARS)}…` : out;
}

/** Seconds to wait from `retry-after-ms` or `retry-after` (delta-seconds or an HTTP date). */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms) / 1000;
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  if (!/^[A-Za-z]{3}, /.test(value)) return undefined; // an HTTP date ("Sun, 29 Nov 2026 04:00:30 GMT")
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 429) return "rate_limited";
  if (status === 408 || status >= 500) return "server";
  return "bad_request";
}

/** Error types sent inside a stream (Anthropic `event: error`), which carry no HTTP status. */
function kindForStreamType(type: string | undefined): ProviderErrorKind {
  switch (type) {
    case "overloaded_error":
    case "api_error":
    case "server_error":
      return "server";
    case "rate_limit_error":
      return "rate_limited";
    case "authentication_error":
    case "permission_error":
      return "auth";
    case "invalid_request_error":
    case "request_too_large":
    case "not_found_error":
      return "bad_request";
    default:
      return "protocol";
  }
}

/** The vendor's own one-line reason from an error body (both vendors nest it under `error.message`). */
function vendorReason(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  const b = body as { message?: unknown; error?: { message?: unknown; type?: unknown } };
  const m = b.error?.message ?? b.message;
  return typeof m === "string" ? m : undefined;
}

function bodyType(body: unknown): string | undefined {
  const t = (body as { error?: { type?: unknown } } | undefined)?.error?.type;
  return typeof t === "string" ? t : undefined;
}

const causeCode = (err: Error): string | undefined => {
  const c = (err as { cause?: { code?: unknown; cause?: { code?: unknown } } }).cause;
  const code = c?.code ?? c?.cause?.code;
  return typeof code === "string" ? code : undefined;
};

/**
 * Maps anything a provider call threw to a ProviderError. `label` names the provider (`anthropic`),
 * never a URL or key.
 */
export function toProviderError(
  err: unknown,
  ctx: { label: string; apiKey: string | undefined; signal: AbortSignal; classes: SdkErrorClasses; timedOut?: boolean },
): ProviderError {
  if (err instanceof ProviderError) return err;
  const { label, classes } = ctx;
  if (ctx.timedOut) return new ProviderError("network", `${label}: the model call timed out`);
  if (ctx.signal.aborted || err instanceof classes.APIUserAbortError || (err as Error)?.name === "AbortError")
    return new ProviderError("aborted", `${label}: the model call was aborted`);
  if (err instanceof classes.APIConnectionTimeoutError) return new ProviderError("network", `${label}: the model call timed out`);
  if (err instanceof classes.APIConnectionError) {
    const code = causeCode(err);
    return new ProviderError("network", `${label}: could not reach the model API${code ? ` (${code})` : ""}`);
  }
  if (err instanceof classes.APIError) {
    const e = err as ApiErrorShape;
    const reason = vendorReason(e.error);
    const tail = reason ? `: ${scrub(reason, ctx.apiKey)}` : "";
    if (typeof e.status === "number") {
      const kind = kindForStatus(e.status);
      return new ProviderError(kind, `${label}: HTTP ${e.status}${tail}`, e.status, parseRetryAfter(e.headers));
    }
    const type = e.type ?? bodyType(e.error);
    return new ProviderError(kindForStreamType(type), `${label}: error in stream (${type ?? "unknown"})${tail}`);
  }
  // A body cut off mid-stream surfaces from fetch (undici) as TypeError("terminated") with a socket cause.
  const code = err instanceof Error ? causeCode(err) : undefined;
  if (code && /^(UND_ERR_|E[A-Z]+$)/.test(code)) return new ProviderError("network", `${label}: the connection broke (${code})`);
  if (err instanceof SyntaxError) return new ProviderError("protocol", `${label}: malformed response from the model API`);
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError("protocol", `${label}: ${scrub(message, ctx.apiKey)}`);
}
