/**
 * What the control page shows about approvals beyond the pending queue:
 * recent decisions (bounded, newest first) and, for a requester, their own
 * waiting requests. It observes the approval manager's notifications, so it
 * survives a manager rebuilt after a config reload.
 */
import type { ApprovalEvent } from "../approvals/types.js";

export interface RequestedPayload {
  id: string;
  command: string;
  cwd: string;
  agentId: string;
  requester: string;
  classes: readonly string[];
  expiresAtMs: number;
}

export interface RecentDecision extends RequestedPayload {
  decision: "approve" | "reject";
  reason: string;
  /** The deciding principal; null on timeout or cancellation. */
  decider: string | null;
  decidedAtMs: number;
}

export const RECENT_DECISIONS = 50;
/** Requests remembered while pending (the manager bounds how many can be). */
const MAX_OPEN = 10_000;

export class ApprovalFeed {
  private readonly open = new Map<string, RequestedPayload>();
  private readonly recentList: RecentDecision[] = [];

  constructor(
    private readonly now: () => number,
    /** Sends an event to the requester's own connections. */
    private readonly toRequester: (requesterId: string, event: string, payload: unknown) => void,
  ) {}

  observe(event: ApprovalEvent, payload: object): void {
    if (event === "exec.approval.requested") {
      const p = payload as RequestedPayload;
      if (this.open.size >= MAX_OPEN) this.open.delete(this.open.keys().next().value as string);
      this.open.set(p.id, p);
      this.toRequester(p.requester, "exec.approval.own.requested", p);
      return;
    }
    const r = payload as { id: string; decision: "approve" | "reject"; reason: string; decider: string | null };
    const req = this.open.get(r.id);
    if (!req) return;
    this.open.delete(r.id);
    const decided: RecentDecision = { ...req, decision: r.decision, reason: r.reason, decider: r.decider, decidedAtMs: this.now() };
    this.recentList.unshift(decided);
    if (this.recentList.length > RECENT_DECISIONS) this.recentList.pop();
    this.toRequester(req.requester, "exec.approval.own.resolved", decided);
  }

  recent(): RecentDecision[] {
    return [...this.recentList];
  }

  /** A requester's own pending requests, oldest first. */
  waitingFor(requesterId: string): RequestedPayload[] {
    return [...this.open.values()].filter((p) => p.requester === requesterId);
  }
}
