/** `approvals.exec` as the config layer hands it over. */
export interface ExecApprovalConfig {
  enabled: boolean;
  /** Command classes that wait for a human; the guide's default is both. */
  requireApproval: readonly string[];
  timeoutMs: number;
}

/** True when a command of these classes must wait for an approver. */
export function requiresApproval(config: ExecApprovalConfig, classes: readonly string[]): boolean {
  return config.enabled && classes.some((c) => config.requireApproval.includes(c));
}
