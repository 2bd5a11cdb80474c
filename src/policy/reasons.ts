/** The closed list of reasons a policy decision denies. */
export const DENY_REASONS = [
  /** RBAC is on and the principal has no assignment and there is no defaultRole. */
  "no_role",
  /** The role's `agents` list does not include the agent. */
  "agent_not_allowed",
  /** The tool is in the role's `tools.deny`. */
  "tool_denied",
  /** The role has a non-empty `tools.allow` and the tool is not in it. */
  "tool_not_allowed",
  /** The role may only use tools that change nothing, and this one does. */
  "read_only",
  /** The role lacks the permission the action needs. */
  "missing_permission",
  /** The role holds the permission but the connection's granted scopes do not. */
  "scope_not_granted",
] as const;
export type DenyReason = (typeof DENY_REASONS)[number];

export interface Allow {
  allow: true;
  roleId?: string;
}

export interface Deny {
  allow: false;
  reason: DenyReason;
  permission?: string;
  tool?: string;
  agentId?: string;
  roleId?: string;
  /** Human-readable; names the role, tool, agent or permission, never a secret. */
  message: string;
}

export type Decision = Allow | Deny;

/** Quotes a client-supplied name for a message, bounded in length. */
export function quoteName(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}
