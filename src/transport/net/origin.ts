/**
 * Browser `Origin` checks for HTTP requests and the WebSocket upgrade.
 *
 * - No `Origin` header: allowed (CLIs, scripts and SDKs do not send one; they
 *   still have to authenticate).
 * - `Origin: null` (sandboxed frames, `file://`, some redirects): refused.
 * - Otherwise the origin must be exactly `scheme://host[:port]` and, after
 *   normalisation (lower case, IDN to punycode, default port dropped), equal
 *   one allowed entry. No suffix, prefix or wildcard-subdomain matching.
 * - `*` allows every well-formed origin, and only when configured explicitly;
 *   `clawdbot doctor` should warn about it (`wildcard` below).
 */

export type OriginDenyReason = "origin_not_allowed" | "origin_malformed";
export type OriginDecision = { ok: true } | { ok: false; reason: OriginDenyReason };

export type OriginParseResult = { ok: true; origin: string } | { ok: false; message: string };

/** `scheme://host[:port]`; no userinfo, path, query, fragment or whitespace. */
const ORIGIN_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#@\\\s]+)$/;
const MAX_ORIGIN = 2048;

/**
 * Normalise an origin. `kind: "config"` also accepts one trailing `/`, the way
 * people copy a URL from the address bar; a header never carries one.
 */
export function normalizeOrigin(value: string, kind: "header" | "config" = "header"): OriginParseResult {
  if (typeof value !== "string" || value === "") return { ok: false, message: "empty origin" };
  if (value.length > MAX_ORIGIN) return { ok: false, message: "origin too long" };
  const raw = kind === "config" && value.endsWith("/") ? value.slice(0, -1) : value;
  const m = ORIGIN_SHAPE.exec(raw);
  if (!m) return { ok: false, message: "expected scheme://host[:port] with no user, path, query or fragment" };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: "not a valid URL origin" };
  }
  if (url.username !== "" || url.password !== "" || url.host === "") {
    return { ok: false, message: "expected scheme://host[:port]" };
  }
  return { ok: true, origin: `${url.protocol.toLowerCase()}//${url.host.toLowerCase()}` };
}

export interface AllowedOriginsError {
  index: number;
  entry: string;
  message: string;
}

export interface CompiledOrigins {
  check(origin: string | undefined): OriginDecision;
  /** True when `*` is configured (doctor should warn). */
  readonly wildcard: boolean;
  readonly errors: AllowedOriginsError[];
}

/** Compile `gateway.allowedOrigins` once; bad entries are reported and never match. */
export function compileAllowedOrigins(entries: readonly string[]): CompiledOrigins {
  const allowed = new Set<string>();
  const errors: AllowedOriginsError[] = [];
  let wildcard = false;
  entries.forEach((entry, index) => {
    if (entry === "*") {
      wildcard = true;
      return;
    }
    if (typeof entry === "string" && entry.trim().toLowerCase() === "null") {
      errors.push({ index, entry, message: 'the "null" origin can never be allowed' });
      return;
    }
    const r = normalizeOrigin(entry, "config");
    if (r.ok) allowed.add(r.origin);
    else errors.push({ index, entry: String(entry), message: r.message });
  });
  const check = (origin: string | undefined): OriginDecision => {
    if (origin === undefined) return { ok: true };
    if (origin === "null") return { ok: false, reason: "origin_not_allowed" };
    const r = normalizeOrigin(origin, "header");
    if (!r.ok) return { ok: false, reason: "origin_malformed" };
    if (wildcard || allowed.has(r.origin)) return { ok: true };
    return { ok: false, reason: "origin_not_allowed" };
  };
  return { check, wildcard, errors };
}

export function checkOrigin(origin: string | undefined, allowed: string[]): OriginDecision {
  return compileAllowedOrigins(allowed).check(origin);
}

/**
 * The origin a browser sees for a page this server sent, when it can be told
 * safely: `Host` (or, from a trusted proxy, `X-Forwarded-Host` and
 * `X-Forwarded-Proto`). Returns undefined when the name could be an attacker's
 * (DNS rebinding): over plain http only an IP literal or `localhost` counts;
 * over https the certificate binds the name, so any host does. Other names
 * are added with `gateway.allowedOrigins`.
 */
export function pageOriginOf(headers: Record<string, string | string[] | undefined>, fromTrustedProxy: boolean): string | undefined {
  const first = (v: string | string[] | undefined): string | undefined => {
    const s = Array.isArray(v) ? v[0] : v;
    return typeof s === "string" ? s.split(",")[0]?.trim() : undefined;
  };
  const host = (fromTrustedProxy ? first(headers["x-forwarded-host"]) : undefined) ?? first(headers.host);
  const proto = fromTrustedProxy ? (first(headers["x-forwarded-proto"])?.toLowerCase() ?? "http") : "http";
  if (!host || (proto !== "http" && proto !== "https")) return undefined;
  const r = normalizeOrigin(`${proto}://${host}`);
  if (!r.ok) return undefined;
  if (proto === "https") return r.origin;
  const hostname = new URL(r.origin).hostname;
  const literal = /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith("[");
  return literal || hostname === "localhost" ? r.origin : undefined;
}

/** Whether a request's `Origin` is the page's own origin as derived by pageOriginOf. */
export function isPageOrigin(origin: string | undefined, pageOrigin: string | undefined): boolean {
  if (origin === undefined || pageOrigin === undefined) return false;
  const r = normalizeOrigin(origin);
  return r.ok && r.origin === pageOrigin;
}
