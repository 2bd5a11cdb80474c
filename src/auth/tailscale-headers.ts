/**
 * Tailscale identity from `tailscale serve` headers: only from loopback (where `tailscale serve`
 * connects from), only for a tailnet address in the right-most `X-Forwarded-For` entry, and only when
 * `tailscale whois` confirms the login header (tailscale.ts).
 */
import { BlockList } from "node:net";
import type { Principal } from "../core/principal.js";
import type { Refusal, RefusalReason } from "./refusals.js";
import { normalizeTailscaleAddress, type TailscaleRefusal, type TailscaleVerifier } from "./tailscale.js";

const TAILNET = new BlockList();
TAILNET.addSubnet("100.64.0.0", 10, "ipv4");
TAILNET.addSubnet("fd7a:115c:a1e0::", 48, "ipv6");

/** Tailscale's address ranges: 100.64.0.0/10 and fd7a:115c:a1e0::/48. */
export function isTailnetAddress(addr: string): boolean {
  const ip = normalizeTailscaleAddress(addr);
  if (ip === undefined) return false;
  return TAILNET.check(ip, ip.includes(":") ? "ipv6" : "ipv4");
}

const VERIFIER_REASON: Record<TailscaleRefusal, RefusalReason> = {
  tailscale_unavailable: "TAILSCALE_UNAVAILABLE",
  whois_failed: "TAILSCALE_WHOIS_FAILED",
  login_mismatch: "TAILSCALE_LOGIN_MISMATCH",
  bad_address: "TAILSCALE_BAD_ADDRESS",
  missing_header: "TAILSCALE_HEADER_MISSING",
};

const failure = (reason: RefusalReason, message: string): { ok: false; refusal: Refusal } => ({
  ok: false,
  refusal: { reason, kind: "failure", message },
});

export async function identifyTailscale(
  verifier: TailscaleVerifier,
  headers: Record<string, string | string[] | undefined>,
  directPeer: string | undefined,
): Promise<{ ok: true; principal: Principal } | { ok: false; refusal: Refusal }> {
  const login = headers["tailscale-user-login"];
  if (typeof login !== "string" || login === "") return failure("TAILSCALE_HEADER_MISSING", "tailscale identity headers missing");
  // tailscale serve forwards from loopback; anything else could forge the headers.
  const peer = directPeer?.replace(/^::ffff:/, "") ?? "";
  if (!(peer === "::1" || peer.startsWith("127."))) return failure("TAILSCALE_NOT_LOOPBACK", "tailscale identity accepted only from tailscale serve on loopback");
  const xff = headers["x-forwarded-for"];
  // The right-most entry is the one tailscale serve itself appended; anything left of it came from the client.
  const addr = (typeof xff === "string" ? xff : Array.isArray(xff) ? xff.join(",") : "").split(",").pop()?.trim() ?? "";
  if (addr === "") return failure("TAILSCALE_HEADER_MISSING", "X-Forwarded-For missing on a tailscale request");
  if (!isTailnetAddress(addr)) return failure("TAILSCALE_BAD_ADDRESS", "the forwarded address is not a tailnet address");
  const r = await verifier.verify(addr, login);
  if (!r.ok) return failure(VERIFIER_REASON[r.reason], `tailscale identity not verified: ${r.reason.replace(/_/g, " ")}`);
  return { ok: true, principal: { id: r.login, method: "tailscale" } };
}
