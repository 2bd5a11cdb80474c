/**
 * Sessions, limits and provider failures of agent runs, and OpenClaw's client: sessions belong to their
 * principal and survive a restart; chat.abort cancels the provider request; a 401 fails the run without
 * the key, a 429 is retried, a failing primary falls back; no key reaches disk or a client.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, test } from "node:test";
import { WebSocket } from "ws";
import { agentFixture, chatStates, principalOf, runAgent, startAgentGateway, stream } from "../helpers/agents.js";

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
const require = createRequire(import.meta.url);
const { OpenClawClient } = require("openclaw-node") as {
  OpenClawClient: new (o: Record<string, unknown>) => {
    connect(): Promise<Record<string, any>>;
    chat(message: string, o?: Record<string, unknown>): AsyncIterable<{ type: string; text: string; runId?: string }>;
    disconnect(): Promise<void>;
    on(ev: string, fn: (...a: any[]) => void): void;
  };
};

const fx = agentFixture();
const open = fx.open;

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe("agent sessions and providers", () => {
  test("two principals on agent:main:main have two transcripts; events reach only the run's principal", async () => {
    const alice = await open("alice");
    const bob = await open("bob");
    fx.standIn.enqueue({ text: "hi alice" }, { text: "hi bob" });
    const a = await runAgent(alice, { message: "I am alice", sessionKey: "agent:main:main" });
    assert.equal(a.final.ok, true, JSON.stringify(a.final.error));
    const b = await runAgent(bob, { message: "I am bob", sessionKey: "main" });
    assert.equal(b.final.ok, true);
    const bobRequest = fx.standIn.requests.at(-1)!.body;
    assert.ok(!JSON.stringify(bobRequest).includes("alice"), "bob's model never sees alice's transcript");
    assert.ok(!bob.frames.some((f) => f.type === "event" && (f.payload as any)?.runId === (a.final.payload as any).runId), "no alice events on bob's socket");
    const bh = (await bob.request("chat.history", { sessionKey: "agent:main:main" })).payload as any;
    assert.deepEqual(bh.messages.map((m: any) => m.content[0]?.text), ["I am bob", "hi bob"]);
    const list = (await bob.request("sessions.list", {})).payload as any;
    assert.ok(list.sessions.every((s: any) => s.key !== undefined));
    const mine = list.sessions.find((s: any) => s.key === "agent:main:main");
    assert.equal(mine.modelProvider, "anthropic");
    assert.ok(mine.totalTokens > 0);
    // Reading another principal's session needs admin (audited), which the owner principal has.
    const peek = await bob.request("chat.history", { sessionKey: "main", principal: principalOf("alice") });
    assert.equal(peek.error?.code, "FORBIDDEN");
    await fx.g.t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === principalOf("bob") && l.metadata.method === "chat.history");
    const owner = await open("owner");
    const adminView = (await owner.request("chat.history", { sessionKey: "main", principal: principalOf("alice") })).payload as any;
    assert.equal(adminView.messages[0].content[0].text, "I am alice");
  });

  test("chat.abort mid-stream cancels the provider request", async () => {
    const alice = await open("alice");
    fx.standIn.enqueue({ hang: true });
    const sent = fx.standIn.requests.length;
    const running = runAgent(alice, { message: "take your time", sessionKey: "abort" });
    await alice.next((f) => f.event === "agent" && (f.payload as any).stream === "lifecycle" && (f.payload as any).sessionKey === "agent:main:abort");
    while (fx.standIn.requests.length === sent) await new Promise((r) => setImmediate(r));
    const ab = (await alice.request("chat.abort", { sessionKey: "abort" })).payload as any;
    assert.equal(ab.aborted, true);
    await fx.standIn.aborted(1);
    const r = await running;
    assert.equal(r.final.ok, true);
    assert.equal((r.final.payload as any).result.meta.aborted, true);
    assert.equal(chatStates(r).at(-1), "aborted");
    const wait = (await alice.request("agent.wait", { runId: (r.final.payload as any).runId })).payload as any;
    assert.equal(wait.stopReason, "aborted");
  });

  test("a 401 fails the run without retrying and without the key; 429 is retried; a failing primary falls back", async () => {
    const alice = await open("alice");
    fx.standIn.enqueue({ status: 401 });
    const before401 = fx.standIn.requests.length;
    const bad = await runAgent(alice, { message: "x", sessionKey: "e401", agentId: "local" });
    assert.equal(bad.final.ok, false);
    assert.equal((bad.final.payload as any).status, "error");
    assert.equal(fx.standIn.requests.length, before401 + 1, "401 not retried (local has no fallback)");
    assert.deepEqual(stream(bad, "lifecycle").map((d) => d.phase), ["start", "error"]);
    assert.equal(chatStates(bad).at(-1), "error");
    const wire = JSON.stringify([bad.final, ...bad.events]);
    assert.ok(!wire.includes(fx.g.keys.local) && !wire.includes(fx.g.keys.anthropic), "no key in the error");
    const failed = await fx.g.t.waitForAudit((l) => l.type === "agent.run" && l.metadata.sessionKey === "agent:local:e401");
    assert.equal(failed.outcome, "failure");

    fx.standIn.enqueue({ status: 429, headers: { "retry-after": "0" } }, { text: "after a wait" });
    const ok = await runAgent(alice, { message: "x", sessionKey: "e429" });
    assert.equal((ok.final.payload as any).result.payloads[0].text, "after a wait");

    fx.standIn.enqueue({ status: 500 }, { status: 500 }, { text: "from the fallback" });
    const fb = await runAgent(alice, { message: "x", sessionKey: "fallback" });
    assert.equal(fb.final.ok, true, JSON.stringify(fb.final.error));
    const meta = (fb.final.payload as any).result.meta.agentMeta;
    assert.deepEqual([meta.provider, meta.model], ["local", "qwen-test"]);
    assert.equal(fx.standIn.requests.at(-1)!.api, "openai");
  });

  test("openclaw-node's client.chat() streams a run to its end, tool events included", async () => {
    const client = new OpenClawClient({ url: fx.g.t.wsUrl, token: fx.g.tokens.alice, autoReconnect: false, deviceIdentityPath: path.join(fx.g.t.stateDir, "oc-device.json") });
    client.on("error", () => undefined);
    // A device proving its key with alice's valid token on direct loopback is paired to alice at once
    // (gateway.pairing.autoApproveLoopback, default true); its runs are alice's.
    await client.connect();
    const paired = await fx.g.t.waitForAudit((l) => l.type === "pairing.approve" && l.metadata.automatic === true);
    assert.equal(paired.metadata.boundPrincipal, principalOf("alice"));
    try {
      fx.standIn.enqueue({ toolCalls: [{ name: "glob", args: { pattern: "*.none" } }] }, { text: "nothing found, all good" });
      const chunks: { type: string; text: string }[] = [];
      for await (const c of client.chat("look around", { sessionKey: "agent:main:openclaw" })) chunks.push(c);
      const types = chunks.map((c) => c.type);
      assert.ok(types.includes("agent_start"));
      assert.ok(types.includes("tool_use") && chunks.find((c) => c.type === "tool_use")?.text === "glob");
      assert.ok(types.includes("tool_result"));
      assert.equal(chunks.filter((c) => c.type === "text").map((c) => c.text).join(""), "nothing found, all good");
      assert.ok(types.includes("agent_end"));
      assert.equal(types.at(-1), "done");
      assert.ok(!types.includes("error"));
    } finally {
      await client.disconnect();
    }
  });

  test("sessions survive a restart; reset starts afresh; no key is on disk or was sent to any client", async () => {
    const alice = await open("alice");
    fx.standIn.enqueue({ text: "remember me" });
    await runAgent(alice, { message: "keep this", sessionKey: "durable" });
    // A run still streaming at shutdown is aborted, its provider request cancelled, its record written.
    fx.standIn.enqueue({ hang: true });
    const requested = fx.standIn.requests.length;
    const abortsBefore = fx.standIn.abortCount;
    alice.send({ type: "req", id: "long", method: "agent", params: { message: "long job", sessionKey: "at-shutdown", idempotencyKey: "long-job" } });
    while (fx.standIn.requests.length === requested) await new Promise((r) => setImmediate(r));
    for (const s of fx.sockets) s.close();
    fx.sockets.length = 0;
    const stateDir = fx.g.t.stateDir;
    const framesSeen: unknown[] = [];
    await fx.g.t.close();
    await fx.standIn.aborted(abortsBefore + 1);
    fx.g = await startAgentGateway(fx.standIn, { stateDir, tokens: fx.g.tokens, keys: fx.g.keys });
    const shut = (await fx.g.t.audit()).find((l) => l.type === "agent.run" && l.metadata.sessionKey === "agent:main:at-shutdown");
    assert.equal(shut?.metadata.stopReason, "shutdown");
    const again = await open("alice");
    const h = (await again.request("chat.history", { sessionKey: "durable" })).payload as any;
    assert.deepEqual(h.messages.map((m: any) => m.content[0].text), ["keep this", "remember me"]);
    fx.standIn.enqueue({ text: "still here" });
    await runAgent(again, { message: "and now?", sessionKey: "durable" });
    const sent = fx.standIn.requests.at(-1)!.body;
    assert.deepEqual(sent.messages.map((m: any) => m.role), ["user", "assistant", "user"]);
    const reset = (await again.request("sessions.reset", { key: "durable" })).payload as any;
    assert.equal(reset.ok, true);
    assert.deepEqual(((await again.request("chat.history", { sessionKey: "durable" })).payload as any).messages, []);
    const del = (await again.request("sessions.delete", { key: "durable" })).payload as any;
    assert.equal(del.deleted, true);
    framesSeen.push(...again.frames);
    const keys = [fx.g.keys.anthropic, fx.g.keys.local];
    assert.ok(!keys.some((k) => JSON.stringify(framesSeen).includes(k)), "no key on the wire");
    for (const f of await allFiles(stateDir)) {
      const text = await fs.readFile(f, "utf8").catch(() => "");
      for (const k of keys) assert.ok(!text.includes(k), `a key was written to ${path.relative(stateDir, f)}`);
    }
  });
});
