/**
 * Concurrent connection caps (one budget for WebSocket connections, one for
 * HTTP sockets; docs/network-and-limits.md).
 * - `maxConnections` (default 50): all open connections together.
 * - `maxPerIp` (default: no share beyond `maxConnections`): all connections of
 *   one address key, authenticated or not.
 * - `maxUnauthenticatedPerIp` (default 10): connections from one address key
 *   that have not finished authenticating. Enough for a few browser tabs and
 *   CLIs connecting at once; small enough that one address cannot hold the
 *   whole budget with idle handshakes.
 * - `maxUnauthenticated` (default `maxConnections`): connections that have not
 *   authenticated, all addresses together. What is left of `maxConnections`
 *   belongs to authenticated connections, which an anonymous flood cannot take.
 * - Under pressure (the unauthenticated budget or the total is full), an
 *   unauthenticated connection older than `pressureTimeoutMs` (default 2 s)
 *   gives way to a newcomer: the one whose address holds the most
 *   unauthenticated connections (more than the newcomer's address), oldest
 *   first. So under a flood a socket that does not authenticate lives about
 *   `pressureTimeoutMs`, not the full handshake or request timeout, and a
 *   newcomer from a quiet address always finds a slot while flooding addresses
 *   hold more than it does.
 * A lease is taken when the socket opens and released when it closes;
 * `release()` and `authenticated()` are idempotent. An evicted lease is
 * released and its `onEvict` called (the caller closes the socket).
 */
import type { Clock } from "../core/clock.js";
import { monotonicClock } from "../core/clock.js";
import { positiveInt } from "./options.js";

export interface ConnectionBudgetOptions {
  maxConnections?: number;
  maxUnauthenticatedPerIp?: number;
  maxPerIp?: number;
  maxUnauthenticated?: number;
  pressureTimeoutMs?: number;
  /** Ages of connections (pass a monotonic clock). */
  clock?: Clock;
}

export const DEFAULT_CONNECTION_LIMITS = { maxConnections: 50, maxUnauthenticatedPerIp: 10, pressureTimeoutMs: 2_000 } as const;

export type ConnectionRefusal = "max_connections" | "max_unauthenticated_per_ip" | "max_per_ip" | "max_unauthenticated";

export interface Lease {
  readonly ip: string;
  /** The connection authenticated: it no longer counts against the unauthenticated caps. */
  authenticated(): void;
  release(): void;
}

export interface AcquireOptions {
  /** Called when this connection is evicted under pressure (close the socket). */
  onEvict?: () => void;
  /** Not subject to the per-address caps (a trusted proxy carrying many clients). */
  shared?: boolean;
}

export type AcquireResult = { ok: true; lease: Lease; evicted?: string } | { ok: false; reason: ConnectionRefusal };

export interface ConnectionBudget {
  acquire(ip: string, opts?: AcquireOptions): AcquireResult;
  tryAcquire(ip: string): Lease | null;
  stats(): { total: number; unauthenticated: number; addresses: number };
}

interface Entry {
  ip: string;
  openedAt: number;
  onEvict: (() => void) | undefined;
  lease: Lease;
}

const bump = (m: Map<string, number>, k: string, by: number): void => {
  const n = (m.get(k) ?? 0) + by;
  if (n <= 0) m.delete(k);
  else m.set(k, n);
};

export function createConnectionBudget(opts: ConnectionBudgetOptions = {}): ConnectionBudget {
  const maxConnections = positiveInt("maxConnections", opts.maxConnections ?? DEFAULT_CONNECTION_LIMITS.maxConnections);
  const maxUnauthPerIp = positiveInt("maxUnauthenticatedPerIp", opts.maxUnauthenticatedPerIp ?? DEFAULT_CONNECTION_LIMITS.maxUnauthenticatedPerIp);
  const maxPerIp = positiveInt("maxPerIp", opts.maxPerIp ?? maxConnections);
  const maxUnauth = Math.min(maxConnections, positiveInt("maxUnauthenticated", opts.maxUnauthenticated ?? maxConnections));
  const pressureMs = positiveInt("pressureTimeoutMs", opts.pressureTimeoutMs ?? DEFAULT_CONNECTION_LIMITS.pressureTimeoutMs);
  const clock = opts.clock ?? monotonicClock;
  let total = 0;
  const perIp = new Map<string, number>();
  const unauthPerIp = new Map<string, number>();
  /** Unauthenticated connections, oldest first. */
  const waiting = new Set<Entry>();

  /** The unauthenticated connection to give way: aged past the pressure timeout, from the address holding the most. */
  const victim = (newcomer: string): Entry | undefined => {
    const now = clock.now();
    let best: Entry | undefined;
    let bestCount = unauthPerIp.get(newcomer) ?? 0;
    for (const e of waiting) {
      if (now - e.openedAt < pressureMs) break; // the rest are younger
      const count = unauthPerIp.get(e.ip) ?? 0;
      if (count > bestCount) {
        best = e;
        bestCount = count;
      }
    }
    return best;
  };

  const acquire = (ip: string, o: AcquireOptions = {}): AcquireResult => {
    const shared = o.shared === true;
    if (!shared && (perIp.get(ip) ?? 0) >= maxPerIp) return { ok: false, reason: "max_per_ip" };
    if (!shared && (unauthPerIp.get(ip) ?? 0) >= maxUnauthPerIp) return { ok: false, reason: "max_unauthenticated_per_ip" };
    let evicted: string | undefined;
    if (total >= maxConnections || waiting.size >= maxUnauth) {
      const v = victim(ip);
      if (!v) return { ok: false, reason: total >= maxConnections ? "max_connections" : "max_unauthenticated" };
      evicted = v.ip;
      v.lease.release();
      v.onEvict?.();
    }
    total++;
    bump(perIp, ip, 1);
    bump(unauthPerIp, ip, 1);
    let state: "unauthenticated" | "authenticated" | "released" = "unauthenticated";
    const entry: Entry = {
      ip,
      openedAt: clock.now(),
      onEvict: o.onEvict,
      lease: {
        ip,
        authenticated() {
          if (state !== "unauthenticated") return;
          state = "authenticated";
          waiting.delete(entry);
          bump(unauthPerIp, ip, -1);
        },
        release() {
          if (state === "released") return;
          if (state === "unauthenticated") {
            waiting.delete(entry);
            bump(unauthPerIp, ip, -1);
          }
          state = "released";
          bump(perIp, ip, -1);
          total--;
        },
      },
    };
    waiting.add(entry);
    return evicted === undefined ? { ok: true, lease: entry.lease } : { ok: true, lease: entry.lease, evicted };
  };

  return {
    acquire,
    tryAcquire: (ip) => {
      const r = acquire(ip);
      return r.ok ? r.lease : null;
    },
    stats: () => ({ total, unauthenticated: waiting.size, addresses: unauthPerIp.size }),
  };
}
