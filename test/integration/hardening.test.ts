/** Regression tests from the security review: each tries the attack and checks it failed, and what the audit log says. */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import { RawWs, connectParams, connectWs, invokeHttp, randomToken, startTestGateway } from "../helpers/harness.js";
import { TestDevice } from "../helpers/device.js";
import { isLocalOrTls, resolveTarget } from "../../src/cli/gateway-client.js";

/** Sends raw bytes and returns what came back before the server closed (or `waitMs` passed). */
function raw(port: number, payload: string, waitMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let out = "";
    s.on("data", (d) => (out += d.toString()));
    s.on("error", () => resolve(out));
    s.on("close", () => resolve(out));
    s.write(payload);
    setTimeout(() => {
      s.destroy();
      resolve(out);
    }, waitMs);
  });
}

test("a malformed request target neither crashes the gateway nor skips its checks", async () => {
  const t = await startTestGateway();
  try {
    const answer = await raw(t.gw.port, "GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(answer, /^HTTP\/1\.1 (400|404)/);
    assert.equal((await fetch(`${t.httpUrl}/health`)).status, 200, "still serving");
  } finally {
    await t.close();
  }
});

test("handshakes that ws refuses do not leak connection slots", async () => {
  const t = await startTestGateway({ config: { gateway: { rateLimit: { maxUnauthenticatedPerIp: 3, maxConnections: 5, maxRequests: 1000 } } } });
  try {
    for (let i = 0; i < 12; i++)
      await raw(t.gw.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n", 300);
    const { c, hello } = await connectWs(t.wsUrl, { token: t.token });
    assert.equal(hello.ok, true, "a legitimate client still gets in");
    c.close();
  } finally {
    await t.close();
  }
});

test("a missing or emptied config file is not applied on reload (no silent fall-back to defaults)", async () => {
  const t = await startTestGateway({ config: { rbac: { enabled: true, defaultRole: "viewer" }, approvals: { exec: { enabled: true } } } });
  try {
    await fs.writeFile(t.configPath, "");
    const r = await t.gw.reload();
    assert.equal(r.applied, false);
    assert.equal(t.gw.runtime().config.rbac.enabled, true);
    await fs.rm(t.configPath);
    assert.equal((await t.gw.reload()).applied, false);
    assert.equal(t.gw.runtime().config.approvals.exec.enabled, true);
    await t.waitForAudit((l) => l.type === "config.change" && l.outcome === "failure");
  } finally {
    await t.close();
  }
});

test("anonymous refusals are audited once per window, not once per request", async () => {
  const t = await startTestGateway({ config: { gateway: { allowedOrigins: ["https://ok.example"], rateLimit: { maxRequests: 5 } } } });
  try {
    for (let i = 0; i < 40; i++) await invokeHttp(t.httpUrl, undefined, { tool: "read", args: {} }, { origin: "https://evil.example" });
    for (let i = 0; i < 20; i++) await fetch(`${t.httpUrl}/nope`);
    await t.waitForAudit((l) => l.metadata.reason === "not_found");
    const lines = await t.audit();
    assert.equal(lines.filter((l) => l.metadata.reason === "origin_not_allowed").length, 1);
    assert.equal(lines.filter((l) => l.type === "request.rejected" && l.metadata.reason === "not_found").length, 1);
    assert.ok(lines.length < 10, `${lines.length} lines for 60 refused requests`);
  } finally {
    await t.close();
  }
});

test("refusals of authenticated requests are audited: unknown tool, unknown agent, bad arguments, bad JSON, too large", async () => {
  const t = await startTestGateway({ config: { gateway: { limits: { maxBodyBytes: 2048 } } } });
  try {
    const cases: [unknown, number, string][] = [
      [{ tool: "teleport", args: {} }, 404, "TOOL_NOT_FOUND"],
      [{ tool: "read", args: { path: "x" }, agentId: "ghost" }, 404, "AGENT_NOT_FOUND"],
      [{ tool: "read", args: { nope: 1 } }, 400, "INVALID_REQUEST"],
      ["{bad json", 400, "INVALID_REQUEST"],
      [{ tool: "write", args: { path: "x", content: "y".repeat(5000) } }, 413, "PAYLOAD_TOO_LARGE"],
      [{ tool: "read", args: { path: "../../etc/passwd" } }, 403, "path_outside_workspace"],
    ];
    for (const [body, status, reason] of cases) {
      const r = await invokeHttp(t.httpUrl, t.token, body);
      assert.equal(r.status, status, JSON.stringify(body).slice(0, 60));
      const line = await t.waitForAudit((l) => (l.type === "request.rejected" || l.type === "sandbox.denied") && l.metadata.reason === reason);
      assert.equal(line.actor.id, "owner");
    }
    const sandbox = (await t.audit()).find((l) => l.type === "sandbox.denied");
    assert.equal(sandbox?.metadata.reason, "path_outside_workspace");
  } finally {
    await t.close();
  }
});

test("a requester that disconnects withdraws its pending approval; nothing runs", async () => {
  const approverToken = randomToken();
  const t = await startTestGateway({
    config: {
      gateway: { auth: { users: [{ id: "ops@company.com", token: "${OPS}" }] } },
      rbac: { enabled: true, assignments: { "ops@company.com": "operator" } },
      approvals: { exec: { enabled: true, timeoutMs: 30000 } },
    },
    env: { OPS: approverToken },
  });
  try {
    const ops = (await connectWs(t.wsUrl, { token: approverToken })).c;
    await fs.writeFile(path.join(t.stateDir, "workspace", "keep.txt"), "x");
    const { c } = await connectWs(t.wsUrl, { token: t.token });
    c.send({ type: "req", id: "x", method: "tools.invoke", params: { tool: "bash", args: { command: "rm keep.txt" } } });
    const ev = await ops.next((f) => f.event === "exec.approval.requested");
    c.ws.terminate();
    await ops.next((f) => f.event === "exec.approval.resolved" && (f.payload as any).id === (ev.payload as any).id);
    const late = await ops.request("exec.approval.resolve", { id: (ev.payload as any).id, decision: "approve" });
    assert.equal(late.ok, false);
    await fs.stat(path.join(t.stateDir, "workspace", "keep.txt"));
    const line = await t.waitForAudit((l) => l.type === "exec.reject" && l.metadata.reason === "requester_disconnected");
    assert.equal(line.actor.type, "system");
    ops.close();
  } finally {
    await t.close();
  }
});

test("shutdown answers requests waiting for approval and drains in-flight HTTP work", async () => {
  const t = await startTestGateway({ config: { approvals: { exec: { enabled: true, timeoutMs: 60000 } } } });
  const { c } = await connectWs(t.wsUrl, { token: t.token });
  const waiting = c.request("tools.invoke", { tool: "bash", args: { command: "rm -r nothing-here" } });
  await new Promise((r) => setTimeout(r, 100));
  const running = invokeHttp(t.httpUrl, t.token, { tool: "bash", args: { command: "sleep 0.5; echo finished" } });
  await new Promise((r) => setTimeout(r, 150));
  const started = Date.now();
  await t.close();
  assert.ok(Date.now() - started < 5000, "no 10 s stall");
  const w = await waiting;
  assert.equal(w.error?.code, "APPROVAL_DENIED");
  const r = await running;
  assert.equal(r.status, 200);
  assert.equal((r.body.result as any).stdout.trim(), "finished");
});

test("a paired device reconnecting often is not held back by the pairing limit", async () => {
  const t = await startTestGateway({ config: { gateway: { pairing: { maxAttempts: 2 }, rateLimit: { maxRequests: 1000 } } } });
  try {
    const admin = (await connectWs(t.wsUrl, { token: t.token })).c;
    const d = new TestDevice();
    const first = await RawWs.open(t.wsUrl);
    const ch = await first.challenge();
    const req = await first.request("connect", connectParams({ device: d.sign({ nonce: ch.nonce }) }));
    await admin.request("device.pair.approve", { requestId: req.error?.details?.requestId, principal: "x@y" });
    for (let i = 0; i < 6; i++) {
      const c = await RawWs.open(t.wsUrl);
      const { nonce } = await c.challenge();
      const res = await c.request("connect", connectParams({ device: d.sign({ nonce }) }));
      assert.equal(res.ok, true, `reconnect ${i}: ${JSON.stringify(res.error)}`);
      c.close();
    }
    admin.close();
  } finally {
    await t.close();
  }
});

test("auth mode none admits only direct loopback clients, never a proxied one", async () => {
  const t = await startTestGateway({ config: { gateway: { auth: { mode: "none", token: null }, trustedProxies: ["127.0.0.1"] } } });
  try {
    assert.equal((await invokeHttp(t.httpUrl, undefined, { tool: "teleport", args: {} })).status, 404);
    const proxied = await invokeHttp(t.httpUrl, undefined, { tool: "teleport", args: {} }, { "x-forwarded-for": "203.0.113.5" });
    assert.equal(proxied.status, 401);
    assert.equal(proxied.body.error?.code, "AUTH_NONE_LOCAL_ONLY");
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "AUTH_NONE_LOCAL_ONLY" && l.actor.remoteIp === "203.0.113.5");
  } finally {
    await t.close();
  }
});

test("a slow sender is cut off after requestTimeoutMs", async () => {
  const t = await startTestGateway({ config: { gateway: { limits: { requestTimeoutMs: 800 } } } });
  try {
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const s = net.connect(t.gw.port, "127.0.0.1");
      s.write(`POST /tools/invoke HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
      const drip = setInterval(() => s.write(" "), 100);
      s.on("close", () => {
        clearInterval(drip);
        resolve();
      });
      s.on("error", () => undefined);
      setTimeout(() => s.destroy(), 8000);
    });
    assert.ok(Date.now() - started < 4000, `held for ${Date.now() - started} ms`);
  } finally {
    await t.close();
  }
});

test("a workspace may not expose credentials, pairing state, the audit log or the config", async () => {
  for (const workspace of ["credentials", "devices", "."]) {
    await assert.rejects(startTestGateway({ config: { agents: { main: { workspace } } } }), /agents\.main\.workspace/);
  }
});

test("the CLI sends the stored token only to a gateway on this machine or over TLS", async () => {
  assert.equal(isLocalOrTls("ws://127.0.0.1:18789"), true);
  assert.equal(isLocalOrTls("http://[::1]:18789"), true);
  assert.equal(isLocalOrTls("wss://gateway.company.com"), true);
  assert.equal(isLocalOrTls("ws://gateway.company.com:18789"), false);
  await assert.rejects(resolveTarget({ url: "ws://gateway.company.com:18789", env: {} }), /refusing to send the stored gateway token/);
  const explicit = await resolveTarget({ url: "ws://gateway.company.com:18789", token: "t".repeat(32), env: {} });
  assert.equal(explicit.token, "t".repeat(32));
});

test("a client that leaves during connect leaves no session behind", async () => {
  const t = await startTestGateway({ config: { gateway: { rateLimit: { maxRequests: 1000 } } } });
  try {
    for (let i = 0; i < 20; i++) {
      const c = await RawWs.open(t.wsUrl);
      await c.challenge();
      c.send({ type: "req", id: "c", method: "connect", params: connectParams({ auth: { token: t.token } }) });
      c.ws.terminate();
    }
    await new Promise((r) => setTimeout(r, 300));
    const { c } = await connectWs(t.wsUrl, { token: t.token });
    const status = await c.request("status");
    assert.equal((status.payload as any).connections, 1);
    c.close();
  } finally {
    await t.close();
  }
});
