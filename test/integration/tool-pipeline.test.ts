import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { GUIDE_RBAC, GUIDE_TOOL_RESTRICTIONS } from "../../src/config/guide-snippets.fixture.js";
import { connectWs, invokeHttp, merge, randomToken, startTestGateway, type TestGateway, type RawWs } from "../helpers/harness.js";

const tokens = {
  devops: randomToken(),
  support: randomToken(),
  limited: randomToken(),
  viewer: randomToken(),
  user: randomToken(),
  approver: randomToken(),
};

const guideConfig = {
  gateway: {
    auth: {
      users: [
        { id: "devops@company.com", token: "${T_DEVOPS}" },
        { id: "support@company.com", token: "${T_SUPPORT}" },
        { id: "limited@company.com", token: "${T_LIMITED}" },
        { id: "viewer@company.com", token: "${T_VIEWER}" },
        { id: "user@company.com", token: "${T_USER}" },
        { id: "approver@company.com", token: "${T_APPROVER}" },
      ],
    },
    rateLimit: { maxRequests: 10000 },
  },
  agents: { main: {}, deploy: {}, secret: {} },
  // The guide's RBAC example and Tool Restrictions fragment, verbatim, plus the principals the tests act as.
  rbac: merge(
    merge((parse(GUIDE_RBAC) as { rbac: Record<string, unknown> }).rbac, { roles: (parse(GUIDE_TOOL_RESTRICTIONS) as { roles: Record<string, unknown> }).roles }),
    { assignments: { "limited@company.com": "limited", "viewer@company.com": "viewer", "approver@company.com": "operator" } },
  ),
  approvals: { exec: { enabled: true, requireApproval: ["elevated", "destructive"], timeoutMs: 3000 } },
  tools: { policy: "sandbox" },
};

const env = {
  T_DEVOPS: tokens.devops,
  T_SUPPORT: tokens.support,
  T_LIMITED: tokens.limited,
  T_VIEWER: tokens.viewer,
  T_USER: tokens.user,
  T_APPROVER: tokens.approver,
};

describe("tool pipeline", () => {
  let t: TestGateway;
  let ws: string;
  before(async () => {
    t = await startTestGateway({ config: guideConfig, env });
    ws = path.join(t.stateDir, "workspace");
    await fs.writeFile(path.join(ws, "hello.txt"), "line one\nline two\n");
  });
  after(() => t.close());

  const call = (token: string, tool: string, args: Record<string, unknown>, agentId?: string) =>
    invokeHttp(t.httpUrl, token, { tool, args, ...(agentId ? { agentId } : {}) });

  test("read, write, edit, glob, search work for an allowed principal", async () => {
    const r = await call(t.token, "read", { path: "hello.txt" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(JSON.stringify(r.body.result), /line one/);
    assert.equal((await call(t.token, "write", { path: "sub/new.txt", content: "abc" })).status, 200);
    assert.equal(await fs.readFile(path.join(ws, "sub/new.txt"), "utf8"), "abc");
    assert.equal((await call(t.token, "edit", { path: "sub/new.txt", oldText: "b", newText: "B" })).status, 200);
    assert.equal(await fs.readFile(path.join(ws, "sub/new.txt"), "utf8"), "aBc");
    const e = await call(t.token, "edit", { path: "sub/new.txt", oldText: "zzz", newText: "y" });
    assert.equal(e.status, 400);
    const g = await call(t.token, "glob", { pattern: "**/*.txt" });
    assert.match(JSON.stringify(g.body.result), /hello\.txt/);
    const s = await call(t.token, "search", { pattern: "line t.o" });
    assert.match(JSON.stringify(s.body.result), /line two/);
    const line = await t.waitForAudit((l) => l.type === "tool.invoke" && l.metadata.tool === "write");
    assert.equal(line.actor.id, "owner");
  });

  test("bash runs in the workspace and returns {exitCode, stdout, stderr}", async () => {
    const r = await call(t.token, "bash", { command: "cat hello.txt | wc -l; echo err >&2; exit 3" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const res = r.body.result as { exitCode: number; stdout: string; stderr: string };
    assert.equal(res.exitCode, 3);
    assert.equal(res.stdout.trim(), "2");
    assert.equal(res.stderr.trim(), "err");
    const line = await t.waitForAudit((l) => l.type === "exec.request" && String(l.metadata.command).startsWith("cat hello.txt"));
    assert.equal(line.outcome, "success");
    assert.equal(line.metadata.approvalRequired, false);
  });

  test("an unknown agent is refused", async () => {
    const r = await call(t.token, "read", { path: "hello.txt" }, "nope");
    assert.equal(r.status, 404);
  });

  test("tools.deny: support may not use bash or write, and nothing runs", async () => {
    const marker = path.join(ws, "support-marker");
    const r = await call(tokens.support, "bash", { command: `touch ${marker}` });
    assert.equal(r.status, 403);
    assert.equal(r.body.error?.type, "forbidden");
    await assert.rejects(fs.stat(marker));
    const w = await call(tokens.support, "write", { path: "support.txt", content: "x" });
    assert.equal(w.status, 403);
    await assert.rejects(fs.stat(path.join(ws, "support.txt")));
    const line = await t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === "support@company.com" && l.metadata.tool === "bash");
    assert.equal(line.metadata.reason, "tool_denied");
    // Allowed tools still work for support.
    assert.equal((await call(tokens.support, "read", { path: "hello.txt" })).status, 200);
  });

  test("tools.allow is a whitelist: limited may not edit but may read", async () => {
    assert.equal((await call(tokens.limited, "read", { path: "hello.txt" })).status, 200);
    const r = await call(tokens.limited, "edit", { path: "hello.txt", oldText: "one", newText: "ONE" });
    assert.equal(r.status, 403);
    assert.equal(await fs.readFile(path.join(ws, "hello.txt"), "utf8"), "line one\nline two\n");
  });

  test("read-only (viewer) may read and search but not write or run", async () => {
    assert.equal((await call(tokens.viewer, "search", { pattern: "line" })).status, 200);
    const r = await call(tokens.viewer, "write", { path: "v.txt", content: "x" });
    assert.equal(r.status, 403);
    const line = await t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === "viewer@company.com");
    assert.equal(line.metadata.reason, "read_only");
    assert.equal((await call(tokens.viewer, "bash", { command: "true" })).status, 403);
  });

  test("agents restrict which agents a role reaches", async () => {
    assert.equal((await call(tokens.devops, "read", { path: "x.txt" }, "deploy")).status, 400); // allowed; the file is missing
    const r = await call(tokens.devops, "read", { path: "x.txt" }, "secret");
    assert.equal(r.status, 403);
    const line = await t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === "devops@company.com");
    assert.equal(line.metadata.reason, "agent_not_allowed");
  });

  test("elevated commands need exec.elevated: user is refused, nothing runs", async () => {
    const r = await call(tokens.user, "bash", { command: "sudo id" });
    assert.equal(r.status, 403);
    const line = await t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === "user@company.com");
    assert.equal(line.metadata.permission, "exec.elevated");
  });

  test("blocklist: evasions are blocked, audited as exec.reject, and never run", async () => {
    const marker = path.join(ws, "blocked-marker");
    const attempts = [
      "rm -rf /",
      "/bin/rm -r -f /",
      `\\rm -fr // && touch ${marker}`,
      `sh -c 'rm  --recursive --force /'; touch ${marker}`,
      `env X=1 nice -n 5 rm -Rf /tmp/.. ; touch ${marker}`,
      ":(){ :|:& };:",
      `bomb(){ bomb|bomb& };bomb`,
      "dd of=/dev/null if=/dev/zero bs=1M count=1",
    ];
    for (const command of attempts) {
      const r = await call(t.token, "bash", { command });
      assert.equal(r.status, 403, command);
      assert.equal(r.body.error?.type, "blocked", command);
    }
    await assert.rejects(fs.stat(marker));
    const lines = (await t.audit()).filter((l) => l.type === "exec.reject" && l.metadata.reason === "blocklist");
    assert.equal(lines.length, attempts.length);
  });

  test("a command that cannot be parsed is refused with 400", async () => {
    const r = await call(t.token, "bash", { command: "echo 'unterminated" });
    assert.equal(r.status, 400);
  });
});

describe("approvals", () => {
  let t: TestGateway;
  let approver: RawWs;
  let ws: string;
  before(async () => {
    t = await startTestGateway({ config: guideConfig, env });
    ws = path.join(t.stateDir, "workspace");
    approver = (await connectWs(t.wsUrl, { token: tokens.approver })).c;
  });
  after(async () => {
    approver.close();
    await t.close();
  });

  test("a destructive command waits for an approver, who sees exactly what runs; approve runs it", async () => {
    await fs.writeFile(path.join(ws, "victim.txt"), "x");
    const pending = call();
    function call() {
      return invokeHttp(t.httpUrl, tokens.devops, { tool: "bash", args: { command: "rm victim.txt && echo removed" } });
    }
    const ev = await approver.next((f) => f.type === "event" && f.event === "exec.approval.requested");
    const p = ev.payload as Record<string, any>;
    assert.equal(p.command, "rm victim.txt && echo removed");
    assert.equal(p.agentId, "main");
    assert.equal(p.requester, "devops@company.com");
    assert.deepEqual(p.classes, ["destructive"]);
    assert.ok(p.expiresAtMs > Date.now());
    await fs.stat(path.join(ws, "victim.txt")); // not run yet
    const list = await approver.request("exec.approval.list");
    assert.ok((list.payload as any).approvals.some((a: any) => a.id === p.id));
    const res = await approver.request("exec.approval.resolve", { id: p.id, decision: "approve" });
    assert.equal(res.ok, true);
    const r = await pending;
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((r.body.result as any).stdout.trim(), "removed");
    await assert.rejects(fs.stat(path.join(ws, "victim.txt")));
    const req = await t.waitForAudit((l) => l.type === "exec.request" && l.metadata.approvalId === p.id);
    assert.equal(req.outcome, "pending");
    const ok = await t.waitForAudit((l) => l.type === "exec.approve" && l.metadata.approvalId === p.id);
    assert.equal(ok.actor.id, "approver@company.com");
    assert.equal(ok.metadata.requester, "devops@company.com");
    assert.equal(ok.traceId, req.traceId, "every audit line of one request shares its trace id");
    await approver.next((f) => f.type === "event" && f.event === "exec.approval.resolved" && (f.payload as any).id === p.id);
  });

  test("the requester cannot approve its own request; a rejection is APPROVAL_DENIED and nothing runs", async () => {
    await fs.writeFile(path.join(ws, "keep.txt"), "x");
    const self = (await connectWs(t.wsUrl, { token: tokens.devops })).c;
    const pending = self.request("tools.invoke", { tool: "bash", args: { command: "rm keep.txt" } });
    const ev = await approver.next((f) => f.type === "event" && f.event === "exec.approval.requested" && (f.payload as any).command === "rm keep.txt");
    const id = (ev.payload as any).id;
    // devops holds exec.approve but is the requester.
    assert.ok(!self.frames.some((f) => f.event === "exec.approval.requested" && (f.payload as any).id === id), "requester is not notified as approver");
    const selfTry = await self.request("exec.approval.resolve", { id, decision: "approve" });
    assert.equal(selfTry.ok, false);
    assert.equal(selfTry.error?.code, "FORBIDDEN");
    // A principal without exec.approve cannot decide either.
    const plain = (await connectWs(t.wsUrl, { token: tokens.user })).c;
    const plainTry = await plain.request("exec.approval.resolve", { id, decision: "approve" });
    assert.equal(plainTry.error?.code, "FORBIDDEN");
    plain.close();
    const rej = await approver.request("exec.approval.resolve", { id, decision: "reject", reason: "not today" });
    assert.equal(rej.ok, true);
    const second = await approver.request("exec.approval.resolve", { id, decision: "approve" });
    assert.equal(second.ok, false, "the first decision wins");
    const res = await pending;
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, "APPROVAL_DENIED");
    await fs.stat(path.join(ws, "keep.txt"));
    const line = await t.waitForAudit((l) => l.type === "exec.reject" && l.metadata.approvalId === id);
    assert.equal(line.metadata.reason, "not today");
    assert.equal(line.actor.id, "approver@company.com");
    self.close();
  });

  test("no decision within timeoutMs is a rejection with reason timeout", async () => {
    await fs.writeFile(path.join(ws, "t.txt"), "x");
    const r = await invokeHttp(t.httpUrl, tokens.devops, { tool: "bash", args: { command: "rm t.txt" } });
    assert.equal(r.status, 403);
    assert.equal(r.body.error?.type, "approval_timeout");
    await fs.stat(path.join(ws, "t.txt"));
    const line = await t.waitForAudit((l) => l.type === "exec.reject" && l.metadata.reason === "timeout");
    assert.equal(line.actor.type, "system");
  });
});

describe("HTTP and WebSocket tools.invoke", () => {
  test("return the same results and the same errors through the same pipeline", async () => {
    const t = await startTestGateway({ config: { gateway: { rateLimit: { maxRequests: 1000 } } } });
    try {
      await fs.writeFile(path.join(t.stateDir, "workspace", "same.txt"), "alpha\nbeta\n");
      const { c } = await connectWs(t.wsUrl, { token: t.token });
      const cases: { tool: string; args: Record<string, unknown>; agentId?: string }[] = [
        { tool: "read", args: { path: "same.txt" } },
        { tool: "search", args: { pattern: "bet." } },
        { tool: "bash", args: { command: "rm -rf /" } },
        { tool: "read", args: { path: "../outside" } },
        { tool: "teleport", args: {} },
        { tool: "read", args: { path: "same.txt" }, agentId: "ghost" },
        { tool: "edit", args: { path: "same.txt", oldText: "zzz", newText: "y" } },
      ];
      const httpToWire: Record<string, string> = {
        blocked: "BLOCKED",
        forbidden: "FORBIDDEN",
        not_found: "NOT_FOUND",
        invalid_request: "INVALID_REQUEST",
      };
      for (const body of cases) {
        const h = await invokeHttp(t.httpUrl, t.token, body);
        const w = await c.request("tools.invoke", body);
        assert.equal(h.body.ok, w.ok, JSON.stringify(body));
        if (w.ok) assert.deepEqual(h.body.result, (w.payload as any).result, JSON.stringify(body));
        else {
          assert.equal(httpToWire[String(h.body.error?.type)], w.error?.code, JSON.stringify(body));
          assert.equal(h.body.error?.message, w.error?.message);
        }
      }
      c.close();
    } finally {
      await t.close();
    }
  });
});
