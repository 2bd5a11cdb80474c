import type { Clock } from "../core/clock.js";

export type ApprovalDecision = "approve" | "reject";
export type ApprovalEvent = "exec.approval.requested" | "exec.approval.resolved";

export interface ApprovalRequester {
  /** The principal id. */
  id: string;
  connId?: string;
  remoteIp?: string;
}

export interface ApprovalRequestInput {
  command: string;
  cwd: string;
  agentId: string;
  requester: ApprovalRequester;
  /** Command classes that made approval necessary (`elevated`, `destructive`). */
  classes: readonly string[];
  traceId?: string;
}

/** A frozen snapshot of exactly what will run if approved. */
export interface PendingApprovalView {
  readonly id: string;
  readonly command: string;
  readonly cwd: string;
  readonly agentId: string;
  readonly requester: Readonly<ApprovalRequester>;
  readonly classes: readonly string[];
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly traceId?: string;
}

export interface ApprovalOutcome {
  readonly decision: ApprovalDecision;
  /** The decider's reason, or `timeout`, or the cancelAll reason. */
  readonly reason: string;
  /** The deciding principal; null on timeout or cancellation. */
  readonly decider: string | null;
  /** The decider's client address, when the decider gave one. */
  readonly deciderRemoteIp?: string;
  readonly request: PendingApprovalView;
}

export interface ApprovalHandle {
  id: string;
  expiresAtMs: number;
  /** Settles exactly once, never rejects. */
  decision: Promise<ApprovalOutcome>;
}

export interface ApprovalDecider {
  id: string;
  /** Whether the decider's connection holds exec.approve (after scopes). */
  canApprove: boolean;
  /** The decider's client address (recorded with the decision). */
  remoteIp?: string;
}

/** Starts a timer; returns a function that cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

export type ApprovalNotify = (event: ApprovalEvent, payload: object, meta: { requesterId: string }) => void;

export interface ApprovalManagerOptions {
  clock: Clock;
  /** `approvals.exec.timeoutMs`: how long a request waits before it is rejected. Default 120000. */
  timeoutMs?: number;
  /** Pending requests one principal may have at once. Default 20. */
  maxPendingPerRequester?: number;
  /** Pending requests in total. Default 500. */
  maxPending?: number;
  /** Decided ids remembered so a late decision gets APPROVAL_ALREADY_RESOLVED. Default 1000. */
  rememberResolved?: number;
  /** Delivery of events; the integrator sends `requested` to approvers other than meta.requesterId. */
  notify: ApprovalNotify;
  /** Timer source for tests; default setTimeout (unref'd). */
  setTimer?: SetTimer;
}
