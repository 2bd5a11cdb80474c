/**
 * Agent-run test helpers: a gateway whose providers point at the loopback model stand-in (driven by the
 * real SDKs), named principals with their own tokens and roles, and a run that collects its frames.
 */
import crypto from "node:crypto";
import { connectWs, randomToken, startTestGateway, type RawWs, type TestGateway, type WsFrame } from "./harness.js";
import { after, before } from "node:test";
import { startModelStandIn, type StandIn } from "./model-standin.js";

export const PEOPLE = ["alice", "bob", "viewer", "approver"] as const;
export type Person = (typeof PEOPLE)[number];

export interface AgentGateway {
  t: TestGateway;
  tokens: Record<Person, string>;
  /** The provider API keys in force (checked never to leak). */
  keys: { anthropic: string; local: string };
  connect(who: Person | "owner"): Promise<RawWs>;
}

export const principalOf = (p: Person): string => `${p}@company.com`;

export async function startAgentGateway(
  standIn: StandIn,
  over: { config?: Record<string, unknown>; stateDir?: string; tokens?: Record<Person, string>; keys?: { anthropic: string; local: string } } = {},
): Promise<AgentGateway> {
  const tokens = over.tokens ?? (Object.fromEntries(PEOPLE.map((p) => [p, randomToken()])) as Record<Person, string>);
  // Keys shaped like real ones, one beginning with "-" (an awkward case for anything that parses them).
  const keys = over.keys ?? { anthropic: `sk-ant-${crypto.randomBytes(20).toString("hex")}`, local: `-${crypto.randomBytes(16).toString("base64url")}` };
  const env: Record<string, string> = { ANTHROPIC_API_KEY: keys.anthropic, LOCAL_KEY: keys.local };
  for (const p of PEOPLE) env[`T_${p.toUpperCase()}`] = tokens[p];
  const config = {
    gateway: {
      auth: { users: PEOPLE.map((p) => ({ id: principalOf(p), token: `\${T_${p.toUpperCase()}}` })) },
      rateLimit: { maxRequests: 10_000 },
    },
    models: {
      anthropic: { apiKey: "${ANTHROPIC_API_KEY}", baseUrl: standIn.anthropicBaseUrl, maxRetries: 1, retryBaseMs: 1 },
      local: { api: "openai-completions", baseUrl: standIn.openaiBaseUrl, apiKey: "${LOCAL_KEY}", maxRetries: 0 },
    },
    agents: {
      main: { model: "anthropic/claude-test", fallbacks: ["local/qwen-test"], systemPrompt: "You are a test agent." },
      local: { model: "local/qwen-test" },
      bare: {},
    },
    rbac: {
      enabled: true,
      assignments: { [principalOf("alice")]: "operator", [principalOf("bob")]: "operator", [principalOf("viewer")]: "viewer", [principalOf("approver")]: "operator" },
    },
    approvals: { exec: { enabled: true, requireApproval: ["elevated", "destructive"], timeoutMs: 60_000 } },
    tools: { policy: "sandbox" },
    ...over.config,
  };
  const t = await startTestGateway({ config, env, ...(over.stateDir ? { stateDir: over.stateDir } : {}) });
  return {
    t,
    tokens,
    keys,
    connect: async (who) => (await connectWs(t.wsUrl, { token: who === "owner" ? t.token : tokens[who] })).c,
  };
}

export interface RunFrames {
  accepted: WsFrame;
  final: WsFrame;
  /** The run's `agent` and `chat` events as received, in order. */
  events: WsFrame[];
}

let n = 0;
/** Sends `agent` and waits for both `res` frames with the request's id. */
export async function runAgent(c: RawWs, params: Record<string, unknown>, timeoutMs = 30_000): Promise<RunFrames> {
  const id = `run-${++n}-${crypto.randomBytes(4).toString("hex")}`;
  const idempotencyKey = (params.idempotencyKey as string | undefined) ?? id;
  c.send({ type: "req", id, method: "agent", params: { idempotencyKey, ...params } });
  const accepted = await c.next((f) => f.type === "res" && f.id === id, timeoutMs);
  if (accepted.ok === false) return { accepted, final: accepted, events: [] };
  const final = await c.next((f) => f.type === "res" && f.id === id && f !== accepted, timeoutMs);
  const events = c.frames.filter((f) => f.type === "event" && (f.event === "agent" || f.event === "chat") && (f.payload as any)?.runId === idempotencyKey);
  return { accepted, final, events };
}

export const stream = (r: RunFrames, name: string): any[] =>
  r.events.filter((e) => e.event === "agent" && (e.payload as any).stream === name).map((e) => (e.payload as any).data);
export const chatStates = (r: RunFrames): string[] => r.events.filter((e) => e.event === "chat").map((e) => (e.payload as any).state);

export interface AgentFixture {
  standIn: StandIn;
  /** Reassignable: a test that restarts the gateway puts the new one here. */
  g: AgentGateway;
  /** Connections opened through `open`, closed after the file's tests. */
  sockets: RawWs[];
  open(who: Parameters<AgentGateway["connect"]>[0]): Promise<RawWs>;
}

/** Registers before/after hooks for a test file: the model stand-in, a gateway using it, and cleanup. */
export function agentFixture(): AgentFixture {
  const fx = { sockets: [] as RawWs[] } as AgentFixture;
  fx.open = async (who) => {
    const c = await fx.g.connect(who);
    fx.sockets.push(c);
    return c;
  };
  before(async () => {
    fx.standIn = await startModelStandIn();
    fx.g = await startAgentGateway(fx.standIn);
  });
  after(async () => {
    for (const s of fx.sockets) s.close();
    await fx.g.t.close();
    await fx.standIn.close();
  });
  return fx;
}
