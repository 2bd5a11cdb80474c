import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { FileSessionStore } from "./file-session-store.js";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});
async function store(dir?: string): Promise<{ s: FileSessionStore; dir: string }> {
  const d = dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), "sessions-test-")));
  dirs.push(d);
  return { s: new FileSessionStore(d), dir: d };
}
const line = (text: string) => ({ role: "user" as const, text, ts: 1, runId: "r" });

describe("FileSessionStore", () => {
  it("keys sessions by owner: the same key names two sessions", async () => {
    const { s } = await store();
    const a = await s.ensure("alice", "agent:main:main", "main");
    const b = await s.ensure("bob", "agent:main:main", "main");
    assert.notEqual(a.sessionId, b.sessionId);
    await s.append(a, [line("for alice")]);
    assert.deepEqual(await s.read(b), []);
    assert.deepEqual((await s.list({ owner: "bob", agentId: "main" })).map((e) => e.owner), ["bob"]);
  });

  it("skips a torn last line and keeps every whole line before it", async () => {
    const { s, dir } = await store();
    const e = await s.ensure("alice", "agent:main:x", "main");
    await s.append(e, [line("one"), line("two")]);
    await fs.appendFile(path.join(dir, "agents", "main", "sessions", `${e.sessionId}.jsonl`), '{"role":"user","te');
    assert.deepEqual((await s.read(e)).map((m) => m.role === "user" && m.text), ["one", "two"]);
  });

  it("many changes at once share index writes, and a new store reads the result", async () => {
    const { s, dir } = await store();
    const entries = await Promise.all(Array.from({ length: 50 }, (_, i) => s.ensure(`p${i}`, "agent:main:main", "main")));
    await Promise.all(entries.map((e) => s.recordRun(e, { provider: "p", model: "m", inputTokens: 3, outputTokens: 4, at: 5 })));
    const again = new FileSessionStore(dir);
    const listed = await again.list({ agentId: "main" });
    assert.equal(listed.length, 50);
    assert.ok(listed.every((e) => e.inputTokens === 3 && e.outputTokens === 4));
    assert.equal((await fs.stat(path.join(dir, "agents", "main", "sessions", "sessions.json"))).mode & 0o777, 0o600);
    assert.deepEqual((await fs.readdir(path.join(dir, "agents", "main", "sessions"))).filter((f) => f.endsWith(".tmp")), []);
  });

  it("reset removes the transcript and starts a new sessionId; delete forgets the session", async () => {
    const { s } = await store();
    const e = await s.ensure("alice", "agent:main:r", "main");
    await s.append(e, [line("old")]);
    const next = await s.reset("alice", "agent:main:r", "main");
    assert.ok(next && next.sessionId !== e.sessionId);
    assert.deepEqual(await s.read(next), []);
    assert.deepEqual(await s.read(e), []);
    assert.equal(await s.delete("alice", "agent:main:r", "main"), true);
    assert.equal(await s.get("alice", "agent:main:r", "main"), undefined);
    assert.equal(await s.delete("alice", "agent:main:r", "main"), false);
  });
});
