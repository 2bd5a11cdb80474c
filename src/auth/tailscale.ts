/**
 * Tailscale identity check for `gateway.auth.mode: tailscale`.
 *
 * `tailscale serve` proxies tailnet requests to the gateway on loopback and
 * adds a `Tailscale-User-Login` header. The header alone is only as good as the
 * proxy, so we confirm it: `tailscale whois --json <client ip>` must name the
 * same login. The integrator calls this only for requests that arrived from
 * loopback (where `tailscale serve` connects from).
 *
 * - The binary runs through execFile (no shell) with a validated IP as its only
 *   free argument, a timeout, an output cap, and an environment holding only
 *   PATH (gateway secrets are not inherited).
 * - Successful whois answers are cached per address for `cacheTtlMs` (the
 *   answer, not the decision); failures are not cached; concurrent look-ups of
 *   one address share a single process.
 * - The login comparison is exact (case-sensitive), because `tailscale serve`
 *   fills the header from the same whois data.
 */
import { execFile } from "node:child_process";
import { isIP } from "node:net";
import { monotonicClock } from "../core/clock.js";
import type { Clock } from "../core/clock.js";

export const TailscaleRefusals = [
  "tailscale_unavailable",
  "whois_failed",
  "login_mismatch",
  "bad_address",
  "missing_header",
] as const;
export type TailscaleRefusal = (typeof TailscaleRefusals)[number];

export interface TailscaleVerifierOptions {
  /** Path of the tailscale CLI, or a bare name looked up on PATH. Default "tailscale". */
  binary?: string;
  /** How long a whois answer is reused for one address. Default 60 000. */
  cacheTtlMs?: number;
  /** Kill `tailscale whois` after this long. Default 5 000. */
  timeoutMs?: number;
  clock?: Clock;
  /** Most addresses cached at once (least recently used go first). Default 1024. */
  maxCacheEntries?: number;
  /** PATH used to find a bare `binary`, and the child's only env var. Default process.env.PATH. */
  searchPath?: string;
}

export type TailscaleVerification =
  | { ok: true; login: string; displayName?: string; nodeName?: string }
  | { ok: false; reason: TailscaleRefusal; message: string };

export interface TailscaleVerifier {
  verify(remoteAddr: string, headerLogin: string): Promise<TailscaleVerification>;
}

export const DEFAULT_TAILSCALE_CACHE_TTL_MS = 60_000;
export const DEFAULT_TAILSCALE_TIMEOUT_MS = 5_000;
export const DEFAULT_TAILSCALE_CACHE_ENTRIES = 1024;
const MAX_WHOIS_OUTPUT = 1024 * 1024;
const MAX_LOGIN = 256;

/** What whois said about an address. */
interface WhoisAnswer {
  login: string;
  displayName?: string;
  nodeName?: string;
}

type Lookup = { ok: true; answer: WhoisAnswer } | { ok: false; reason: TailscaleRefusal; message: string };

/** The bare IP to ask about, or undefined when `addr` is not exactly one IP. */
export function normalizeTailscaleAddress(addr: string): string | undefined {
  if (typeof addr !== "string" || addr.includes("%")) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  const ip = mapped?.[1] ?? addr;
  return isIP(ip) === 0 ? undefined : ip.toLowerCase();
}

function optionalText(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_LOGIN ? v : undefined;
}

/** Extracts the identity from `tailscale whois --json` output. */
export function parseWhoisOutput(stdout: string): Lookup {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    return { ok: false, reason: "whois_failed", message: "tailscale whois did not print JSON" };
  }
  if (typeof doc !== "object" || doc === null) {
    return { ok: false, reason: "whois_failed", message: "tailscale whois printed an unexpected document" };
  }
  const { UserProfile: profile, Node: node } = doc as { UserProfile?: unknown; Node?: unknown };
  const p = (typeof profile === "object" && profile !== null ? profile : {}) as Record<string, unknown>;
  const n = (typeof node === "object" && node !== null ? node : {}) as Record<string, unknown>;
  const login = optionalText(p.LoginName);
  // eslint-disable-next-line no-control-regex
  if (login === undefined || /[\u0000-\u001f\u007f]/.test(login)) {
    return { ok: false, reason: "whois_failed", message: "tailscale whois gave no user login for this address" };
  }
  if (Array.isArray(n.Tags) && n.Tags.length > 0) {
    return { ok: false, reason: "whois_failed", message: "the node is tagged and has no user identity" };
  }
  const answer: WhoisAnswer = { login };
  const displayName = optionalText(p.DisplayName);
  const nodeName = optionalText(n.Name);
  if (displayName !== undefined) answer.displayName = displayName;
  if (nodeName !== undefined) answer.nodeName = nodeName;
  return { ok: true, answer };
}

function runWhois(binary: string, ip: string, timeoutMs: number, searchPath: string | undefined): Promise<Lookup> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ["whois", "--json", ip],
      {
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: MAX_WHOIS_OUTPUT,
        env: searchPath === undefined ? {} : { PATH: searchPath },
        shell: false,
        windowsHide: true,
        encoding: "utf8",
      },
      (err, stdout) => {
        if (err === null) return resolve(parseWhoisOutput(stdout));
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
        if (e.code === "ENOENT" || e.code === "EACCES") {
          return resolve({ ok: false, reason: "tailscale_unavailable", message: "the tailscale CLI was not found or is not executable" });
        }
        if (e.killed === true) {
          return resolve({ ok: false, reason: "tailscale_unavailable", message: `tailscale whois did not answer within ${timeoutMs} ms` });
        }
        if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") {
          return resolve({ ok: false, reason: "whois_failed", message: "tailscale whois printed too much output" });
        }
        const exit = typeof e.code === "number" ? ` (exit code ${e.code})` : "";
        resolve({ ok: false, reason: "whois_failed", message: `tailscale whois found no node for this address${exit}` });
      },
    );
  });
}

export function createTailscaleVerifier(opts: TailscaleVerifierOptions = {}): TailscaleVerifier {
  const binary = opts.binary ?? "tailscale";
  const cacheTtlMs = opts.cacheTtlMs ?? DEFAULT_TAILSCALE_CACHE_TTL_MS;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TAILSCALE_TIMEOUT_MS;
  const maxEntries = opts.maxCacheEntries ?? DEFAULT_TAILSCALE_CACHE_ENTRIES;
  const clock = opts.clock ?? monotonicClock;
  const searchPath = opts.searchPath ?? process.env.PATH;
  const cache = new Map<string, { answer: WhoisAnswer; expiresAtMs: number }>();
  const inflight = new Map<string, Promise<Lookup>>();

  function cached(ip: string): WhoisAnswer | undefined {
    const hit = cache.get(ip);
    if (hit === undefined) return undefined;
    cache.delete(ip);
    if (hit.expiresAtMs <= clock.now()) return undefined;
    cache.set(ip, hit); // most recently used goes last
    return hit.answer;
  }

  function remember(ip: string, answer: WhoisAnswer): void {
    if (cacheTtlMs <= 0 || maxEntries <= 0) return;
    cache.delete(ip);
    cache.set(ip, { answer, expiresAtMs: clock.now() + cacheTtlMs });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
  }

  async function lookup(ip: string): Promise<Lookup> {
    const hit = cached(ip);
    if (hit !== undefined) return { ok: true, answer: hit };
    let running = inflight.get(ip);
    if (running === undefined) {
      running = runWhois(binary, ip, timeoutMs, searchPath).then((result) => {
        inflight.delete(ip);
        if (result.ok) remember(ip, result.answer);
        return result;
      });
      inflight.set(ip, running);
    }
    return running;
  }

  return {
    async verify(remoteAddr: string, headerLogin: string): Promise<TailscaleVerification> {
      if (typeof headerLogin !== "string" || headerLogin.length === 0) {
        return { ok: false, reason: "missing_header", message: "no Tailscale-User-Login header" };
      }
      const ip = normalizeTailscaleAddress(remoteAddr);
      if (ip === undefined) {
        return { ok: false, reason: "bad_address", message: "the client address is not an IP address" };
      }
      const found = await lookup(ip);
      if (!found.ok) return found;
      if (found.answer.login !== headerLogin) {
        return { ok: false, reason: "login_mismatch", message: "the Tailscale login header does not match tailscale whois" };
      }
      return { ok: true, ...found.answer };
    },
  };
}
