/**
 * Methods the control page needs beyond the core set (docs/protocol.md,
 * "Control page methods"). Their permissions are in protocol/methods.ts like
 * every other method; these handlers run only after that check.
 */
import { queryAudit, verifyAudit } from "../audit/audit-reader.js";
import { redactConfig } from "../config/redact.js";
import type { Finding } from "../doctor/types.js";
import type { ApprovalFeed } from "./approval-feed.js";
import type { AuditTail } from "./audit-tail.js";
import type { Runtime } from "./runtime.js";
import type { Session } from "./session.js";

export interface UiMethodDeps {
  runtime(): Runtime;
  auditPath: string;
  approvalFeed: ApprovalFeed;
  auditTail: AuditTail;
  /** Runs `clawdbot doctor` against the gateway's own state dir and config. */
  runDoctor(): Promise<{ findings: Finding[]; ok: boolean }>;
  /** The open connections: principal, client address and transport details, never credentials. */
  connections(): { connId: string; principal: string; remoteIp: string; method: string }[];
}

type UiHandler = (deps: UiMethodDeps, session: Session, params: never, connId: string) => Promise<unknown>;

export const uiHandlers = {
  "exec.approval.recent": async (deps: UiMethodDeps) => ({ decisions: deps.approvalFeed.recent() }),
  "audit.tail": async (deps: UiMethodDeps, _session: Session, params: { subscribe: boolean; backlog: number }, connId: string) => {
    if (!params.subscribe) {
      deps.auditTail.unsubscribe(connId);
      return { subscribed: false, records: [] };
    }
    // Subscribe first: a line appended meanwhile may then arrive twice (clients dedupe on eventId), never not at all.
    await deps.auditTail.subscribe(connId);
    const records = params.backlog > 0 ? await queryAudit(deps.auditPath, { limit: params.backlog }) : [];
    return { subscribed: true, records };
  },
  "audit.verify": async (deps: UiMethodDeps) => ({ verify: await verifyAudit(deps.auditPath) }),
  "status.details": async (deps: UiMethodDeps) => {
    const r = deps.runtime();
    return { config: redactConfig(r.config), configFile: r.configFile ?? null, connections: deps.connections() };
  },
  "doctor.run": async (deps: UiMethodDeps) => deps.runDoctor(),
} satisfies Record<string, UiHandler>;
