/**
 * Who is the client? The direct TCP peer, unless that peer is a trusted proxy
 * that told us, in `X-Forwarded-For`, whom it forwarded for.
 *
 * Walk (see docs/network-and-limits.md):
 * 1. The direct peer is normalised (a zone id is stripped). If it is missing
 *    or unparseable the client is `"unknown"` and no header is read.
 * 2. An untrusted direct peer is the client; its headers are ignored entirely.
 * 3. A trusted direct peer: all `X-Forwarded-For` instances are joined with
 *    "," and read right to left. Trusted hops are skipped; the first untrusted
 *    hop is the client. If every hop is trusted, the left-most one is.
 * 4. A malformed entry stops the walk and the client is the last trusted hop
 *    seen: we cannot tell who is behind a hop that wrote garbage, so we
 *    blame the nearest address we can vouch for (conservative: limits apply
 *    to that hop; nobody can hide behind garbage).
 */
import { isLoopback, normalizeIp } from "./ip.js";

export interface ClientAddress {
  /** Client address, canonical (`ip.ts`), or `"unknown"`. */
  ip: string;
  /** True when the address came from `X-Forwarded-For` through a trusted proxy. */
  proxied: boolean;
  /** Trusted proxies traversed, nearest first (the direct peer first). Empty when not proxied. */
  via: string[];
}

export interface ResolveClientAddressOptions {
  remoteAddress: string | undefined;
  forwardedFor: string | string[] | undefined;
  isTrusted: (addr: string) => boolean;
}

export const UNKNOWN_CLIENT = "unknown";

/** More hops than this and the header is treated as malformed where the walk reaches it. */
export const MAX_FORWARDED_HOPS = 32;

export function resolveClientAddress(opts: ResolveClientAddressOptions): ClientAddress {
  const direct = opts.remoteAddress === undefined ? null : normalizeIp(opts.remoteAddress, { zone: "strip" });
  if (direct === null) return { ip: UNKNOWN_CLIENT, proxied: false, via: [] };
  if (!safeTrusted(opts.isTrusted, direct)) return { ip: direct, proxied: false, via: [] };

  const hops = splitForwardedFor(opts.forwardedFor);
  if (hops.length === 0) return { ip: direct, proxied: false, via: [] };

  const via = [direct];
  const lowest = Math.max(0, hops.length - MAX_FORWARDED_HOPS);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = i >= lowest ? normalizeIp(hops[i] as string) : null;
    if (hop === null) return { ip: via[via.length - 1] as string, proxied: true, via };
    if (!safeTrusted(opts.isTrusted, hop)) return { ip: hop, proxied: true, via };
    via.push(hop);
  }
  // Every hop trusted: the left-most one is the client.
  const client = via.pop() as string;
  return { ip: client, proxied: true, via };
}

/**
 * True only for a loopback direct peer whose request was not forwarded:
 * no `X-Forwarded-For` honoured, and — when the caller passes the request
 * headers — no forwarding header at all (`Forwarded`, `X-Forwarded-*`,
 * `X-Real-IP`). A local reverse proxy that forgets `X-Forwarded-For` still
 * sends `X-Forwarded-Proto` (the guide's nginx example does exactly that), and
 * must not turn every remote client into a "local" one.
 */
export function isLocalRequest(
  res: ClientAddress,
  directPeer: string | undefined,
  headers?: Record<string, string | string[] | undefined>,
): boolean {
  if (res.proxied || directPeer === undefined) return false;
  const direct = normalizeIp(directPeer, { zone: "strip" });
  if (direct === null || direct !== res.ip || !isLoopback(direct)) return false;
  if (headers !== undefined && hasForwardingHeader(headers)) return false;
  return true;
}

const FORWARDING_HEADERS = new Set([
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-forwarded-server",
  "x-real-ip",
  "x-client-ip",
  "true-client-ip",
  "cf-connecting-ip",
]);

export function hasForwardingHeader(headers: Record<string, string | string[] | undefined>): boolean {
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && FORWARDING_HEADERS.has(name.toLowerCase())) return true;
  }
  return false;
}

/**
 * A request that went through a proxy (it carries a forwarding header such as
 * `X-Forwarded-Proto`) but names no client (`X-Forwarded-For`, `Forwarded: for=`):
 * the proxy's own address is all the gateway can see, so every client behind it
 * shares its rate limits and lockouts. The guide's nginx block does exactly this.
 */
export function forwardedWithoutClientAddress(headers: Record<string, string | string[] | undefined>): boolean {
  if (headers["x-forwarded-for"] !== undefined) return false;
  const fwd = headers["forwarded"];
  if (fwd !== undefined && /(^|[;,\s])for=/i.test(Array.isArray(fwd) ? fwd.join(",") : fwd)) return false;
  return hasForwardingHeader(headers);
}

function splitForwardedFor(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(",") : value;
  if (typeof joined !== "string" || joined.trim() === "") return [];
  return joined.split(",").map((s) => s.trim());
}

function safeTrusted(isTrusted: (addr: string) => boolean, addr: string): boolean {
  try {
    return isTrusted(addr) === true;
  } catch {
    return false;
  }
}
