export { ApprovalManager } from "./approval-manager.js";
export { APPROVAL_DEFAULTS } from "./limits.js";
export type { ExecApprovalConfig } from "./requires-approval.js";
export { requiresApproval } from "./requires-approval.js";
export type {
  ApprovalDecider,
  ApprovalDecision,
  ApprovalEvent,
  ApprovalHandle,
  ApprovalManagerOptions,
  ApprovalNotify,
  ApprovalOutcome,
  ApprovalRequestInput,
  ApprovalRequester,
  PendingApprovalView,
  SetTimer,
} from "./types.js";
