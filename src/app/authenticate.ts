/**
 * Turns presented credentials into a Principal, for HTTP requests and for the
 * WebSocket `connect` handshake. Every refusal is a GatewayError with a stable
 * `details.code`; the caller audits it (`auth.failure`) and throttles the
 * client address. Presented secrets never reach a message or the audit log.
 */
import { GatewayError } from "../core/errors.js";
import type { Principal } from "../core/principal.js";
import type { Runtime } from "./runtime.js";
import type { ClientInfo } from "./client.js";
import type { PairingStore, PairedDeviceView } from "../auth/pairing-store.js";
import type { createTailscaleVerifier } from "../auth/tailscale.js";
import { cidrContains, parseCidr } from "../transport/net/ip.js";

export type TailscaleVerifier = ReturnType<typeof createTailscaleVerifier>;

export interface AuthDeps {
  runtime(): Runtime;
  pairing: PairingStore;
  tailscale: TailscaleVerifier;
}

const TAILNET_V4 = parseCidr("100.64.0.0/10");
const TAILNET_V6 = parseCidr("fd7a:115c:a1e0::/48");

export function isTailnetAddress(addr: string): boolean {
  return [TAILNET_V4, TAILNET_V6].some((c) => c.ok && cidrContains(c.cidr, addr));
}

/** A refusal with the machine-readable reason kept apart from the human message. */
export function authError(code: string, message: string, status: "UNAUTHORIZED" | "NOT_PAIRED" = "UNAUTHORIZED"): GatewayError {
  return new GatewayError(status, message, { details: { code } });
}

/** Finds the paired device whose device token this is (each comparison in constant time). */
export function findDeviceByToken(pairing: PairingStore, presented: string): PairedDeviceView | undefined {
  return pairing.findByToken(presented);
}

/** Shared secret or named user credential; undefined when nothing matches. */
export function matchSecret(runtime: Runtime, presented: { token?: string | undefined; password?: string | undefined }): Principal | undefined {
  if (presented.token) {
    const id = runtime.credentials.match(presented.token, "token");
    if (id) return { id, method: "token" };
  }
  if (presented.password) {
    const id = runtime.credentials.match(presented.password, "password");
    if (id) return { id, method: "password" };
  }
  return undefined;
}

/** Tailscale identity from `tailscale serve` headers, verified with `tailscale whois`. */
export async function authenticateTailscale(
  deps: AuthDeps,
  headers: Record<string, string | string[] | undefined>,
  directPeer: string | undefined,
): Promise<Principal> {
  const login = headers["tailscale-user-login"];
  if (typeof login !== "string" || login === "") throw authError("TAILSCALE_HEADER_MISSING", "tailscale identity headers missing");
  // tailscale serve forwards from loopback; anything else could forge the headers.
  const peer = directPeer?.replace(/^::ffff:/, "") ?? "";
  if (!(peer === "::1" || peer.startsWith("127."))) throw authError("TAILSCALE_NOT_LOOPBACK", "tailscale identity accepted only from tailscale serve on loopback");
  const xff = headers["x-forwarded-for"];
  // The right-most entry is the one tailscale serve itself appended; anything left of it came from the client.
  const addr = (typeof xff === "string" ? xff : Array.isArray(xff) ? xff.join(",") : "").split(",").pop()?.trim() ?? "";
  if (addr === "") throw authError("TAILSCALE_HEADER_MISSING", "X-Forwarded-For missing on a tailscale request");
  // tailscale serve forwards tailnet clients: their addresses are Tailscale's 100.64.0.0/10 or fd7a:115c:a1e0::/48.
  if (!isTailnetAddress(addr)) throw authError("TAILSCALE_BAD_ADDRESS", "the forwarded address is not a tailnet address");
  const r = await deps.tailscale.verify(addr, login);
  if (!r.ok) throw authError(`TAILSCALE_${r.reason.replace(/^tailscale_/, "").toUpperCase()}`, `tailscale identity not verified: ${r.reason.replace(/_/g, " ")}`);
  return { id: r.login, method: "tailscale" };
}

/** `Authorization: Bearer …` on HTTP: a shared/user token or password, or a device token. */
export async function authenticateHttp(
  deps: AuthDeps,
  headers: Record<string, string | string[] | undefined>,
  directPeer: string | undefined,
  client: ClientInfo,
): Promise<Principal> {
  const runtime = deps.runtime();
  const mode = runtime.config.gateway.auth.mode;
  if (mode === "none") {
    if (!client.local) throw authError("AUTH_NONE_LOCAL_ONLY", 'gateway.auth.mode "none" admits only direct loopback clients');
    return { id: runtime.config.gateway.auth.principal, method: "none" };
  }
  const h = headers.authorization;
  const m = typeof h === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  if (!m) {
    if (mode === "tailscale" || runtime.config.gateway.auth.allowTailscale) return authenticateTailscale(deps, headers, directPeer);
    throw authError("AUTH_TOKEN_MISSING", "missing Authorization: Bearer credentials");
  }
  const presented = m[1] as string;
  const p = matchSecret(runtime, { token: presented, password: presented });
  if (p) return p;
  const device = findDeviceByToken(deps.pairing, presented);
  if (device) return { id: device.principal, method: "device-token", deviceId: device.deviceId };
  throw authError("AUTH_TOKEN_MISMATCH", "invalid credentials");
}
