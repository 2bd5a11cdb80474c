/**
 * The guide's own YAML snippets, verbatim (src/config/guide-snippets.test.ts checks
 * them against the guide when shared/ is beside the checkout). Tests that need the
 * guide's RBAC example use these instead of keeping copies.
 */

/** "Role-Based Access Control (RBAC)": the devops/support example. */
export const GUIDE_RBAC = `rbac:
  enabled: true
  defaultRole: user  # Fallback for unassigned users

  roles:
    # Custom role for DevOps team
    devops:
      name: "DevOps Engineer"
      permissions:
        - exec           # Basic command execution
        - exec.elevated  # Sudo/admin commands
        - exec.approve   # Can approve exec requests
      agents:
        - main
        - deploy

    # Restricted role for support
    support:
      name: "Support Agent"
      permissions:
        - exec
      tools:
        deny:
          - bash
          - write

  assignments:
    "admin@company.com": admin
    "devops@company.com": devops
    "support@company.com": support
`;

/** "Tool Restrictions": shown in the guide as a fragment starting at `roles:`. */
export const GUIDE_TOOL_RESTRICTIONS = `roles:
  limited:
    name: "Limited User"
    permissions: [exec]
    tools:
      allow:
        - read
        - search
        - glob
      deny:
        - bash
        - write
        - edit
`;

/** Places a guide fragment (such as GUIDE_TOOL_RESTRICTIONS) where it belongs in a config file. */
export function underRbac(fragment: string): string {
  return `rbac:\n${fragment.replace(/^(?=.)/gm, "  ")}`;
}
