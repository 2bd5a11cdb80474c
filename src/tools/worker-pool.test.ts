import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { gatewayError } from "./context-fixture.js";
import { WorkerPool } from "./worker-pool.js";
import type { FixtureTask } from "./worker-pool-fixture.js";

const fixtureUrl = new URL("./worker-pool-fixture.js", import.meta.url);
const poolUrl = new URL("./worker-pool.js", import.meta.url);

type Answer = { threadId: number; value?: string; matched?: boolean };
const budget = { timeoutMs: 30_000, timeoutMessage: "fixture timed out" };

function makePool(size: number, queueMax: number): WorkerPool {
  return new WorkerPool(fixtureUrl, { name: "fixture", size, queueMax, queueKey: "test.queueMax" });
}
const run = (pool: WorkerPool, task: FixtureTask, opts = budget) => pool.run<Answer>(task, opts);

/** A gate the "hold" tasks wait on, and how many of them run now / at most. */
function gate() {
  const state = new Int32Array(new SharedArrayBuffer(12));
  return {
    state,
    running: () => Atomics.load(state, 1),
    maxRunning: () => Atomics.load(state, 2),
    /** Resolves once `n` holds are running (each one notifies when it starts). */
    async untilRunning(n: number) {
      while (Atomics.load(state, 1) < n) await new Promise((r) => setTimeout(r, 5));
    },
    open() {
      Atomics.store(state, 0, 1);
      Atomics.notify(state, 0);
    },
  };
}

describe("worker pool", () => {
  const pools: WorkerPool[] = [];
  const pool = (size: number, queueMax: number) => {
    const p = makePool(size, queueMax);
    pools.push(p);
    return p;
  };
  after(() => Promise.all(pools.map((p) => p.close())));

  it("starts lazily and serves consecutive calls from the same warm worker", async () => {
    const p = pool(2, 8);
    assert.equal(p.stats().workers, 0, "no worker before the first call");
    const a = await run(p, { op: "echo", value: "one" });
    const b = await run(p, { op: "echo", value: "two" });
    assert.equal(a.value, "one");
    assert.equal(b.value, "two");
    assert.equal(a.threadId, b.threadId);
    assert.deepEqual(p.stats(), { workers: 1, busy: 0, queued: 0, started: 1, maxBusy: 1 });
  });

  it("kills a runaway regex at its limit, replaces the worker, and the next call works", async () => {
    const p = pool(1, 8);
    const first = await run(p, { op: "echo", value: "warm" });
    await assert.rejects(
      run(p, { op: "redos", input: `${"a".repeat(64)}b` }, { timeoutMs: 300, timeoutMessage: "fixture timed out" }),
      gatewayError("UNAVAILABLE", /^fixture timed out$/),
    );
    const next = await run(p, { op: "echo", value: "after" });
    assert.equal(next.value, "after");
    assert.notEqual(next.threadId, first.threadId, "the runaway worker was terminated");
    assert.equal(p.stats().started, 2);
    assert.equal(p.stats().workers, 1);
  });

  it("replaces a worker that crashes or exits, failing only its own call", async () => {
    const p = pool(1, 8);
    await assert.rejects(run(p, { op: "throw" }), gatewayError("UNAVAILABLE", /^fixture worker failed$/));
    await assert.rejects(run(p, { op: "exit" }), gatewayError("INTERNAL", /^fixture worker exited without an answer$/));
    assert.equal((await run(p, { op: "echo", value: "alive" })).value, "alive");
    assert.equal(p.stats().started, 3);
  });

  it("never runs more tasks at once than its size", async () => {
    const p = pool(2, 16);
    const g = gate();
    const calls = Array.from({ length: 7 }, () => run(p, { op: "hold", state: g.state }));
    await g.untilRunning(2);
    assert.deepEqual({ busy: p.stats().busy, queued: p.stats().queued }, { busy: 2, queued: 5 });
    g.open();
    const answers = await Promise.all(calls);
    assert.equal(g.maxRunning(), 2);
    assert.equal(p.stats().maxBusy, 2);
    assert.equal(new Set(answers.map((a) => a.threadId)).size, 2, "two workers served all seven");
  });

  it("refuses a call beyond the queue bound with a clear error, and serves the rest", async () => {
    const p = pool(1, 2);
    const g = gate();
    const accepted = [run(p, { op: "hold", state: g.state }), run(p, { op: "hold", state: g.state }), run(p, { op: "hold", state: g.state })];
    await assert.rejects(
      run(p, { op: "echo", value: "x" }),
      gatewayError("RATE_LIMITED", /^too many fixture calls waiting \(test\.queueMax: 2\); retry later$/),
    );
    g.open();
    assert.equal((await Promise.all(accepted)).length, 3);
  });

  it("a queued call's budget counts from the call: it fails without a worker being killed", async () => {
    const p = pool(1, 4);
    const g = gate();
    const holding = run(p, { op: "hold", state: g.state });
    await g.untilRunning(1);
    await assert.rejects(
      run(p, { op: "echo", value: "late" }, { timeoutMs: 50, timeoutMessage: "fixture timed out" }),
      gatewayError("UNAVAILABLE", /^fixture timed out$/),
    );
    assert.equal(p.stats().started, 1);
    g.open();
    await holding;
  });

  it("an aborted call terminates its worker; a shrink retires idle workers", async () => {
    const p = pool(2, 4);
    const g = gate();
    const ac = new AbortController();
    const call = run(p, { op: "hold", state: g.state }, { ...budget, signal: ac.signal } as typeof budget);
    await g.untilRunning(1);
    ac.abort();
    await assert.rejects(call, gatewayError("UNAVAILABLE", /^tool call aborted$/));
    await Promise.all([run(p, { op: "echo", value: "a" }), run(p, { op: "echo", value: "b" })]);
    assert.equal(p.stats().workers, 2);
    p.configure(1, 4);
    assert.equal(p.stats().workers, 1);
  });

  it("idle workers do not hold the process open", async () => {
    const code = `
      const { WorkerPool } = await import(${JSON.stringify(poolUrl.href)});
      const p = new WorkerPool(new URL(${JSON.stringify(fixtureUrl.href)}), { name: "fixture", size: 2, queueMax: 2 });
      const a = await p.run({ op: "echo", value: "x" }, { timeoutMs: 30000, timeoutMessage: "t" });
      console.log(a.value);`;
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-pool-"));
    const script = path.join(dir, "idle.mjs");
    await fs.writeFile(script, code);
    const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exitCode = await new Promise<number | null>((r) => child.once("exit", r));
    assert.equal(exitCode, 0);
    assert.equal(out.trim(), "x");
    await fs.rm(dir, { recursive: true, force: true });
  });
});
