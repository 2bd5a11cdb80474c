/** What every page shares: the client, what the principal may do, and the page's lifecycle. */
import type { GatewayClient, Hello } from "./socket";

export interface Caps {
  principal: string;
  role: string | null;
  admin: boolean;
  /** May decide exec approvals (exec.approve). */
  approve: boolean;
}

export function capsOf(hello: Hello): Caps {
  const scopes = new Set(hello.auth.scopes);
  const admin = scopes.has("operator.admin");
  return { principal: hello.auth.principal, role: hello.auth.rbacRole, admin, approve: admin || scopes.has("operator.approvals") };
}

export interface View {
  el: HTMLElement;
  dispose(): void;
}

export type ViewFactory = (client: GatewayClient, caps: Caps) => View;

/** Runs `load` now if connected and after every reconnect; returns the unsubscribe. */
export function whenOpen(client: GatewayClient, load: () => void): () => void {
  if (client.state === "open") load();
  return client.onState((s) => {
    if (s === "open") load();
  });
}
