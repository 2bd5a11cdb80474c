/**
 * IP address parsing and normalisation, CIDR ranges, loopback detection.
 *
 * One canonical text form per address, so that rate-limit keys, audit
 * `remoteIp` and trusted-proxy matching agree:
 * - IPv4: dotted quad, decimal, no leading zeros (`010.0.0.1` is refused:
 *   some parsers read it as octal).
 * - IPv6: RFC 5952 (lower-case, leading zeros dropped, the longest run of
 *   two or more zero groups compressed to `::`), brackets stripped.
 * - IPv4-mapped IPv6 (`::ffff:1.2.3.4`, `::ffff:102:304`) becomes IPv4: it is
 *   the same peer, and a dual-stack socket reports IPv4 clients that way.
 * - Zone ids (`fe80::1%eth0`) are refused by default. The direct socket peer
 *   may carry one (link-local peers); callers pass `zone: "strip"` for it.
 *   A zone never appears in a forwarded header or in configuration.
 * - Ports are never part of an address (`1.2.3.4:80` is refused).
 */

export type IpFamily = 4 | 6;

export interface ParsedIp {
  readonly family: IpFamily;
  /** Canonical text form. */
  readonly address: string;
  /** 4 bytes for IPv4, 16 for IPv6. */
  readonly bytes: Uint8Array;
}

export type IpParseResult = { ok: true; ip: ParsedIp } | { ok: false; message: string };

export interface ParseIpOptions {
  /** What to do with an IPv6 zone id (`%eth0`). Default `"refuse"`. */
  zone?: "refuse" | "strip";
}

const MAX_INPUT = 64;

export function parseIp(input: string, opts: ParseIpOptions = {}): IpParseResult {
  if (typeof input !== "string") return fail("not a string");
  let s = input.trim();
  if (s === "") return fail("empty address");
  if (s.length > MAX_INPUT) return fail("address too long");
  if (s.startsWith("[") || s.endsWith("]")) {
    if (!(s.startsWith("[") && s.endsWith("]"))) return fail("unbalanced brackets (ports are not accepted)");
    s = s.slice(1, -1);
    if (!s.includes(":")) return fail("brackets are only for IPv6 addresses");
  }
  const pct = s.indexOf("%");
  if (pct !== -1) {
    if ((opts.zone ?? "refuse") === "refuse") return fail("IPv6 zone ids are not accepted");
    const zone = s.slice(pct + 1);
    if (!/^[A-Za-z0-9_.-]+$/.test(zone)) return fail("malformed IPv6 zone id");
    s = s.slice(0, pct);
    if (!s.includes(":")) return fail("zone ids are only for IPv6 addresses");
  }
  if (!s.includes(":")) {
    const v4 = parseV4(s);
    return v4 ? ok(4, v4) : fail("not a valid IPv4 address (dotted decimal, no leading zeros, no port)");
  }
  const v6 = parseV6(s);
  if (!v6) return fail("not a valid IPv6 address");
  if (isMappedV4(v6)) return ok(4, v6.slice(12));
  return ok(6, v6);
}

/** Canonical form of an address, or `null` when it is not one. */
export function normalizeIp(input: string, opts: ParseIpOptions = {}): string | null {
  const r = parseIp(input, opts);
  return r.ok ? r.ip.address : null;
}

export interface Cidr {
  readonly family: IpFamily;
  readonly network: Uint8Array;
  readonly prefix: number;
  /** Canonical `address/prefix`. */
  readonly text: string;
}

export type CidrParseResult = { ok: true; cidr: Cidr } | { ok: false; message: string };

/**
 * `"10.0.0.0/8"`, `"2001:db8::/32"`, or a bare address (a /32 or /128).
 * Host bits set below the prefix (`10.0.0.1/8`) are an error: the entry
 * probably does not mean what its author thinks. An IPv4-mapped range
 * (`::ffff:10.0.0.0/104`) is turned into its IPv4 range; other IPv6 ranges
 * never match IPv4 peers (mapped peers are IPv4 after normalisation).
 */
export function parseCidr(input: string): CidrParseResult {
  if (typeof input !== "string") return { ok: false, message: "not a string" };
  const s = input.trim();
  const slash = s.indexOf("/");
  const addrText = slash === -1 ? s : s.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip.ok) return { ok: false, message: ip.message };
  const rawFamily: IpFamily = addrText.includes(":") ? 6 : 4;
  const rawMax = rawFamily === 4 ? 32 : 128;
  let prefix = rawMax;
  if (slash !== -1) {
    const p = s.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return { ok: false, message: `prefix length "${p}" is not a number` };
    prefix = Number(p);
    if (prefix > rawMax) return { ok: false, message: `prefix length ${prefix} exceeds ${rawMax} for IPv${rawFamily}` };
  }
  const family = ip.ip.family;
  if (rawFamily === 6 && family === 4) {
    if (prefix < 96) return { ok: false, message: "an IPv4-mapped range needs a prefix of at least 96; write it as IPv4" };
    prefix -= 96;
  }
  const network = ip.ip.bytes;
  if (!hostBitsClear(network, prefix)) {
    const masked = maskBytes(network, prefix);
    return {
      ok: false,
      message: `host bits are set below /${prefix}; did you mean ${formatBytes(masked)}/${prefix}?`,
    };
  }
  return { ok: true, cidr: { family, network, prefix, text: `${ip.ip.address}/${prefix}` } };
}

/** Whether `addr` (any accepted form) lies in `cidr`. Unparseable addresses are outside. */
export function cidrContains(cidr: Cidr, addr: string | ParsedIp): boolean {
  const ip = typeof addr === "string" ? parseIp(addr, { zone: "strip" }) : { ok: true as const, ip: addr };
  if (!ip.ok || ip.ip.family !== cidr.family) return false;
  return prefixEqual(cidr.network, ip.ip.bytes, cidr.prefix);
}

const LOOPBACK_V4 = mustCidr("127.0.0.0/8");
const LOOPBACK_V6 = mustCidr("::1");

/** 127.0.0.0/8, ::1, and their IPv4-mapped forms. Unparseable → false. */
export function isLoopback(addr: string): boolean {
  const ip = parseIp(addr, { zone: "strip" });
  if (!ip.ok) return false;
  return cidrContains(LOOPBACK_V4, ip.ip) || cidrContains(LOOPBACK_V6, ip.ip);
}

/**
 * The key under which per-address limits count a client: the IPv4 address,
 * or the /64 network of an IPv6 address (one subscriber usually holds a whole
 * /64, so per-address keys would let it rotate through 2^64 addresses).
 */
export function addressKey(addr: string, ipv6Prefix = 64): string {
  const ip = parseIp(addr, { zone: "strip" });
  if (!ip.ok) return addr;
  if (ip.ip.family === 4) return ip.ip.address;
  return `${formatBytes(maskBytes(ip.ip.bytes, ipv6Prefix))}/${ipv6Prefix}`;
}

export interface TrustedProxyError {
  index: number;
  entry: string;
  message: string;
}

/** Compile `gateway.trustedProxies`; every bad entry is reported, none is silently dropped. */
export function compileTrustedProxies(entries: string[]): {
  matcher: (addr: string) => boolean;
  errors: TrustedProxyError[];
} {
  const cidrs: Cidr[] = [];
  const errors: TrustedProxyError[] = [];
  entries.forEach((entry, index) => {
    if (typeof entry !== "string") {
      errors.push({ index, entry: String(entry), message: "not a string" });
      return;
    }
    if (/^[A-Za-z][A-Za-z0-9.-]*$/.test(entry.trim()) && !entry.includes(":")) {
      errors.push({ index, entry, message: "host names are not accepted; use an IP address or CIDR range" });
      return;
    }
    const r = parseCidr(entry);
    if (r.ok) cidrs.push(r.cidr);
    else errors.push({ index, entry, message: r.message });
  });
  const matcher = (addr: string): boolean => {
    const ip = parseIp(addr, { zone: "strip" });
    if (!ip.ok) return false;
    return cidrs.some((c) => cidrContains(c, ip.ip));
  };
  return { matcher, errors };
}

// ---- internals ----

function ok(family: IpFamily, bytes: Uint8Array): IpParseResult {
  return { ok: true, ip: { family, bytes, address: formatBytes(bytes) } };
}

function fail(message: string): IpParseResult {
  return { ok: false, message };
}

function mustCidr(s: string): Cidr {
  const r = parseCidr(s);
  if (!r.ok) throw new Error(`bad built-in range ${s}`);
  return r.cidr;
}

function parseV4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return null;
  const dbl = s.indexOf("::");
  if (dbl !== -1 && s.indexOf("::", dbl + 1) !== -1) return null;
  const groups: number[] = [];
  const parseSide = (side: string, allowV4Tail: boolean): number[] | null => {
    if (side === "") return [];
    const parts = side.split(":");
    const out: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (i === parts.length - 1 && allowV4Tail && p.includes(".")) {
        const v4 = parseV4(p);
        if (!v4) return null;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!/^[0-9A-Fa-f]{1,4}$/.test(p)) return null;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  if (dbl === -1) {
    const all = parseSide(s, true);
    if (!all || all.length !== 8) return null;
    groups.push(...all);
  } else {
    const head = parseSide(s.slice(0, dbl), false);
    const tail = parseSide(s.slice(dbl + 2), true);
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

function isMappedV4(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function formatBytes(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] as number) << 8) | (b[i + 1] as number));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLen).join(":");
  return `${head}::${tail}`;
}

function maskBytes(b: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = (b[i] as number) & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

function hostBitsClear(b: Uint8Array, prefix: number): boolean {
  const m = maskBytes(b, prefix);
  return m.every((v, i) => v === b[i]);
}

function prefixEqual(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  const ma = maskBytes(a, prefix);
  const mb = maskBytes(b, prefix);
  return ma.every((v, i) => v === mb[i]);
}
