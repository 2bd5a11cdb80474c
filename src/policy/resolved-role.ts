import type { Permission } from "./permissions.js";

/** A role after validation, with its sets precomputed for fast decisions. */
export interface ResolvedRole {
  readonly id: string;
  readonly name: string;
  /** As configured (deduplicated). */
  readonly permissions: readonly Permission[];
  /** The permissions plus everything they imply. */
  readonly effective: ReadonlySet<Permission>;
  /** Agents the role reaches; `null` means every agent. */
  readonly agents: ReadonlySet<string> | null;
  /** Canonical tool keys (see toolKey) the role may use; `null` means every tool. */
  readonly toolAllow: ReadonlySet<string> | null;
  /** Canonical tool keys the role may never use; beats toolAllow. */
  readonly toolDeny: ReadonlySet<string>;
  /** True when this is a built-in role not overridden by config. */
  readonly builtin: boolean;
}
