/** What an authenticated WebSocket connection acts as. */
import type { Principal } from "../core/principal.js";
import type { Permission } from "../policy/index.js";
import type { ClientInfo } from "./client.js";

export interface Session {
  principal: Principal;
  client: ClientInfo;
  /** Effective permissions: the role narrowed by the granted scopes. */
  scopes: ReadonlySet<Permission>;
  grantedScopes: readonly string[];
  rbacRole: string | null;
  clientRole: string;
  /** Aborted when the connection closes: running tools stop, pending approvals are withdrawn. */
  signal?: AbortSignal;
}
