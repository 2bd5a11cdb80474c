/**
 * Network exposure: loopback bind or TLS at a trusted proxy, sane trusted
 * proxy ranges, no wildcard origins, rate limiting on and near the guide's numbers.
 * Guide: "Set up TLS termination", "Configure trusted proxies", "Review rate limiting settings".
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { isLoopbackBind } from "../../config/index.js";
import { PROXY_NOTICE_FILE, type ProxyNoticeRecord } from "../../app/proxy-notice.js";
import { cidrContains, compileTrustedProxies, isLoopback, parseCidr } from "../../transport/net/ip.js";
import type { Cidr } from "../../transport/net/ip.js";
import { skippedForInvalidConfig } from "../skipped.js";
import type { DoctorContext, Finding } from "../types.js";

/** Trusted ranges wider than these let nearly anyone forge X-Forwarded-For. */
export const MIN_PROXY_PREFIX = { 4: 8, 6: 16 } as const;
/** Ten times the guide's numbers (100 requests a minute, 50 connections): beyond this the limit does not limit. */
export const MAX_REQUESTS_PER_MINUTE = 1_000;
export const MAX_CONNECTIONS = 500;

const TLS_FIX = "set up TLS termination at a reverse proxy and list it in gateway.trustedProxies (or bind 127.0.0.1)";

export async function networkCheck(ctx: DoctorContext): Promise<Finding[]> {
  if (!ctx.loaded) return [skippedForInvalidConfig("network")];
  const gw = ctx.loaded.config.gateway;
  return [
    ...bindFindings(gw.bind, usableProxies(gw.trustedProxies), gw.auth.mode === "tailscale"),
    ...proxyFindings(gw.trustedProxies),
    ...(await forwardedFindings(ctx.stateDir)),
    ...originFindings(gw.allowedOrigins),
    ...rateLimitFindings(gw.rateLimit),
  ];
}

/** What the running gateway observed (src/app/proxy-notice.ts): a proxy that forwards without X-Forwarded-For. */
async function forwardedFindings(stateDir: string): Promise<Finding[]> {
  let record: ProxyNoticeRecord;
  try {
    record = JSON.parse(await readFile(path.join(stateDir, PROXY_NOTICE_FILE), "utf8")) as ProxyNoticeRecord;
  } catch {
    return [];
  }
  const proxy = typeof record.proxy === "string" ? record.proxy : "a proxy";
  const since = typeof record.seenAt === "string" ? ` (seen ${record.seenAt})` : "";
  return [
    {
      check: "network",
      id: "network.forwarded-for",
      status: "warn",
      subject: path.join(stateDir, PROXY_NOTICE_FILE),
      message: `requests forwarded by ${proxy} carry no X-Forwarded-For${since}: every client behind it shares its address, rate limits and lockouts`,
      fix: "add `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` to the proxy (docs/tls.md) and list it in gateway.trustedProxies",
    },
  ];
}

/** Entries that are valid and narrow: only these count as evidence of a TLS-terminating proxy. */
function usableProxies(entries: readonly string[]): Cidr[] {
  const { errors } = compileTrustedProxies([...entries]);
  const bad = new Set(errors.map((e) => e.index));
  const out: Cidr[] = [];
  entries.forEach((entry, i) => {
    const r = bad.has(i) ? undefined : parseCidr(entry);
    if (r?.ok && r.cidr.prefix >= MIN_PROXY_PREFIX[r.cidr.family]) out.push(r.cidr);
  });
  return out;
}

/** Tailscale's address ranges: traffic to them travels inside the tailnet's WireGuard tunnels. */
const TAILNET = ["100.64.0.0/10", "fd7a:115c:a1e0::/48"].map((c) => {
  const r = parseCidr(c);
  if (!r.ok) throw new Error(`bad built-in range ${c}`);
  return r.cidr;
});

function bindFindings(bind: string, proxies: readonly Cidr[], tailscale: boolean): Finding[] {
  const subject = "gateway.bind";
  if (isLoopbackBind(bind)) return [{ check: "network", id: "network.bind", status: "pass", subject, message: `bound to loopback (${bind}) only` }];
  if (tailscale && TAILNET.some((c) => cidrContains(c, bind))) {
    return [{ check: "network", id: "network.bind", status: "pass", subject, message: `bound to the tailnet address ${bind} (traffic is encrypted by WireGuard)` }];
  }
  if (proxies.length === 0) {
    return [
      {
        check: "network",
        id: "network.bind",
        status: "fail",
        subject,
        message: `bound to ${bind} with no (valid, narrow) trusted proxy: clients reach the gateway without TLS`,
        fix: TLS_FIX,
      },
    ];
  }
  if (proxies.every((c) => isLoopback(c.text.split("/")[0] ?? c.text))) {
    return [
      {
        check: "network",
        id: "network.bind",
        status: "warn",
        subject,
        message: `the proxy is local, but the gateway listens on ${bind}, so clients can bypass it (and TLS)`,
        fix: "bind 127.0.0.1 so only the local proxy reaches the gateway, or firewall the port",
      },
    ];
  }
  return [{ check: "network", id: "network.bind", status: "pass", subject, message: `bound to ${bind} behind a trusted proxy (TLS expected there)` }];
}

function proxyFindings(entries: readonly string[]): Finding[] {
  const out: Finding[] = [];
  const { errors } = compileTrustedProxies([...entries]);
  const bad = new Set(errors.map((e) => e.index));
  for (const e of errors) {
    out.push({
      check: "network",
      id: "network.trusted-proxies",
      status: "fail",
      subject: `gateway.trustedProxies[${e.index}]`,
      message: `invalid entry: ${e.message}`,
      fix: 'use an IP address or CIDR range, e.g. "10.0.0.0/8"',
    });
  }
  entries.forEach((entry, i) => {
    if (bad.has(i)) return;
    const r = parseCidr(entry);
    if (!r.ok) return;
    const min = MIN_PROXY_PREFIX[r.cidr.family];
    if (r.cidr.prefix < min) {
      out.push({
        check: "network",
        id: "network.trusted-proxies",
        status: "fail",
        subject: `gateway.trustedProxies[${i}]`,
        message: `${r.cidr.text} trusts X-Forwarded-For from ${r.cidr.prefix === 0 ? "every address" : "a huge range"}: clients can forge their address and dodge rate limits`,
        fix: `list only your proxies' addresses (a prefix of at least /${min})`,
      });
    }
  });
  const index = (f: Finding): number => Number(/\[(\d+)\]$/.exec(f.subject)?.[1] ?? 0);
  out.sort((a, b) => index(a) - index(b));
  if (out.length === 0 && entries.length > 0) {
    out.push({ check: "network", id: "network.trusted-proxies", status: "pass", subject: "gateway.trustedProxies", message: `${entries.length} trusted proxy range(s), all narrow and valid` });
  }
  return out;
}

function originFindings(origins: readonly string[]): Finding[] {
  const out: Finding[] = [];
  origins.forEach((o, i) => {
    if (o.includes("*")) {
      out.push({
        check: "network",
        id: "network.allowed-origins",
        status: "warn",
        subject: `gateway.allowedOrigins[${i}]`,
        message: "a wildcard origin lets any web page a user visits drive the gateway from their browser",
        fix: 'list exact origins, e.g. "https://gateway.company.com"',
      });
    }
  });
  if (out.length === 0) out.push({ check: "network", id: "network.allowed-origins", status: "pass", subject: "gateway.allowedOrigins", message: "no wildcard browser origins" });
  return out;
}

function rateLimitFindings(rl: { enabled: boolean; windowMs: number; maxRequests: number; maxConnections: number }): Finding[] {
  if (!rl.enabled) {
    return [
      {
        check: "network",
        id: "network.rate-limit",
        status: "warn",
        subject: "gateway.rateLimit.enabled",
        message: "rate limiting is off: nothing slows floods or token guessing",
        fix: "set gateway.rateLimit.enabled: true (guide: windowMs 60000, maxRequests 100, maxConnections 50)",
      },
    ];
  }
  const out: Finding[] = [];
  const perMinute = (rl.maxRequests * 60_000) / rl.windowMs;
  if (perMinute > MAX_REQUESTS_PER_MINUTE) {
    out.push({
      check: "network",
      id: "network.rate-limit",
      status: "warn",
      subject: "gateway.rateLimit.maxRequests",
      message: `allows about ${Math.round(perMinute)} requests a minute per client (the guide uses 100)`,
      fix: `lower gateway.rateLimit.maxRequests (or raise windowMs) to at most ${MAX_REQUESTS_PER_MINUTE} a minute`,
    });
  }
  if (rl.maxConnections > MAX_CONNECTIONS) {
    out.push({
      check: "network",
      id: "network.rate-limit",
      status: "warn",
      subject: "gateway.rateLimit.maxConnections",
      message: `allows ${rl.maxConnections} concurrent connections (the guide uses 50)`,
      fix: `lower gateway.rateLimit.maxConnections to at most ${MAX_CONNECTIONS}`,
    });
  }
  if (out.length === 0) {
    out.push({ check: "network", id: "network.rate-limit", status: "pass", subject: "gateway.rateLimit", message: `on: ${rl.maxRequests} requests per ${rl.windowMs} ms, ${rl.maxConnections} connections` });
  }
  return out;
}
