/** What the request flows share: built once by gateway.ts, passed to the HTTP and WebSocket servers. */
import type { Clock } from "../core/clock.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { PairingStore } from "../auth/pairing-store.js";
import type { ApprovalManager } from "../approvals/approval-manager.js";
import type { WsConnection } from "../transport/ws/connection.js";
import type { TailscaleVerifier } from "../auth/tailscale.js";
import type { FrontDoor } from "./front-door.js";
import type { Logger } from "./logger.js";
import type { ProxyNotice } from "./proxy-notice.js";
import type { GatewayMetrics } from "../metrics/gateway-metrics.js";
import type { Runtime } from "./runtime.js";
import type { Session } from "./session.js";

export interface GatewayContext {
  clock: Clock;
  log: Logger;
  runtime(): Runtime;
  audit: AuditLog;
  auditPath: string;
  pairing: PairingStore;
  tailscale: TailscaleVerifier;
  front: FrontDoor;
  /** Warns once about a proxy that forwards without X-Forwarded-For (docs/tls.md). */
  proxyNotice: ProxyNotice;
  /** Prometheus metrics (GET /metrics). */
  metrics: GatewayMetrics;
  approvals(): ApprovalManager;
  /** Open WebSocket connections that completed `connect`. */
  sessions: Map<string, WsConnection<Session>>;
  /** Paths no tool may see (the state dir). */
  hiddenPaths: string[];
  startedAtMs: number;
  /** The maxPayload the WebSocket server enforces (read at start). */
  enforcedMaxPayload: number;
  state: { closing: boolean; httpInflight: number };
  broadcast(event: string, payload: unknown, who: (s: Session) => boolean): void;
  holds(s: Session, perm: "exec.approve" | "admin"): boolean;
  closeDeviceConnections(deviceId: string, reason: string): number;
}
