import type { CheckName, Finding } from "./types.js";

/** The note a check leaves when it needs the config and the config is invalid. */
export function skippedForInvalidConfig(check: CheckName): Finding {
  return {
    check,
    id: `${check}.skipped`,
    status: "warn",
    subject: "(config)",
    message: "skipped: the config is invalid (see the config findings)",
    fix: "fix the config errors and run clawdbot doctor again",
  };
}
