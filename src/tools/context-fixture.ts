/** A ToolContext over a fresh temp workspace, for tests. */
import { makeTempDirs } from "../sandbox/temp-workspace.js";
import type { TempDirs } from "../sandbox/temp-workspace.js";
import { defaultToolLimits } from "./types.js";
import type { ToolContext, ToolLimits } from "./types.js";

export interface Fixture extends TempDirs {
  ctx(overrides?: Partial<Omit<ToolContext, "limits">> & { limits?: Partial<ToolLimits> }): ToolContext;
}

export async function makeFixture(): Promise<Fixture> {
  const t = await makeTempDirs("clawdbot-tools-");
  return {
    ...t,
    ctx: (overrides = {}) => ({
      agentId: "main",
      workspace: t.workspace,
      policy: "sandbox",
      hiddenPaths: [],
      ...overrides,
      limits: { ...defaultToolLimits, ...overrides.limits },
    }),
  };
}

/** Predicate for assert.rejects: a GatewayError with this code (and rule, for FORBIDDEN). */
export function gatewayError(code: string, ruleOrMessage?: string | RegExp) {
  return (e: unknown): boolean => {
    if (typeof e !== "object" || e === null || !("code" in e) || e.code !== code) return false;
    if (ruleOrMessage === undefined) return true;
    if (ruleOrMessage instanceof RegExp) return e instanceof Error && ruleOrMessage.test(e.message);
    const details = (e as { details?: { rule?: string } }).details;
    return details?.rule === ruleOrMessage;
  };
}
