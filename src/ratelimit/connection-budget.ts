/**
 * Concurrent connection caps.
 * - `maxConnections` (default 50): all open connections together.
 * - `maxUnauthenticatedPerIp` (default 10): connections from one address key
 *   that have not finished authenticating. Enough for a few browser tabs and
 *   CLIs connecting at once; small enough that one address cannot hold the
 *   whole budget with idle handshakes (they also time out after 10 s).
 *   Authenticated connections count only against the total.
 * A lease is taken when the socket opens and released when it closes;
 * `release()` and `authenticated()` are idempotent.
 */
import { positiveInt } from "./options.js";

export interface ConnectionBudgetOptions {
  maxConnections?: number;
  maxUnauthenticatedPerIp?: number;
}

export const DEFAULT_CONNECTION_LIMITS = { maxConnections: 50, maxUnauthenticatedPerIp: 10 } as const;

export type ConnectionRefusal = "max_connections" | "max_unauthenticated_per_ip";

export interface Lease {
  readonly ip: string;
  /** The connection authenticated: it no longer counts against the per-address cap. */
  authenticated(): void;
  release(): void;
}

export type AcquireResult = { ok: true; lease: Lease } | { ok: false; reason: ConnectionRefusal };

export interface ConnectionBudget {
  acquire(ip: string): AcquireResult;
  tryAcquire(ip: string): Lease | null;
  stats(): { total: number; unauthenticated: number; addresses: number };
}

export function createConnectionBudget(opts: ConnectionBudgetOptions = {}): ConnectionBudget {
  const maxConnections = positiveInt(
    "maxConnections",
    opts.maxConnections ?? DEFAULT_CONNECTION_LIMITS.maxConnections,
  );
  const maxPerIp = positiveInt(
    "maxUnauthenticatedPerIp",
    opts.maxUnauthenticatedPerIp ?? DEFAULT_CONNECTION_LIMITS.maxUnauthenticatedPerIp,
  );
  let total = 0;
  let unauthenticated = 0;
  const perIp = new Map<string, number>();

  const dropUnauth = (ip: string): void => {
    const n = (perIp.get(ip) ?? 0) - 1;
    if (n <= 0) perIp.delete(ip);
    else perIp.set(ip, n);
    unauthenticated--;
  };

  const acquire = (ip: string): AcquireResult => {
    if (total >= maxConnections) return { ok: false, reason: "max_connections" };
    if ((perIp.get(ip) ?? 0) >= maxPerIp) return { ok: false, reason: "max_unauthenticated_per_ip" };
    total++;
    unauthenticated++;
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    let state: "unauthenticated" | "authenticated" | "released" = "unauthenticated";
    const lease: Lease = {
      ip,
      authenticated() {
        if (state !== "unauthenticated") return;
        state = "authenticated";
        dropUnauth(ip);
      },
      release() {
        if (state === "released") return;
        if (state === "unauthenticated") dropUnauth(ip);
        state = "released";
        total--;
      },
    };
    return { ok: true, lease };
  };

  return {
    acquire,
    tryAcquire: (ip) => {
      const r = acquire(ip);
      return r.ok ? r.lease : null;
    },
    stats: () => ({ total, unauthenticated, addresses: perIp.size }),
  };
}
