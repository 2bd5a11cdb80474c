import { randomUUID } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { GatewayError } from "../core/errors.js";
import { APPROVAL_DEFAULTS, positiveInt } from "./limits.js";
import type { Ending } from "./recent-outcomes.js";
import { RecentOutcomes } from "./recent-outcomes.js";
import { snapshotRequest } from "./snapshot.js";
import type {
  ApprovalDecider,
  ApprovalDecision,
  ApprovalEvent,
  ApprovalHandle,
  ApprovalManagerOptions,
  ApprovalNotify,
  ApprovalOutcome,
  ApprovalRequestInput,
  PendingApprovalView,
  SetTimer,
} from "./types.js";

interface Entry {
  readonly view: PendingApprovalView;
  readonly settle: (outcome: ApprovalOutcome) => void;
  cancelTimer: () => void;
}

const defaultSetTimer: SetTimer = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

/**
 * Exec approvals: a command waits until an approver (holding exec.approve,
 * not the requester) decides, or until timeoutMs passes, which rejects it.
 * The first decision wins; every ending emits `exec.approval.resolved`.
 */
export class ApprovalManager {
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly maxPendingPerRequester: number;
  private readonly maxPending: number;
  private readonly notify: ApprovalNotify;
  private readonly setTimer: SetTimer;
  private readonly pending = new Map<string, Entry>();
  private readonly pendingByRequester = new Map<string, number>();
  private readonly recent: RecentOutcomes;

  constructor(opts: ApprovalManagerOptions) {
    this.clock = opts.clock;
    this.timeoutMs = positiveInt("timeoutMs", opts.timeoutMs, APPROVAL_DEFAULTS.timeoutMs);
    this.maxPendingPerRequester = positiveInt("maxPendingPerRequester", opts.maxPendingPerRequester, APPROVAL_DEFAULTS.maxPendingPerRequester);
    this.maxPending = positiveInt("maxPending", opts.maxPending, APPROVAL_DEFAULTS.maxPending);
    this.recent = new RecentOutcomes(positiveInt("rememberResolved", opts.rememberResolved, APPROVAL_DEFAULTS.rememberResolved));
    this.notify = opts.notify;
    this.setTimer = opts.setTimer ?? defaultSetTimer;
  }

  request(input: ApprovalRequestInput): ApprovalHandle {
    const now = this.clock.now();
    const view = snapshotRequest(input, randomUUID(), now, now + this.timeoutMs);
    this.expireDue(now);
    this.checkCapacity(view.requester.id, now);

    let settle!: (outcome: ApprovalOutcome) => void;
    const decision = new Promise<ApprovalOutcome>((resolve) => (settle = resolve));
    const entry: Entry = { view, settle, cancelTimer: () => undefined };
    this.pending.set(view.id, entry);
    this.pendingByRequester.set(view.requester.id, (this.pendingByRequester.get(view.requester.id) ?? 0) + 1);
    entry.cancelTimer = this.setTimer(() => this.expire(view.id), this.timeoutMs);

    this.emit(
      "exec.approval.requested",
      {
        id: view.id,
        command: view.command,
        cwd: view.cwd,
        agentId: view.agentId,
        requester: view.requester.id,
        classes: view.classes,
        expiresAtMs: view.expiresAtMs,
      },
      view.requester.id,
    );
    return { id: view.id, expiresAtMs: view.expiresAtMs, decision };
  }

  resolve(id: string, decider: ApprovalDecider, decision: ApprovalDecision, reason?: string): ApprovalOutcome {
    if (decision !== "approve" && decision !== "reject") {
      throw new GatewayError("INVALID_REQUEST", 'decision must be "approve" or "reject"', { details: { code: "INVALID_DECISION" } });
    }
    const entry = typeof id === "string" ? this.pending.get(id) : undefined;
    if (entry === undefined || this.clock.now() >= entry.view.expiresAtMs) {
      if (entry !== undefined) this.expire(id);
      throw this.notPending(id);
    }
    if (decider.id === entry.view.requester.id) {
      throw new GatewayError("FORBIDDEN", "a requester cannot decide their own approval request", {
        details: { code: "SELF_APPROVAL", id },
      });
    }
    if (decider.canApprove !== true) {
      throw new GatewayError("FORBIDDEN", 'deciding approvals needs the "exec.approve" permission', {
        details: { code: "MISSING_PERMISSION", permission: "exec.approve", id },
      });
    }
    const given = typeof reason === "string" ? reason.trim().slice(0, APPROVAL_DEFAULTS.maxReasonLength) : "";
    const why = given !== "" ? given : decision === "approve" ? "approved" : "rejected";
    return this.finish(entry, decision, why, decider.id, "decided", decider.remoteIp);
  }

  /** Rejects one pending request with `reason` (its requester went away); false if it was not pending. */
  cancel(id: string, reason: string): boolean {
    const entry = this.pending.get(id);
    if (entry === undefined) return false;
    this.finish(entry, "reject", reason, null, "cancelled");
    return true;
  }

  /**
   * The requester withdraws their own pending request (it ends as a rejection with
   * reason "cancelled by the requester"); anyone else is refused with NOT_REQUESTER.
   */
  withdraw(id: string, requesterId: string): ApprovalOutcome {
    const entry = typeof id === "string" ? this.pending.get(id) : undefined;
    if (entry === undefined || this.clock.now() >= entry.view.expiresAtMs) {
      if (entry !== undefined) this.expire(id);
      throw this.notPending(id);
    }
    if (entry.view.requester.id !== requesterId) {
      throw new GatewayError("FORBIDDEN", "only the requester can cancel an approval request", { details: { code: "NOT_REQUESTER", id } });
    }
    return this.finish(entry, "reject", "cancelled by the requester", requesterId, "cancelled");
  }

  /** Pending requests, oldest first (expired ones are ended first). */
  list(): PendingApprovalView[] {
    this.expireDue(this.clock.now());
    return [...this.pending.values()].map((e) => e.view);
  }

  /** Rejects every pending request with `reason` (shutdown); returns how many. */
  cancelAll(reason: string): number {
    const entries = [...this.pending.values()];
    for (const entry of entries) this.finish(entry, "reject", reason, null, "cancelled");
    return entries.length;
  }

  private checkCapacity(requesterId: string, now: number): void {
    if (this.pending.size >= this.maxPending) {
      throw this.rateLimited("too many exec approvals are pending", "APPROVAL_QUEUE_FULL", this.firstExpiry(undefined), now);
    }
    if ((this.pendingByRequester.get(requesterId) ?? 0) >= this.maxPendingPerRequester) {
      throw this.rateLimited("too many of your exec approvals are pending", "APPROVAL_PENDING_LIMIT", this.firstExpiry(requesterId), now);
    }
  }

  private firstExpiry(requesterId: string | undefined): number | undefined {
    for (const e of this.pending.values()) {
      if (requesterId === undefined || e.view.requester.id === requesterId) return e.view.expiresAtMs;
    }
    return undefined;
  }

  private rateLimited(message: string, code: string, expiry: number | undefined, now: number): GatewayError {
    const retryAfterMs = Math.max(1, (expiry ?? now + this.timeoutMs) - now);
    return new GatewayError("RATE_LIMITED", message, { details: { code }, retryAfterMs });
  }

  private notPending(id: string): GatewayError {
    const ending = typeof id === "string" ? this.recent.get(id) : undefined;
    if (ending === "decided" || ending === "cancelled") {
      return new GatewayError("INVALID_REQUEST", "this approval request was already decided", {
        details: { code: "APPROVAL_ALREADY_RESOLVED", id },
      });
    }
    return new GatewayError("INVALID_REQUEST", "no pending approval request with this id (unknown or expired)", {
      details: { code: "APPROVAL_NOT_FOUND" },
    });
  }

  private expireDue(now: number): void {
    for (const entry of [...this.pending.values()]) {
      if (now >= entry.view.expiresAtMs) this.finish(entry, "reject", "timeout", null, "expired");
    }
  }

  private expire(id: string): void {
    const entry = this.pending.get(id);
    if (entry !== undefined) this.finish(entry, "reject", "timeout", null, "expired");
  }

  private finish(
    entry: Entry,
    decision: ApprovalDecision,
    reason: string,
    decider: string | null,
    ending: Ending,
    deciderRemoteIp?: string,
  ): ApprovalOutcome {
    const { view } = entry;
    this.pending.delete(view.id);
    const left = (this.pendingByRequester.get(view.requester.id) ?? 1) - 1;
    if (left > 0) this.pendingByRequester.set(view.requester.id, left);
    else this.pendingByRequester.delete(view.requester.id);
    entry.cancelTimer();
    this.recent.remember(view.id, ending);

    const outcome: ApprovalOutcome = Object.freeze({
      decision,
      reason,
      decider,
      request: view,
      ...(deciderRemoteIp !== undefined ? { deciderRemoteIp } : {}),
    });
    entry.settle(outcome);
    this.emit("exec.approval.resolved", { id: view.id, decision, reason, decider }, view.requester.id);
    return outcome;
  }

  /** Delivery problems must not corrupt the manager's state; the request still times out. */
  private emit(event: ApprovalEvent, payload: object, requesterId: string): void {
    try {
      this.notify(event, payload, { requesterId });
    } catch {
      // The integrator's notify owns delivery errors; nothing here depends on it.
    }
  }
}
