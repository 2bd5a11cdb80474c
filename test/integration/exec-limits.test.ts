/**
 * Caps on commands running at once (tools.exec.maxConcurrent and
 * maxConcurrentPerPrincipal) and the sandbox settings, through the real
 * gateway: a command over a cap is refused with 429 RATE_LIMITED and audited.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { connectWs, invokeHttp, randomToken, startTestGateway, type TestGateway } from "../helpers/harness.js";

const tokens = { alice: randomToken(), bob: randomToken() };
/** Runs until the test creates the file `release-<name>` in the workspace (no timing involved). */
const waitFor = (name: string) => ({ tool: "bash", args: { command: `while [ ! -e release-${name} ]; do sleep 0.05; done; echo ${name}` } });

describe("running-command caps", () => {
  let t: TestGateway;
  let ws: string;
  before(async () => {
    t = await startTestGateway({
      config: {
        gateway: {
          auth: { users: [{ id: "alice", token: "${T_ALICE}" }, { id: "bob", token: "${T_BOB}" }] },
          rateLimit: { maxRequests: 10000 },
        },
        tools: { policy: "sandbox", exec: { maxConcurrent: 2, maxConcurrentPerPrincipal: 1 }, sandbox: { maxProcesses: 64 } },
      },
      env: { T_ALICE: tokens.alice, T_BOB: tokens.bob },
    });
    ws = path.join(t.stateDir, "workspace");
  });
  after(() => t.close());

  const running = async (n: number) => {
    for (const end = Date.now() + 30_000; Date.now() < end; ) {
      const lines = (await t.audit()).filter((l) => l.type === "exec.request" && String(l.metadata.command).startsWith("while"));
      if (lines.length >= n) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${n} commands did not start`);
  };

  test("a principal over its share and the gateway over its cap get 429 RATE_LIMITED, audited; freed slots are reused", async () => {
    const a1 = invokeHttp(t.httpUrl, tokens.alice, waitFor("a1"));
    await running(1);
    const a2 = await invokeHttp(t.httpUrl, tokens.alice, { tool: "bash", args: { command: "echo second" } });
    assert.equal(a2.status, 429);
    assert.ok(Number(a2.headers.get("retry-after")) >= 1);
    assert.match(a2.body.error?.message ?? "", /for this principal \(limit 1, tools\.exec\.maxConcurrentPerPrincipal\)/);

    const b1 = invokeHttp(t.httpUrl, tokens.bob, waitFor("b1"));
    await running(2);
    const owner = await invokeHttp(t.httpUrl, t.token, { tool: "bash", args: { command: "echo third" } });
    assert.equal(owner.status, 429);
    assert.match(owner.body.error?.message ?? "", /on this gateway \(limit 2, tools\.exec\.maxConcurrent\)/);

    const refusals = (await t.audit()).filter((l) => l.type === "exec.reject" && l.metadata.reason === "concurrency_limit");
    assert.deepEqual(
      refusals.map((l) => [l.actor.id, l.outcome, l.metadata.scope, l.metadata.limit, l.metadata.command]),
      [
        ["alice", "denied", "principal", 1, "echo second"],
        ["owner", "denied", "gateway", 2, "echo third"],
      ],
    );

    await fs.writeFile(path.join(ws, "release-a1"), "");
    await fs.writeFile(path.join(ws, "release-b1"), "");
    const [r1, r2] = await Promise.all([a1, b1]);
    assert.equal(r1.status, 200);
    assert.equal(r2.status, 200);
    const again = await invokeHttp(t.httpUrl, tokens.alice, { tool: "bash", args: { command: "echo again" } });
    assert.equal(again.status, 200);
    assert.deepEqual((again.body.result as { stdout: string }).stdout, "again\n");
  });

  test("a command that failed still frees its slot", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await invokeHttp(t.httpUrl, tokens.alice, { tool: "bash", args: { command: "exit 3" } });
      assert.equal(r.status, 200);
      assert.equal((r.body.result as { exitCode: number }).exitCode, 3);
    }
  });

  test("the sandbox settings reach the command", async () => {
    const r = await invokeHttp(t.httpUrl, tokens.alice, { tool: "bash", args: { command: "ulimit -u; id -u" } });
    const [nproc, uid] = (r.body.result as { stdout: string }).stdout.trim().split("\n");
    assert.equal(nproc, "64");
    if (process.geteuid?.() === 0) assert.equal(uid, "65534");
  });

  test("a kernel knob written through the gateway stays unchanged; the attempt is audited", async () => {
    const before = await fs.readFile("/proc/sys/kernel/core_pattern", "utf8");
    const command = `printf '%s' "$(cat /proc/sys/kernel/core_pattern)" > /proc/sys/kernel/core_pattern && echo WROTE`;
    const r = await invokeHttp(t.httpUrl, tokens.bob, { tool: "bash", args: { command } });
    assert.equal(r.status, 200);
    const result = r.body.result as { stdout: string; stderr: string; exitCode: number };
    assert.doesNotMatch(result.stdout, /WROTE/);
    assert.match(result.stderr, /Permission denied/);
    assert.equal(await fs.readFile("/proc/sys/kernel/core_pattern", "utf8"), before);
    const line = (await t.audit()).find((l) => l.type === "exec.request" && l.metadata.command === command);
    assert.equal(line?.actor.id, "bob");
  });
});

describe("running-command caps after an approval", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      config: {
        gateway: { auth: { users: [{ id: "alice", token: "${T_ALICE}" }] }, rateLimit: { maxRequests: 10000 } },
        rbac: { enabled: true, roles: { runner: { permissions: ["exec", "exec.elevated"] } }, assignments: { alice: "runner" } },
        approvals: { exec: { enabled: true, timeoutMs: 60_000 } },
        tools: { exec: { maxConcurrentPerPrincipal: 1 } },
      },
      env: { T_ALICE: tokens.alice },
    });
  });
  after(() => t.close());

  test("an approved command that finds the principal's slot taken is refused 429, audited with the approval id", async () => {
    const ws = path.join(t.stateDir, "workspace");
    const approver = (await connectWs(t.wsUrl, { token: t.token })).c;
    const approveNext = async () => {
      const ev = await approver.next((f) => f.type === "event" && f.event === "exec.approval.requested" && !seen.has((f.payload as { id: string }).id));
      const id = (ev.payload as { id: string }).id;
      seen.add(id);
      assert.equal((await approver.request("exec.approval.resolve", { id, decision: "approve" })).ok, true);
      return id;
    };
    const seen = new Set<string>();
    try {
      // The analyser counts the loop as elevated and destructive: it waits for approval like the second one.
      const slow = invokeHttp(t.httpUrl, tokens.alice, { tool: "bash", args: { command: "touch started-held; while [ ! -e release-held ]; do sleep 0.05; done" } });
      await approveNext();
      for (const end = Date.now() + 30_000; !(await fs.stat(path.join(ws, "started-held")).then(() => true, () => false)); ) {
        if (Date.now() > end) throw new Error("the first command did not start");
        await new Promise((r) => setTimeout(r, 20));
      }
      const pending = invokeHttp(t.httpUrl, tokens.alice, { tool: "bash", args: { command: "rm -f gone.txt" } });
      const id = await approveNext();
      const refused = await pending;
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get("retry-after"), "1");
      const line = await t.waitForAudit((l) => l.type === "exec.reject" && l.metadata.reason === "concurrency_limit");
      assert.deepEqual([line.actor.id, line.metadata.approvalId, line.metadata.scope], ["alice", id, "principal"]);
      await fs.writeFile(path.join(ws, "release-held"), "");
      assert.equal((await slow).status, 200);
    } finally {
      approver.close();
    }
  });
});
