/** Who is on the other end of a socket, after trusted-proxy resolution. */
import type { IncomingMessage } from "node:http";
import type { AuditActor } from "../core/audit-types.js";
import type { Principal } from "../core/principal.js";
import { resolveClientAddress, isLocalRequest } from "../transport/net/client-address.js";
import { randomTraceId, traceIdFromTraceparent } from "../audit/trace-id.js";
import { normalizeIp } from "../transport/net/ip.js";
import { pageOriginOf } from "../transport/net/origin.js";

export interface ClientInfo {
  /** Client address after trusted-proxy resolution (used for limits and `actor.remoteIp`). */
  ip: string;
  proxied: boolean;
  /** Loopback peer, not proxied. */
  local: boolean;
  /** The request carries an Origin header: a browser is involved. */
  origin: string | undefined;
  /** From the W3C `traceparent` header, else fresh: every audit line of one request shares it. */
  traceId: string;
  /** The control page's own origin as this client's browser sees it, when it can be told safely (see pageOriginOf). */
  pageOrigin?: string | undefined;
}

export function clientInfoFrom(req: IncomingMessage, isTrustedProxy: (addr: string) => boolean): ClientInfo {
  const resolved = resolveClientAddress({
    remoteAddress: req.socket.remoteAddress,
    forwardedFor: req.headers["x-forwarded-for"],
    isTrusted: isTrustedProxy,
  });
  const origin = typeof req.headers.origin === "string" ? req.headers.origin : undefined;
  const tp = req.headers.traceparent;
  return {
    ip: resolved.ip,
    proxied: resolved.proxied,
    local: isLocalRequest(resolved, req.socket.remoteAddress, req.headers),
    origin,
    traceId: traceIdFromTraceparent(typeof tp === "string" ? tp : undefined) ?? randomTraceId(),
    pageOrigin: origin === undefined ? undefined : pageOriginOf(req.headers, directPeerTrusted(req.socket.remoteAddress, isTrustedProxy)),
  };
}

function directPeerTrusted(peer: string | undefined, isTrustedProxy: (addr: string) => boolean): boolean {
  const ip = peer === undefined ? null : normalizeIp(peer, { zone: "strip" });
  return ip !== null && isTrustedProxy(ip);
}

export function actorFor(principal: Principal | undefined, client: ClientInfo): AuditActor {
  if (!principal) return { type: "anonymous", id: "anonymous", remoteIp: client.ip };
  return { type: principal.deviceId ? "device" : "user", id: principal.id, remoteIp: client.ip };
}
