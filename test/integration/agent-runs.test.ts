/**
 * Agent runs end to end: the real gateway, the real SDKs, the loopback model stand-in. Each tool call a
 * model makes goes through the tool pipeline as the run's principal (sandbox, RBAC, blocklist, approvals).
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startModelStandIn, type StandIn } from "../helpers/model-standin.js";
import { chatStates, principalOf, runAgent, startAgentGateway, stream, type AgentGateway } from "../helpers/agents.js";
import type { RawWs } from "../helpers/harness.js";

let standIn: StandIn;
let g: AgentGateway;
let alice: RawWs;
let approver: RawWs;
before(async () => {
  standIn = await startModelStandIn();
  g = await startAgentGateway(standIn);
  alice = await g.connect("alice");
  approver = await g.connect("approver");
});
after(async () => {
  alice.close();
  approver.close();
  await g.t.close();
  await standIn.close();
});

const toolNames = (body: any): string[] => (body.tools ?? []).map((t: any) => t.name ?? t.function?.name).sort();

describe("agent runs", () => {
  test("a streamed reply: accepted then final res on one id, deltas as events, transcript on disk, agent.run audited without text", async () => {
    standIn.enqueue({ text: "Hello from the stand-in model" });
    const r = await runAgent(alice, { message: "say hello" });
    assert.equal(r.accepted.ok, true);
    assert.equal(r.accepted.payload?.status, "accepted");
    assert.equal(r.final.ok, true, JSON.stringify(r.final.error));
    const p = r.final.payload as any;
    assert.equal(p.status, "ok");
    assert.equal(p.result.payloads[0].text, "Hello from the stand-in model");
    assert.equal(p.result.meta.agentMeta.provider, "anthropic");
    assert.equal(p.result.meta.agentMeta.model, "claude-test");
    const deltas = r.events.filter((e) => e.event === "chat" && (e.payload as any).state === "delta").map((e) => (e.payload as any).deltaText);
    assert.ok(deltas.length > 1, "streamed in pieces");
    assert.equal(deltas.join(""), "Hello from the stand-in model");
    assert.deepEqual(stream(r, "lifecycle").map((d) => d.phase), ["start", "end"]);
    assert.equal(chatStates(r).at(-1), "final");
    const req = standIn.requests.at(-1)!;
    assert.equal(req.body.system, "You are a test agent.");
    assert.equal(req.body.stream, true);
    const line = await g.t.waitForAudit((l) => l.type === "agent.run" && l.metadata.runId === p.runId);
    assert.equal(line.actor.id, principalOf("alice"));
    assert.equal(line.outcome, "success");
    assert.equal(line.metadata.sessionKey, "agent:main:main");
    assert.equal(line.metadata.provider, "anthropic");
    // The run's token usage is recorded as counts (the redactor keeps numbers under token-named keys).
    const usage = line.metadata.usage as { inputTokens: unknown; outputTokens: unknown };
    assert.ok(typeof usage.inputTokens === "number" && typeof usage.outputTokens === "number", JSON.stringify(usage));
    assert.ok(!JSON.stringify(await g.t.audit()).includes("say hello"), "no message text in the audit log");
    const dir = path.join(g.t.stateDir, "agents", "main", "sessions");
    assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
    const file = path.join(dir, `${p.result.meta.agentMeta.sessionId}.jsonl`);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    const lines = (await fs.readFile(file, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.slice(-2).map((l) => l.role), ["user", "assistant"]);
  });

  test("a tool call runs in the sandbox through the pipeline; its result goes back to the model", async () => {
    standIn.enqueue({ toolCalls: [{ name: "bash", args: { command: "echo made-in-sandbox > made.txt && cat made.txt && ls /root 2>&1 | head -1" } }] }, { text: "done" });
    const r = await runAgent(alice, { message: "make a file", sessionKey: "tools" });
    assert.equal(r.final.ok, true, JSON.stringify(r.final.error));
    const results = stream(r, "tool").filter((d) => d.phase === "result");
    assert.equal(results.length, 1);
    assert.equal(results[0].isError, false);
    assert.match(results[0].result.content[0].text, /made-in-sandbox/);
    assert.equal(await fs.readFile(path.join(g.t.stateDir, "workspace", "made.txt"), "utf8"), "made-in-sandbox\n");
    // The second model call carries the tool result.
    const second = standIn.requests.at(-1)!.body;
    const last = second.messages.at(-1);
    assert.equal(last.role, "user");
    assert.equal(last.content[0].type, "tool_result");
    assert.match(JSON.stringify(last.content[0].content), /made-in-sandbox/);
    const agentRun = await g.t.waitForAudit((l) => l.type === "agent.run" && l.metadata.runId === (r.final.payload as any).runId);
    const exec = await g.t.waitForAudit((l) => l.type === "exec.request" && String(l.metadata.command).includes("made-in-sandbox"));
    assert.equal(exec.traceId, agentRun.traceId, "tool calls carry the run's traceId");
    assert.equal(agentRun.metadata.turns, 2);
  });

  test("the provider key never reaches the sandbox, even when it is in the gateway's own environment", async () => {
    process.env.ANTHROPIC_API_KEY = g.keys.anthropic;
    try {
      standIn.enqueue({ toolCalls: [{ name: "bash", args: { command: "env; cat /proc/1/environ 2>/dev/null | tr '\\0' '\\n'" } }] }, { text: "seen" });
      const r = await runAgent(alice, { message: "show env", sessionKey: "env" });
      const res = stream(r, "tool").find((d) => d.phase === "result");
      assert.equal(res.isError, false);
      assert.match(res.result.content[0].text, /PATH=/);
      assert.ok(!JSON.stringify(r).includes(g.keys.anthropic));
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
    }
  });

  test("a denied tool is not offered, and refused (isError) when the model calls it anyway", async () => {
    const viewer = await g.connect("viewer");
    try {
      standIn.enqueue({ toolCalls: [{ name: "bash", args: { command: "echo nope" } }] }, { text: "ok, I cannot" });
      const r = await runAgent(viewer, { message: "try bash" });
      assert.equal(r.final.ok, true, JSON.stringify(r.final.error));
      const offered = toolNames(standIn.requests.at(-2)!.body);
      assert.deepEqual(offered, ["glob", "read", "search"]);
      const res = stream(r, "tool").find((d) => d.phase === "result");
      assert.equal(res.isError, true);
      assert.match(res.result.content[0].text, /^FORBIDDEN: .*read-only/);
      const denied = await g.t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === principalOf("viewer") && l.metadata.tool === "bash");
      assert.equal(denied.metadata.reason, "read_only");
    } finally {
      viewer.close();
    }
  });

  test("a blocked command is refused inside the run and audited", async () => {
    standIn.enqueue({ toolCalls: [{ name: "bash", args: { command: "rm  -rf  /" } }] }, { text: "blocked, fine" });
    const r = await runAgent(alice, { message: "wipe", sessionKey: "blocked" });
    assert.equal(r.final.ok, true);
    const res = stream(r, "tool").find((d) => d.phase === "result");
    assert.equal(res.isError, true);
    assert.match(res.result.content[0].text, /^BLOCKED: /);
    await g.t.waitForAudit((l) => l.type === "exec.reject" && l.metadata.reason === "blocklist" && l.actor.id === principalOf("alice"));
  });

  test("approval inside a run: approve runs it, reject returns an error result; the requester cannot approve", async () => {
    const ws = path.join(g.t.stateDir, "workspace");
    await fs.writeFile(path.join(ws, "victim1.txt"), "x");
    await fs.writeFile(path.join(ws, "victim2.txt"), "x");
    standIn.enqueue(
      { toolCalls: [{ name: "bash", args: { command: "rm victim1.txt" } }] },
      { toolCalls: [{ name: "bash", args: { command: "rm victim2.txt" } }] },
      { text: "one removed, one refused" },
    );
    const running = runAgent(alice, { message: "clean up", sessionKey: "approvals" });
    const ev1 = await approver.next((f) => f.event === "exec.approval.requested" && (f.payload as any).command === "rm victim1.txt");
    const id1 = (ev1.payload as any).id;
    assert.equal((ev1.payload as any).requester, principalOf("alice"));
    // The run's owner holds exec.approve (operator) but is the requester: refused.
    const self = await alice.request("exec.approval.resolve", { id: id1, decision: "approve" });
    assert.equal(self.ok, false);
    assert.equal(self.error?.code, "FORBIDDEN");
    await fs.stat(path.join(ws, "victim1.txt"));
    assert.equal((await approver.request("exec.approval.resolve", { id: id1, decision: "approve" })).ok, true);
    const ev2 = await approver.next((f) => f.event === "exec.approval.requested" && (f.payload as any).command === "rm victim2.txt");
    assert.equal((await approver.request("exec.approval.resolve", { id: (ev2.payload as any).id, decision: "reject", reason: "keep it" })).ok, true);
    const r = await running;
    assert.equal(r.final.ok, true);
    const approvals = stream(r, "approval");
    assert.deepEqual(approvals.map((a) => `${a.phase}:${a.status}`), ["requested:pending", "resolved:approved", "requested:pending", "resolved:rejected"]);
    assert.ok(approvals.every((a) => a.kind === "exec" && typeof a.toolCallId === "string"));
    const results = stream(r, "tool").filter((d) => d.phase === "result");
    assert.deepEqual(results.map((x) => x.isError), [false, true]);
    assert.match(results[1].result.content[0].text, /^APPROVAL_DENIED/);
    await assert.rejects(fs.stat(path.join(ws, "victim1.txt")));
    await fs.stat(path.join(ws, "victim2.txt"));
    await g.t.waitForAudit((l) => l.type === "exec.approve" && l.actor.id === principalOf("approver"));
    await g.t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === principalOf("alice") && l.metadata.method === "exec.approval.resolve");
  });

  test("a run belongs to its principal, not its connection: it goes on after the socket closes", async () => {
    const ws = path.join(g.t.stateDir, "workspace");
    await fs.writeFile(path.join(ws, "later.txt"), "x");
    standIn.enqueue({ toolCalls: [{ name: "bash", args: { command: "rm later.txt" } }] }, { text: "removed after you left" });
    const c = await g.connect("alice");
    c.send({ type: "req", id: "leaving", method: "agent", params: { message: "remove later.txt", sessionKey: "detached", idempotencyKey: "detached-run" } });
    const ev = await approver.next((f) => f.event === "exec.approval.requested" && (f.payload as any).command === "rm later.txt");
    c.close();
    await c.closed;
    assert.equal((await approver.request("exec.approval.resolve", { id: (ev.payload as any).id, decision: "approve" })).ok, true);
    const back = await g.connect("alice");
    try {
      const w = (await back.request("agent.wait", { runId: "detached-run", timeoutMs: 20_000 })).payload as any;
      assert.equal(w.status, "ok");
      await assert.rejects(fs.stat(path.join(ws, "later.txt")));
      const h = (await back.request("chat.history", { sessionKey: "detached" })).payload as any;
      assert.equal(h.messages.at(-1).content[0].text, "removed after you left");
      // Another principal cannot wait on it or see it.
      const bob = await g.connect("bob");
      assert.equal((await bob.request("agent.wait", { runId: "detached-run" })).error?.code, "NOT_FOUND");
      bob.close();
    } finally {
      back.close();
    }
  });

  test("an agent without a model refuses runs with UNAVAILABLE naming the key; an unknown agent is NOT_FOUND", async () => {
    const r = await runAgent(alice, { message: "hi", agentId: "bare" });
    assert.equal(r.accepted.ok, false);
    assert.equal(r.accepted.error?.code, "UNAVAILABLE");
    assert.match(r.accepted.error?.message ?? "", /agents\.bare\.model/);
    const u = await runAgent(alice, { message: "hi", agentId: "nope" });
    assert.equal(u.accepted.error?.code, "NOT_FOUND");
  });

  test("agents.list, models.list, and a repeated idempotencyKey returns the same run", async () => {
    const agents = (await alice.request("agents.list")).payload as any;
    assert.equal(agents.defaultId, "main");
    assert.deepEqual(agents.agents.map((a: any) => a.id).sort(), ["bare", "local", "main"]);
    assert.deepEqual(agents.agents.find((a: any) => a.id === "main").model, { primary: "anthropic/claude-test", fallbacks: ["local/qwen-test"] });
    const models = (await alice.request("models.list")).payload as any;
    assert.deepEqual(models.models.map((m: any) => m.id).sort(), ["anthropic/claude-test", "local/qwen-test"]);
    standIn.enqueue({ text: "once" });
    const before = standIn.requests.length;
    const a = await runAgent(alice, { message: "x", idempotencyKey: "same-key", sessionKey: "dedupe" });
    const b = await runAgent(alice, { message: "x", idempotencyKey: "same-key", sessionKey: "dedupe" });
    assert.equal((a.final.payload as any).runId, "same-key");
    assert.deepEqual((b.final.payload as any).result, (a.final.payload as any).result);
    assert.equal(standIn.requests.length, before + 1, "one model call for both");
  });
});

describe("agent runs: approval timeout", () => {
  let t: AgentGateway;
  before(async () => {
    t = await startAgentGateway(standIn, { config: { approvals: { exec: { enabled: true, requireApproval: ["destructive"], timeoutMs: 300 } } } });
  });
  after(() => t.t.close());

  test("an approval nobody decides times out: an error result for the model, the run goes on", async () => {
    const c = await t.connect("alice");
    try {
      await fs.writeFile(path.join(t.t.stateDir, "workspace", "stay.txt"), "x");
      standIn.enqueue({ toolCalls: [{ name: "bash", args: { command: "rm stay.txt" } }] }, { text: "nobody answered" });
      const r = await runAgent(c, { message: "remove it" });
      assert.equal(r.final.ok, true);
      assert.deepEqual(stream(r, "approval").map((a) => `${a.phase}:${a.status}`), ["requested:pending", "resolved:timeout"]);
      const res = stream(r, "tool").find((d) => d.phase === "result");
      assert.equal(res.isError, true);
      assert.match(res.result.content[0].text, /^APPROVAL_TIMEOUT/);
      await fs.stat(path.join(t.t.stateDir, "workspace", "stay.txt"));
      await t.t.waitForAudit((l) => l.type === "exec.reject" && l.metadata.reason === "timeout");
    } finally {
      c.close();
    }
  });
});
