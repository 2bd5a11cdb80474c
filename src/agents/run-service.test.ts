import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { FileSessionStore } from "./file-session-store.js";
import { MemoryRunStore } from "./run-store.js";
import { RunService, type ResolvedAgent, type RunOwner, type RunServiceDeps } from "./run-service.js";
import { ProviderError, type ModelRequest, type ModelStreamEvent, type ToolCall } from "./providers/types.js";
import type { CallModel } from "./loop.js";

type Turn = ModelStreamEvent[] | "hang" | ProviderError;

/** A scripted model (our own interface's test double): answers each call with the next turn, records requests. */
/**
 * A scripted model: turns in call order, or — where concurrent runs reach the model in an order
 * the test does not control — keyed by the run's last user message.
 */
function scripted(turns: Turn[] | Record<string, Turn>): { call: CallModel; requests: Omit<ModelRequest, "model">[]; aborted: Promise<void> } {
  const requests: Omit<ModelRequest, "model">[] = [];
  let onAbort!: () => void;
  const aborted = new Promise<void>((r) => (onAbort = r));
  const call: CallModel = async function* (req, signal) {
    requests.push(structuredClone(req));
    const lastUser = [...req.messages].reverse().find((m) => m.role === "user");
    const t = Array.isArray(turns) ? turns.shift() : lastUser?.role === "user" ? turns[lastUser.text] : undefined;
    if (t === undefined) throw new Error("no scripted turn");
    if (t instanceof ProviderError) throw t;
    if (t === "hang") {
      yield { type: "text", delta: "thinking" };
      await new Promise<void>((_, reject) =>
        signal.addEventListener("abort", () => {
          onAbort();
          reject(new ProviderError("aborted", "request aborted"));
        }),
      );
      return;
    }
    for (const ev of t) yield ev;
  };
  return { call, requests, aborted };
}

const text = (s: string, input = 10, output = 5): ModelStreamEvent[] => [
  ...s.split(/(?<= )/).map((delta) => ({ type: "text" as const, delta })),
  { type: "done", stopReason: "end_turn", usage: { inputTokens: input, outputTokens: output } },
];
const toolUse = (...calls: ToolCall[]): ModelStreamEvent[] => [
  ...calls.map((call) => ({ type: "tool_call" as const, call })),
  { type: "done", stopReason: "tool_use", usage: { inputTokens: 7, outputTokens: 3 } },
];

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

interface Harness {
  service: RunService<RunOwner>;
  events: { to: string; event: string; payload: Record<string, any> }[];
  audits: { owner: string; outcome: string; metadata: Record<string, unknown> }[];
  toolCalls: ToolCall[];
  sessions: FileSessionStore;
  stateDir: string;
}

async function harness(model: CallModel, opts: { agent?: Partial<ResolvedAgent>; deps?: Partial<RunServiceDeps<RunOwner>>; stateDir?: string } = {}): Promise<Harness> {
  const stateDir = opts.stateDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), "agents-test-")));
  dirs.push(stateDir);
  const events: Harness["events"] = [];
  const audits: Harness["audits"] = [];
  const toolCalls: ToolCall[] = [];
  const sessions = new FileSessionStore(stateDir);
  const service = new RunService<RunOwner>({
    sessions,
    runs: new MemoryRunStore(),
    publish: (to, event, payload) => events.push({ to, event, payload }),
    now: () => Date.now(),
    agent: (id) => ({
      id,
      systemPrompt: "You are a test.",
      maxTurns: 5,
      runTimeoutSec: 600,
      maxOutputTokens: 100,
      contextWindow: 128_000,
      provider: "p",
      model: "m",
      callModel: model,
      ...opts.agent,
    }),
    offeredTools: () => [{ name: "read", description: "read a file", inputSchema: { type: "object" } }],
    runTool: async (_o, _r, call) => {
      toolCalls.push(call);
      return call.name === "read" ? { text: "file contents", isError: false } : { text: `FORBIDDEN: tool ${call.name} is not allowed`, isError: true };
    },
    auditRun: async (o, outcome, metadata) => void audits.push({ owner: o.principalId, outcome, metadata }),
    limits: () => ({ maxRunsPerPrincipal: 2, maxMessageBytes: 1024 }),
    log: () => undefined,
    ...opts.deps,
  });
  return { service, events, audits, toolCalls, sessions, stateDir };
}

const alice: RunOwner = { principalId: "alice" };
const bob: RunOwner = { principalId: "bob" };
const start = (h: Harness, owner: RunOwner, runId: string, message: string, sessionKey = "agent:main:main") =>
  h.service.start(owner, { runId, agentId: "main", sessionKey, message });

describe("RunService", () => {
  it("streams a reply as agent and chat events to the owner only, and records the transcript and usage", async () => {
    const m = scripted([text("hello there you")]);
    const h = await harness(m.call);
    const { run, created } = start(h, alice, "r1", "hi");
    assert.equal(created, true);
    const outcome = await run.done;
    assert.equal(outcome.status, "ok");
    assert.equal(outcome.text, "hello there you");
    assert.ok(h.events.every((e) => e.to === "alice"));
    const deltas = h.events.filter((e) => e.event === "chat" && e.payload.state === "delta").map((e) => e.payload.deltaText);
    assert.deepEqual(deltas, ["hello ", "there ", "you"]);
    const assistant = h.events.filter((e) => e.event === "agent" && e.payload.stream === "assistant");
    assert.equal(assistant.at(-1)?.payload.data.text, "hello there you");
    const phases = h.events.filter((e) => e.payload.stream === "lifecycle").map((e) => e.payload.data.phase);
    assert.deepEqual(phases, ["start", "end"]);
    assert.equal(h.events.at(-1)?.payload.state, "final");
    const seqs = h.events.filter((e) => e.event === "agent").map((e) => e.payload.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
    assert.equal(m.requests[0]?.system, "You are a test.");
    const entry = await h.sessions.get("alice", "agent:main:main", "main");
    assert.equal(entry?.inputTokens, 10);
    assert.equal(entry?.outputTokens, 5);
    const lines = await h.sessions.read(entry!);
    assert.deepEqual(lines.map((l) => l.role), ["user", "assistant"]);
    assert.equal(h.audits[0]?.outcome, "success");
    assert.equal(h.audits[0]?.metadata.turns, 1);
    assert.ok(!JSON.stringify(h.audits).includes("hello"), "no message text in the audit record");
  });

  it("runs tool calls and feeds results (errors included) back, keeping each call with its result", async () => {
    const m = scripted([
      toolUse({ id: "c1", name: "read", args: { path: "a.txt" } }, { id: "c2", name: "bash", args: { command: "ls" } }),
      text("done"),
    ]);
    const h = await harness(m.call);
    const outcome = await start(h, alice, "r2", "read it").run.done;
    assert.equal(outcome.status, "ok");
    assert.equal(outcome.turns, 2);
    assert.deepEqual(h.toolCalls.map((c) => c.name), ["read", "bash"]);
    const second = m.requests[1]!;
    assert.deepEqual(
      second.messages.map((x) => x.role),
      ["user", "assistant", "tool", "tool"],
    );
    const results = second.messages.filter((x) => x.role === "tool");
    assert.deepEqual(results.map((r) => r.role === "tool" && r.isError), [false, true]);
    const toolEvents = h.events.filter((e) => e.payload.stream === "tool").map((e) => `${e.payload.data.phase}:${e.payload.data.name}`);
    assert.deepEqual(toolEvents, ["start:read", "result:read", "start:bash", "result:bash"]);
  });

  it("stops at maxTurns", async () => {
    const call = { id: "c", name: "read", args: {} };
    const m = scripted([toolUse(call), toolUse(call), toolUse(call)]);
    const h = await harness(m.call, { agent: { maxTurns: 2 } });
    const outcome = await start(h, alice, "r3", "loop").run.done;
    assert.equal(outcome.stopReason, "max_turns");
    assert.equal(m.requests.length, 2);
  });

  it("dedupes by idempotencyKey per principal, refuses a busy session and the per-principal cap", async () => {
    // Three runs reach the model concurrently, in no fixed order: the script answers by message.
    const m = scripted({ one: "hang", three: "hang", bob: text("bob's") });
    const h = await harness(m.call);
    const a = start(h, alice, "k", "one");
    assert.equal(start(h, alice, "k", "one again").run, a.run);
    assert.equal(start(h, alice, "k", "one again").created, false);
    assert.throws(() => start(h, alice, "k2", "two"), (e: any) => e.details?.code === "BUSY");
    start(h, alice, "k3", "three", "agent:main:other");
    assert.throws(() => start(h, alice, "k4", "four", "agent:main:third"), (e: any) => e.code === "RATE_LIMITED");
    // Bob's key "k" is his own run, on his own session.
    const b = start(h, bob, "k", "bob");
    assert.notEqual(b.run, a.run);
    assert.equal((await b.run.done).text, "bob's");
    assert.deepEqual(h.service.abort("alice", "agent:main:main"), ["k"]);
    assert.equal((await a.run.done).status, "aborted");
    await h.service.close();
  });

  it("abort reaches the model call; the run ends aborted and the session takes a new run", async () => {
    const m = scripted(["hang", text("after")]);
    const h = await harness(m.call);
    const { run } = start(h, alice, "r4", "wait");
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (h.events.some((e) => e.payload.state === "delta")) {
          clearInterval(t);
          r();
        }
      }, 5);
    });
    assert.deepEqual(h.service.abort("alice", "agent:main:main", "r4"), ["r4"]);
    await m.aborted;
    const outcome = await run.done;
    assert.equal(outcome.status, "aborted");
    assert.equal(h.events.at(-1)?.payload.state, "aborted");
    assert.equal((await start(h, alice, "r5", "again").run.done).text, "after");
  });

  it("a provider error fails the run with a safe message; the run timeout aborts", async () => {
    const m = scripted([new ProviderError("auth", "authentication failed (401)", 401), "hang"]);
    const h = await harness(m.call, { agent: { runTimeoutSec: 1 } });
    const failed = await start(h, alice, "e1", "x").run.done;
    assert.equal(failed.status, "error");
    assert.match(failed.error?.message ?? "", /auth/);
    assert.equal(h.audits[0]?.outcome, "failure");
    const timed = await start(h, alice, "e2", "y").run.done;
    assert.equal(timed.status, "timeout");
    await m.aborted;
  });

  it("keeps sessions per principal and across a new store (restart)", async () => {
    const m = scripted([text("for alice"), text("for bob"), text("alice again")]);
    const h = await harness(m.call);
    await start(h, alice, "s1", "alice says").run.done;
    await start(h, bob, "s2", "bob says").run.done;
    assert.deepEqual(m.requests[1]?.messages.map((x) => x.role === "user" && x.text), ["bob says"]);
    const h2 = await harness(m.call, { stateDir: h.stateDir });
    await start(h2, alice, "s3", "more").run.done;
    assert.deepEqual(m.requests[2]?.messages.map((x) => x.role), ["user", "assistant", "user"]);
    const st = await fs.stat(path.join(h.stateDir, "agents", "main", "sessions"));
    assert.equal(st.mode & 0o777, 0o700);
    for (const f of await fs.readdir(path.join(h.stateDir, "agents", "main", "sessions")))
      assert.equal((await fs.stat(path.join(h.stateDir, "agents", "main", "sessions", f))).mode & 0o777, 0o600);
  });

  it("a long session never outgrows the context window: old turns are left out of the request, the transcript keeps them", async () => {
    const m = scripted(Array.from({ length: 8 }, (_, i) => text(`answer ${i} `.repeat(80))));
    const h = await harness(m.call, { agent: { contextWindow: 2_000, maxOutputTokens: 200 } });
    for (let i = 0; i < 8; i++) assert.equal((await start(h, alice, `long${i}`, `question ${i} `.repeat(80)).run.done).status, "ok");
    const last = m.requests.at(-1)!;
    assert.ok(last.messages.length < 15, `request trimmed (${last.messages.length} messages)`);
    assert.equal(last.messages[0]?.role, "user");
    assert.match(last.system ?? "", /earlier messages of this conversation were left out/);
    const bytes = Buffer.byteLength(JSON.stringify(last.messages)) + Buffer.byteLength(last.system ?? "");
    assert.ok(bytes / 4 < 2_000 - 200, "within the window by the estimate");
    const entry = await h.sessions.get("alice", "agent:main:main", "main");
    assert.equal((await h.sessions.read(entry!)).length, 16, "the transcript keeps everything");
  });

  it("refuses to start a run while the audit log cannot record it", async () => {
    const h = await harness(scripted([]).call, { deps: { canRecord: () => false } });
    assert.throws(() => start(h, alice, "nolog", "x"), (e: any) => e.code === "UNAVAILABLE" && /audit/.test(e.message));
  });

  it("refuses an oversized message", async () => {
    const h = await harness(scripted([]).call);
    assert.throws(() => start(h, alice, "big", "x".repeat(2000)), (e: any) => e.code === "PAYLOAD_TOO_LARGE");
  });
});
