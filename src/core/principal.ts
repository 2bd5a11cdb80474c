/** How a principal proved who it is. Recorded as `metadata.method` on `auth.login`. */
export type AuthMethod = "token" | "password" | "device-token" | "tailscale" | "none";

/** Who a request acts as. RBAC assignments map `id` to a role. */
export interface Principal {
  /** The principal id: `owner`, `ci@company.com`, a Tailscale login, ... */
  readonly id: string;
  readonly method: AuthMethod;
  /** Set when a paired device authenticated; the principal is the one it was bound to. */
  readonly deviceId?: string;
}
