/**
 * The declarative method → permission table. The dispatcher checks it in one
 * place before any handler runs; a method not in this table is refused.
 * `authenticated` means any authenticated principal; `tool` means the tool
 * pipeline authorises per tool (RBAC tool/agent rules, exec permissions);
 * `agent` means the run service authorises the agent (RBAC `agents`) and each
 * tool call of the run goes through the tool pipeline. Session methods act on
 * the caller's own sessions; naming another `principal` needs `admin`.
 */
import { z } from "zod";

export type MethodPermission = "authenticated" | "tool" | "agent" | "exec.approve" | "admin";

const toolInvoke = z.strictObject({
  tool: z.string().min(1).max(64),
  args: z.record(z.string(), z.unknown()).default({}),
  agentId: z.string().min(1).max(64).optional(),
});

const sessionKey = z.string().min(1).max(256);
const idempotencyKey = z.string().min(1).max(128);
const otherPrincipal = z.string().min(1).max(256).optional();

export const METHOD_TABLE = {
  health: { permission: "authenticated", params: z.object({}).loose() },
  status: { permission: "authenticated", params: z.object({}).loose() },
  "tools.invoke": { permission: "tool", params: toolInvoke },
  /** The tools the caller may use on the agent, each with the JSON Schema of its args. */
  "tools.catalog": { permission: "authenticated", params: z.strictObject({ agentId: z.string().min(1).max(64).optional() }) },
  "exec.approval.list": { permission: "exec.approve", params: z.object({}).loose() },
  "exec.approval.resolve": {
    permission: "exec.approve",
    params: z.strictObject({
      id: z.string().min(1).max(128),
      decision: z.enum(["approve", "reject"]),
      reason: z.string().max(1000).optional(),
    }),
  },
  /** The caller's own pending requests (no exec.approve needed: they are the requester). */
  "exec.approval.mine": { permission: "authenticated", params: z.object({}).loose() },
  /** The requester withdraws their own pending request; anyone else gets FORBIDDEN (NOT_REQUESTER). */
  "exec.approval.cancel": { permission: "authenticated", params: z.strictObject({ id: z.string().min(1).max(128) }) },
  "device.pair.list": { permission: "admin", params: z.object({}).loose() },
  "device.pair.approve": {
    permission: "admin",
    params: z.strictObject({ requestId: z.string().min(1).max(128), principal: z.string().min(1).max(256).optional() }),
  },
  "device.pair.reject": { permission: "admin", params: z.strictObject({ requestId: z.string().min(1).max(128) }) },
  "device.token.rotate": { permission: "admin", params: z.strictObject({ deviceId: z.string().min(1).max(128) }) },
  "device.token.revoke": { permission: "admin", params: z.strictObject({ deviceId: z.string().min(1).max(128) }) },
  "audit.query": {
    permission: "admin",
    params: z.strictObject({
      type: z.string().max(64).optional(),
      actor: z.string().max(256).optional(),
      outcome: z.string().max(32).optional(),
      since: z.string().max(64).optional(),
      limit: z.number().int().min(1).max(10_000).default(100),
    }),
  },
  agent: {
    permission: "agent",
    // Loose: OpenClaw clients send more (deliver, channel, thinking, …) than a gateway without channels reads.
    params: z
      .object({
        message: z.string(),
        idempotencyKey,
        agentId: z.string().min(1).max(64).optional(),
        sessionKey: sessionKey.optional(),
        timeout: z.number().int().positive().optional(),
        extraSystemPrompt: z.string().max(20_000).optional(),
      })
      .loose(),
  },
  "agent.wait": {
    permission: "authenticated",
    params: z.object({ runId: idempotencyKey, timeoutMs: z.number().int().min(0).max(86_400_000).default(30_000) }).loose(),
  },
  "chat.send": {
    permission: "agent",
    params: z.object({ sessionKey, message: z.string(), idempotencyKey: idempotencyKey.optional() }).loose(),
  },
  "chat.history": {
    permission: "authenticated",
    params: z.object({ sessionKey, limit: z.number().int().min(1).max(1_000).default(200), principal: otherPrincipal }).loose(),
  },
  "chat.abort": { permission: "authenticated", params: z.object({ sessionKey, runId: idempotencyKey.optional() }).loose() },
  "sessions.list": {
    permission: "authenticated",
    params: z.object({ agentId: z.string().min(1).max(64).optional(), limit: z.number().int().min(1).max(1_000).default(100), principal: otherPrincipal }).loose(),
  },
  "sessions.reset": { permission: "authenticated", params: z.object({ key: sessionKey, principal: otherPrincipal }).loose() },
  "sessions.delete": { permission: "authenticated", params: z.object({ key: sessionKey, principal: otherPrincipal }).loose() },
  "agents.list": { permission: "authenticated", params: z.object({}).loose() },
  "models.list": { permission: "authenticated", params: z.object({}).loose() },
  // Control page (docs/protocol.md "Control page methods").
  "exec.approval.recent": { permission: "exec.approve", params: z.object({}).loose() },
  "audit.tail": {
    permission: "admin",
    params: z.strictObject({ subscribe: z.boolean().default(true), backlog: z.number().int().min(0).max(1000).default(100) }),
  },
  "audit.verify": { permission: "admin", params: z.object({}).loose() },
  "status.details": { permission: "admin", params: z.object({}).loose() },
  "doctor.run": { permission: "admin", params: z.object({}).loose() },
} as const satisfies Record<string, { permission: MethodPermission; params: z.ZodType }>;

export type MethodName = keyof typeof METHOD_TABLE;
export type MethodParams<M extends MethodName> = z.output<(typeof METHOD_TABLE)[M]["params"]>;
export const METHOD_NAMES = Object.keys(METHOD_TABLE) as MethodName[];

export function isMethodName(m: string): m is MethodName {
  return Object.prototype.hasOwnProperty.call(METHOD_TABLE, m);
}

export const toolInvokeParams = toolInvoke;
