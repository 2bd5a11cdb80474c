/** The WebSocket methods and events the control page needs (docs/protocol.md "Control page methods"). */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { connectWs, invokeHttp, randomToken, startTestGateway, type RawWs, type TestGateway } from "../helpers/harness.js";

const tokens = { user: randomToken(), approver: randomToken(), viewer: randomToken() };
const config = {
  gateway: {
    auth: {
      users: [
        { id: "user@company.com", token: "${T_USER}" },
        { id: "approver@company.com", token: "${T_APPROVER}" },
        { id: "viewer@company.com", token: "${T_VIEWER}" },
      ],
    },
  },
  rbac: { enabled: true, defaultRole: "viewer", assignments: { "user@company.com": "user", "approver@company.com": "operator" } },
  approvals: { exec: { enabled: true, timeoutMs: 30_000 } },
};
const env = { T_USER: tokens.user, T_APPROVER: tokens.approver, T_VIEWER: tokens.viewer };

describe("control page methods", () => {
  let t: TestGateway;
  let owner: RawWs;
  let viewer: RawWs;
  before(async () => {
    t = await startTestGateway({ config, env });
    owner = (await connectWs(t.wsUrl, { token: t.token })).c;
    viewer = (await connectWs(t.wsUrl, { token: tokens.viewer })).c;
  });
  after(async () => {
    owner.close();
    viewer.close();
    await t.close();
  });

  test("admin-only methods are refused to a viewer, and each refusal is audited", async () => {
    for (const method of ["audit.tail", "audit.verify", "status.details", "doctor.run", "exec.approval.recent"]) {
      const r = await viewer.request(method, {});
      assert.equal(r.ok, false, method);
      assert.equal(r.error?.code, "FORBIDDEN", method);
      await t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === "viewer@company.com" && l.metadata.method === method);
    }
    const mine = await viewer.request("exec.approval.mine");
    assert.equal(mine.ok, true);
    assert.deepEqual((mine.payload as any).approvals, []);
  });

  test("audit.tail sends a backlog, then each new line live, exactly as stored", async () => {
    const r = await owner.request("audit.tail", { backlog: 5 });
    assert.equal(r.ok, true);
    const backlog = (r.payload as any).records as any[];
    assert.ok(backlog.length > 0 && backlog.length <= 5);
    assert.ok(backlog.every((x) => typeof x.hash === "string"));
    // A refusal by someone else produces a line; the subscriber sees it.
    await viewer.request("audit.verify");
    const ev = await owner.next((f) => f.type === "event" && f.event === "audit.appended" && (f.payload as any).record.type === "rbac.denied" && (f.payload as any).record.metadata.method === "audit.verify");
    const stored = (await t.audit()).find((l) => l.eventId === (ev.payload as any).record.eventId);
    assert.deepEqual((ev.payload as any).record, stored);
    const off = await owner.request("audit.tail", { subscribe: false });
    assert.equal((off.payload as any).subscribed, false);
  });

  test("audit.verify reports the chain; status.details redacts secrets; doctor.run returns findings", async () => {
    const v = await owner.request("audit.verify");
    assert.equal((v.payload as any).verify.ok, true);
    assert.ok((v.payload as any).verify.lines > 0);
    const s = await owner.request("status.details");
    const text = JSON.stringify(s.payload);
    for (const secret of [t.token, tokens.user, tokens.approver, tokens.viewer]) assert.ok(!text.includes(secret), "no secret in status.details");
    assert.equal((s.payload as any).config.gateway.auth.users[0].token, "[REDACTED]");
    assert.ok((s.payload as any).connections.some((c: any) => c.principal === "viewer@company.com"));
    const d = await owner.request("doctor.run");
    assert.equal(d.ok, true);
    assert.ok(Array.isArray((d.payload as any).findings) && (d.payload as any).findings.length > 0);
    assert.ok(!JSON.stringify(d.payload).includes(t.token));
  });

  test("a requester sees their own waiting request and its end; approvers see recent decisions", async () => {
    const requester = (await connectWs(t.wsUrl, { token: tokens.user })).c;
    const approver = (await connectWs(t.wsUrl, { token: tokens.approver })).c;
    try {
      await fs.writeFile(path.join(t.stateDir, "workspace", "gone.txt"), "x");
      const call = invokeHttp(t.httpUrl, tokens.user, { tool: "bash", args: { command: "rm gone.txt" } });
      const own = await requester.next((f) => f.type === "event" && f.event === "exec.approval.own.requested");
      const id = (own.payload as any).id as string;
      assert.equal((own.payload as any).command, "rm gone.txt");
      const mine = await requester.request("exec.approval.mine");
      assert.deepEqual((mine.payload as any).approvals.map((a: any) => a.id), [id]);
      // The requester is not offered the decision (no exec.approval.requested), and approvers do not get `own` events.
      assert.ok(!requester.frames.some((f) => f.event === "exec.approval.requested"));
      const res = await approver.request("exec.approval.resolve", { id, decision: "reject", reason: "not now" });
      assert.equal(res.ok, true);
      const done = await requester.next((f) => f.type === "event" && f.event === "exec.approval.own.resolved");
      assert.equal((done.payload as any).decision, "reject");
      assert.equal((done.payload as any).decider, "approver@company.com");
      assert.ok(!approver.frames.some((f) => f.event?.startsWith("exec.approval.own.")));
      assert.equal((await call).status, 403);
      const recent = await approver.request("exec.approval.recent");
      const d = (recent.payload as any).decisions[0];
      assert.equal(d.id, id);
      assert.equal(d.reason, "not now");
      assert.equal(d.command, "rm gone.txt");
      assert.deepEqual(((await requester.request("exec.approval.mine")).payload as any).approvals, []);
    } finally {
      requester.close();
      approver.close();
    }
  });
});
