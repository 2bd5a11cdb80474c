/**
 * Notices a reverse proxy that forwards requests without saying whom for (no
 * `X-Forwarded-For`): every client behind it then shares the proxy's address,
 * so one client's failed logins lock everyone out and one client's burst
 * rate-limits all. The gateway cannot fix that, but it must not be silent:
 * the first such request after start logs one warning, and an observation file
 * in the state dir lets `clawdbot doctor` report it. A later request from the
 * same proxy that does name its client clears the observation.
 */
import path from "node:path";
import { rm } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import { writeFileAtomic } from "../store/atomic-file.js";
import { forwardedWithoutClientAddress } from "../transport/net/client-address.js";
import { isLoopback, normalizeIp } from "../transport/net/ip.js";
import type { Logger } from "./logger.js";

/** Written to the state dir while the problem is current; read by doctor's network check. */
export const PROXY_NOTICE_FILE = "proxy-without-client-address.json";

export interface ProxyNoticeRecord {
  /** The proxy's address as the gateway saw it. */
  proxy: string;
  /** When it was first seen since the gateway started (ISO 8601). */
  seenAt: string;
}

export class ProxyNotice {
  /** Proxies currently known to forward without a client address. */
  private readonly offenders = new Set<string>();
  private warned = false;

  constructor(private readonly d: { stateDir: string; log: Logger; now: () => number }) {}

  /**
   * Called with every request's headers and direct peer. Only a peer that could be a proxy
   * (trusted, or on loopback) counts: a remote client's forwarding headers mean nothing.
   */
  observe(headers: IncomingHttpHeaders, directPeer: string | undefined, isTrustedProxy: (addr: string) => boolean): void {
    if (directPeer === undefined) return;
    if (this.offenders.size === 0 && headers["x-forwarded-proto"] === undefined && headers["x-forwarded-host"] === undefined && headers["x-real-ip"] === undefined) return;
    const peer = normalizeIp(directPeer, { zone: "strip" });
    if (peer === null || !(isLoopback(peer) || isTrustedProxy(peer))) return;
    if (forwardedWithoutClientAddress(headers)) {
      if (this.offenders.has(peer)) return;
      this.offenders.add(peer);
      this.report(peer);
    } else if (this.offenders.has(peer) && headers["x-forwarded-for"] !== undefined) {
      this.offenders.delete(peer);
      this.d.log.info(`proxy ${peer} now sends X-Forwarded-For: clients are told apart again`);
      if (this.offenders.size === 0) void rm(this.file(), { force: true }).catch(() => undefined);
    }
  }

  private report(peer: string): void {
    if (!this.warned) {
      this.warned = true;
      this.d.log.warn(
        `requests forwarded by ${peer} carry no X-Forwarded-For: every client behind that proxy shares its address, rate limits and lockouts. ` +
          "Add `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` (see docs/tls.md) and list the proxy in gateway.trustedProxies.",
      );
    }
    const record: ProxyNoticeRecord = { proxy: peer, seenAt: new Date(this.d.now()).toISOString() };
    writeFileAtomic(this.file(), `${JSON.stringify(record)}\n`).catch((e: unknown) =>
      this.d.log.warn(`could not record the proxy observation for doctor: ${(e as Error).message}`),
    );
  }

  private file(): string {
    return path.join(this.d.stateDir, PROXY_NOTICE_FILE);
  }
}
