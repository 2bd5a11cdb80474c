/** The CLI's client commands (approvals, devices) driving a running gateway end to end. */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { RawWs, connectParams, invokeHttp, makeStateDir, randomToken, startTestGateway, type TestGateway } from "../helpers/harness.js";
import { TestDevice } from "../helpers/device.js";
import { runCli } from "../helpers/cli.js";

describe("CLI client commands", () => {
  let t: TestGateway;
  const devToken = randomToken();
  const cliEnv = () => ({ PATH: process.env.PATH, HOME: t.stateDir, CLAWDBOT_STATE_DIR: t.stateDir });
  const flags = () => ["--url", t.httpUrl, "--token", t.token];
  before(async () => {
    t = await startTestGateway({
      config: {
        gateway: { auth: { users: [{ id: "dev@company.com", token: "${DEV_TOKEN}" }] }, rateLimit: { maxRequests: 10000 } },
        rbac: { enabled: true, defaultRole: "viewer", assignments: { "dev@company.com": "user", "support@company.com": "user" } },
        approvals: { exec: { enabled: true, timeoutMs: 20000 } },
      },
      env: { DEV_TOKEN: devToken },
    });
  });
  after(() => t.close());

  test("approvals list / approve: the owner approves a developer's destructive command from the CLI", async () => {
    const ws = path.join(t.stateDir, "workspace");
    await fs.writeFile(path.join(ws, "old.log"), "x");
    const pending = invokeHttp(t.httpUrl, devToken, { tool: "bash", args: { command: "rm old.log && echo gone" } });
    let id = "";
    for (let i = 0; i < 100 && !id; i++) {
      const list = await runCli(["approvals", "list", "--json", ...flags()], cliEnv());
      assert.equal(list.code, 0, list.stderr);
      const first = (JSON.parse(list.stdout) as { id: string }[])[0];
      if (first) id = first.id;
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(id, "the pending approval is listed");
    const table = await runCli(["approvals", "list", ...flags()], cliEnv());
    assert.match(table.stdout, /rm old\.log && echo gone/);
    const ok = await runCli(["approvals", "approve", id, ...flags()], cliEnv());
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`approved ${id}`));
    const r = await pending;
    assert.equal(r.status, 200);
    assert.equal((r.body.result as any).stdout.trim(), "gone");
    const line = await t.waitForAudit((l) => l.type === "exec.approve" && l.metadata.approvalId === id);
    assert.equal(line.actor.id, "owner");
  });

  test("approvals reject --reason, and the requester cannot approve its own request", async () => {
    const pending = invokeHttp(t.httpUrl, devToken, { tool: "bash", args: { command: "rm -r build" } });
    let id = "";
    for (let i = 0; i < 100 && !id; i++) {
      const list = await runCli(["approvals", "list", "--json", ...flags()], cliEnv());
      const mine = (JSON.parse(list.stdout) as { id: string; command: string }[]).find((a) => a.command === "rm -r build");
      if (mine) id = mine.id;
      else await new Promise((r) => setTimeout(r, 50));
    }
    // dev@company.com holds no exec.approve: refused, and so would be any self-approval.
    const self = await runCli(["approvals", "approve", id, "--url", t.httpUrl, "--token", devToken], cliEnv());
    assert.equal(self.code, 1);
    const no = await runCli(["approvals", "reject", id, "--reason", "not on a Friday", ...flags()], cliEnv());
    assert.equal(no.code, 0, no.stderr);
    const r = await pending;
    assert.equal(r.status, 403);
    assert.equal(r.body.error?.type, "approval_denied");
    const line = await t.waitForAudit((l) => l.type === "exec.reject" && l.metadata.approvalId === id);
    assert.equal(line.metadata.reason, "not on a Friday");
  });

  test("devices approve --as, list, rotate, revoke from the CLI", async () => {
    const d = new TestDevice();
    const c = await RawWs.open(t.wsUrl);
    const { nonce } = await c.challenge();
    const res = await c.request("connect", connectParams({ device: d.sign({ nonce }) }));
    const requestId = String(res.error?.details?.requestId);
    const listed = await runCli(["devices", "list", ...flags()], cliEnv());
    assert.match(listed.stdout, new RegExp(requestId));
    const noAs = await runCli(["devices", "approve", requestId, ...flags()], cliEnv());
    assert.equal(noAs.code, 2, "--as is required");
    const ok = await runCli(["devices", "approve", d.id, "--as", "support@company.com", ...flags()], cliEnv());
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /approved device .* as support@company\.com/);
    const json = JSON.parse((await runCli(["devices", "list", "--json", ...flags()], cliEnv())).stdout);
    assert.equal(json.paired[0].principal, "support@company.com");
    assert.ok(!JSON.stringify(json).includes("tokenHash"));
    // The device connects with its key alone as support@company.com.
    const c2 = await RawWs.open(t.wsUrl);
    const ch = await c2.challenge();
    const hello = await c2.request("connect", connectParams({ device: d.sign({ nonce: ch.nonce }) }));
    assert.equal((hello.payload as any).auth.principal, "support@company.com");
    const oldToken = (hello.payload as any).auth.deviceToken as string;
    const rot = await runCli(["devices", "rotate", d.id, "--json", ...flags()], cliEnv());
    const rotated = JSON.parse(rot.stdout) as { deviceToken: string; closedConnections: number };
    const newToken = rotated.deviceToken;
    assert.equal(rotated.closedConnections, 1, "connections on the old token end at rotation");
    assert.equal((await c2.closed).code, 1008);
    assert.equal((await invokeHttp(t.httpUrl, oldToken, { tool: "teleport", args: {} })).status, 401);
    assert.equal((await invokeHttp(t.httpUrl, newToken, { tool: "teleport", args: {} })).status, 404);
    // Reconnect with the new token and the signature, then revoke: that connection closes at once.
    const c3 = await RawWs.open(t.wsUrl);
    const ch3 = await c3.challenge();
    const again = await c3.request("connect", connectParams({ auth: { token: newToken }, device: d.sign({ nonce: ch3.nonce, token: newToken }) }));
    assert.equal(again.ok, true, JSON.stringify(again.error));
    const rv = await runCli(["devices", "revoke", d.id, ...flags()], cliEnv());
    assert.equal(rv.code, 0, rv.stderr);
    assert.match(rv.stdout, /1 open connection\(s\) closed/);
    assert.equal((await c3.closed).code, 1008);
    assert.equal((await invokeHttp(t.httpUrl, newToken, { tool: "teleport", args: {} })).status, 401);
    await t.waitForAudit((l) => l.type === "device.token.revoke" && l.metadata.deviceId === d.id);
  });
});

describe("trusted proxies", () => {
  test("X-Forwarded-For is read only from a trusted peer; the resolved address is audited and rate-limited", async () => {
    const t = await startTestGateway({ config: { gateway: { trustedProxies: ["127.0.0.1"], rateLimit: { maxRequests: 2 } } } });
    try {
      const xff = (v: string) => ({ "x-forwarded-for": v });
      await invokeHttp(t.httpUrl, randomToken(), { tool: "read", args: {} }, xff("203.0.113.7"));
      const line = await t.waitForAudit((l) => l.type === "auth.failure" && l.actor.remoteIp === "203.0.113.7");
      assert.equal(line.metadata.reason, "AUTH_TOKEN_MISMATCH");
      // A client-controlled prefix does not change who the client is.
      await invokeHttp(t.httpUrl, randomToken(), { tool: "read", args: {} }, xff("10.9.9.9, 203.0.113.7"));
      const limited = await invokeHttp(t.httpUrl, t.token, { tool: "teleport", args: {} }, xff("1.1.1.1, 203.0.113.7"));
      assert.equal(limited.status, 429, "the third request from 203.0.113.7 in the window");
      // Another forwarded client has its own budget.
      assert.equal((await invokeHttp(t.httpUrl, t.token, { tool: "teleport", args: {} }, xff("198.51.100.1"))).status, 404);
    } finally {
      await t.close();
    }
  });

  test("headers from an untrusted peer are ignored, and a proxied request is never local", async () => {
    const plain = await startTestGateway({ config: { gateway: { auth: { lockout: { maxFailures: 2 } } } } });
    try {
      await invokeHttp(plain.httpUrl, randomToken(), { tool: "read", args: {} }, { "x-forwarded-for": "203.0.113.9" });
      const line = await plain.waitForAudit((l) => l.type === "auth.failure");
      assert.equal(line.actor.remoteIp, "127.0.0.1", "no trusted proxies: the header is ignored");
    } finally {
      await plain.close();
    }
    const proxied = await startTestGateway({ config: { gateway: { trustedProxies: ["127.0.0.1"], auth: { lockout: { maxFailures: 2 } } } } });
    try {
      const h = { "x-forwarded-for": "127.0.0.1" }; // a proxy forwarding a client that claims loopback
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await invokeHttp(proxied.httpUrl, randomToken(), { tool: "read", args: {} }, h)).status);
      assert.deepEqual(codes, [401, 401, 429], "no loopback exemption for proxied requests");
    } finally {
      await proxied.close();
    }
  });
});

test("a non-loopback --bind with auth disabled is refused at startup", async () => {
  const stateDir = await makeStateDir();
  await fs.writeFile(path.join(stateDir, "config.yaml"), "gateway:\n  port: 0\n  auth:\n    mode: none\n", { mode: 0o600 });
  const r = await runCli(["gateway", "--bind", "0.0.0.0"], { PATH: process.env.PATH, HOME: stateDir, CLAWDBOT_STATE_DIR: stateDir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /gateway\.bind.*non-loopback.*none/);
});
