import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { RawWs, connectParams, connectWs, invokeHttp, startTestGateway, type TestGateway } from "../helpers/harness.js";
import { TestDevice } from "../helpers/device.js";

/** Opens a connection and sends a signed connect for `device`. */
async function deviceConnect(
  url: string,
  device: TestDevice,
  o: { token?: string; tamper?: (nonce: string) => Record<string, unknown> } = {},
): Promise<{ c: RawWs; res: Awaited<ReturnType<RawWs["request"]>> }> {
  const c = await RawWs.open(url);
  const { nonce } = await c.challenge();
  const proof = o.tamper ? o.tamper(nonce) : device.sign({ nonce, ...(o.token ? { token: o.token } : {}) });
  const res = await c.request("connect", connectParams({ auth: o.token ? { token: o.token } : {}, device: proof }));
  return { c, res };
}

describe("device pairing", () => {
  let t: TestGateway;
  let admin: RawWs;
  before(async () => {
    t = await startTestGateway({
      config: { rbac: { enabled: true, defaultRole: "viewer", assignments: { "support@company.com": "user" } }, gateway: { rateLimit: { maxRequests: 10000 }, pairing: { maxAttempts: 1000, backoffBaseMs: 1, backoffMaxMs: 1, autoApproveLoopback: false, maxPendingPerIp: 100 } } },
    });
    admin = (await connectWs(t.wsUrl, { token: t.token })).c;
  });
  after(async () => {
    admin.close();
    await t.close();
  });

  test("an unpaired device gets NOT_PAIRED / PAIRING_REQUIRED, close 1008, a stored request, an event to admins and an audit line", async () => {
    const d = new TestDevice();
    const { c, res } = await deviceConnect(t.wsUrl, d, { token: t.token });
    assert.equal(res.ok, false);
    assert.equal(res.error?.code, "NOT_PAIRED");
    assert.equal(res.error?.details?.code, "PAIRING_REQUIRED");
    const requestId = res.error?.details?.requestId as string;
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /^pairing required/);
    const ev = await admin.next((f) => f.event === "device.pair.requested" && (f.payload as any).requestId === requestId);
    assert.equal((ev.payload as any).deviceId, d.id);
    const line = await t.waitForAudit((l) => l.type === "pairing.request" && l.metadata.deviceId === d.id);
    assert.equal(line.actor.type, "device");
    assert.equal(line.actor.id, d.id);
    const list = await admin.request("device.pair.list");
    assert.ok((list.payload as any).pending.some((p: any) => p.requestId === requestId));
    // Without the shared token too.
    const { res: res2 } = await deviceConnect(t.wsUrl, d);
    assert.equal(res2.error?.details?.code, "PAIRING_REQUIRED");
    assert.equal(res2.error?.details?.requestId, requestId, "the same pending request");
  });

  test("approve → the device connects with its key alone, gets a device token, acts as the bound principal; the token works on HTTP; revoke closes it", async () => {
    const d = new TestDevice();
    const first = await deviceConnect(t.wsUrl, d);
    const requestId = first.res.error?.details?.requestId as string;
    const ok = await admin.request("device.pair.approve", { requestId, principal: "support@company.com" });
    assert.equal(ok.ok, true, JSON.stringify(ok.error));
    await t.waitForAudit((l) => l.type === "pairing.approve" && l.metadata.deviceId === d.id);
    const { c, res } = await deviceConnect(t.wsUrl, d);
    assert.equal(res.ok, true, JSON.stringify(res.error));
    const hello = res.payload as any;
    assert.equal(hello.auth.principal, "support@company.com");
    assert.equal(hello.auth.rbacRole, "user");
    const deviceToken = hello.auth.deviceToken as string;
    assert.match(deviceToken, /^[A-Za-z0-9_-]{43}$/);
    const login = await t.waitForAudit((l) => l.type === "auth.login" && l.metadata.deviceId === d.id);
    assert.equal(login.actor.type, "device");
    assert.equal(login.metadata.method, "device-token");
    // Later connects present the device token with the signature.
    const again = await deviceConnect(t.wsUrl, d, { token: deviceToken });
    assert.equal(again.res.ok, true);
    assert.equal((again.res.payload as any).auth.deviceToken, undefined, "no new token when the current one was presented");
    // The device token is an HTTP bearer for the bound principal.
    const http = await invokeHttp(t.httpUrl, deviceToken, { tool: "teleport", args: {} });
    assert.equal(http.status, 404);
    // Revoke closes open connections at once and the token stops working.
    const rv = await admin.request("device.token.revoke", { deviceId: d.id });
    assert.equal(rv.ok, true);
    assert.equal((await c.closed).code, 1008);
    assert.equal((await again.c.closed).code, 1008);
    assert.equal((await invokeHttp(t.httpUrl, deviceToken, { tool: "teleport", args: {} })).status, 401);
    const after = await deviceConnect(t.wsUrl, d, { token: deviceToken });
    assert.equal(after.res.ok, false);
  });

  test("rotate issues a new token and the old one stops working", async () => {
    const d = new TestDevice();
    const first = await deviceConnect(t.wsUrl, d);
    await admin.request("device.pair.approve", { requestId: first.res.error?.details?.requestId, principal: "support@company.com" });
    const { c, res } = await deviceConnect(t.wsUrl, d);
    const oldToken = (res.payload as any).auth.deviceToken as string;
    c.close();
    const rot = await admin.request("device.token.rotate", { deviceId: d.id });
    const newToken = (rot.payload as any).deviceToken as string;
    assert.notEqual(newToken, oldToken);
    assert.equal((await invokeHttp(t.httpUrl, oldToken, { tool: "teleport", args: {} })).status, 401);
    assert.equal((await invokeHttp(t.httpUrl, newToken, { tool: "teleport", args: {} })).status, 404);
    const stale = await deviceConnect(t.wsUrl, d, { token: oldToken });
    assert.equal(stale.res.error?.details?.code, "DEVICE_TOKEN_MISMATCH");
  });

  test("reject removes the request and is audited", async () => {
    const d = new TestDevice();
    const first = await deviceConnect(t.wsUrl, d);
    const requestId = first.res.error?.details?.requestId as string;
    const r = await admin.request("device.pair.reject", { requestId });
    assert.equal(r.ok, true);
    await t.waitForAudit((l) => l.type === "pairing.reject" && l.metadata.requestId === requestId);
    const list = await admin.request("device.pair.list");
    assert.ok(!(list.payload as any).pending.some((p: any) => p.requestId === requestId));
  });

  test("refusals: foreign nonce, stale signedAt, key/id mismatch, bad signature, key swap — each with its own code and an auth.failure line", async () => {
    const d = new TestDevice();
    const other = new TestDevice();
    const cases: [string, (nonce: string) => Record<string, unknown>][] = [
      ["DEVICE_NONCE_MISMATCH", () => d.sign({ nonce: "00000000-0000-4000-8000-000000000000" })],
      ["DEVICE_SIGNATURE_STALE", (nonce) => d.sign({ nonce, signedAt: Date.now() - 10 * 60_000 })],
      ["DEVICE_SIGNATURE_STALE", (nonce) => d.sign({ nonce, signedAt: Date.now() + 10 * 60_000 })],
      ["DEVICE_ID_MISMATCH", (nonce) => d.sign({ nonce, id: other.id })],
      ["DEVICE_SIGNATURE_INVALID", (nonce) => d.sign({ nonce, signWith: other.privateKey })],
      ["DEVICE_SIGNATURE_INVALID", (nonce) => ({ ...d.sign({ nonce }), signedAt: Date.now() - 1000 })],
    ];
    for (const [code, tamper] of cases) {
      const { c, res } = await deviceConnect(t.wsUrl, d, { tamper });
      assert.equal(res.ok, false, code);
      assert.equal(res.error?.details?.code, code, `expected ${code}, got ${JSON.stringify(res.error)}`);
      assert.equal((await c.closed).code, 1008);
      await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === code);
    }
  });

  test("a paired device id presented with a different key is refused", async () => {
    const d = new TestDevice();
    const first = await deviceConnect(t.wsUrl, d);
    await admin.request("device.pair.approve", { requestId: first.res.error?.details?.requestId, principal: "support@company.com" });
    const impostor = new TestDevice();
    // The impostor claims d's id with its own key: the id no longer hashes from the key.
    const { res } = await deviceConnect(t.wsUrl, impostor, { tamper: (nonce) => impostor.sign({ nonce, id: d.id }) });
    assert.equal(res.error?.details?.code, "DEVICE_ID_MISMATCH");
  });
});

describe("pairing rate limits", () => {
  test("at most maxAttempts per window per channel and address, then RATE_LIMITED with retryAfterMs", async () => {
    const t = await startTestGateway({ config: { gateway: { pairing: { maxAttempts: 3, windowMs: 60000, autoApproveLoopback: false, maxPendingPerIp: 100 }, rateLimit: { maxRequests: 10000 } } } });
    try {
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { res } = await deviceConnect(t.wsUrl, new TestDevice());
        codes.push(String(res.error?.details?.code ?? res.error?.code));
        if (i === 4) assert.ok((res.error?.retryAfterMs ?? 0) > 0);
      }
      assert.deepEqual(codes, ["PAIRING_REQUIRED", "PAIRING_REQUIRED", "PAIRING_REQUIRED", "AUTH_RATE_LIMITED", "AUTH_RATE_LIMITED"]);
      await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "AUTH_RATE_LIMITED");
    } finally {
      await t.close();
    }
  });

  test("repeated failures back off exponentially", async () => {
    const t = await startTestGateway({ config: { gateway: { pairing: { maxAttempts: 100, backoffBaseMs: 1000, autoApproveLoopback: false, maxPendingPerIp: 100 }, rateLimit: { maxRequests: 10000 } } } });
    try {
      const d = new TestDevice();
      const bad = (nonce: string) => d.sign({ nonce, signWith: new TestDevice().privateKey });
      const first = await deviceConnect(t.wsUrl, d, { tamper: bad });
      assert.equal(first.res.error?.details?.code, "DEVICE_SIGNATURE_INVALID");
      const second = await deviceConnect(t.wsUrl, d, { tamper: bad });
      assert.equal(second.res.error?.code, "RATE_LIMITED");
      assert.ok((second.res.error?.retryAfterMs ?? 0) > 0 && (second.res.error?.retryAfterMs ?? 0) <= 1000);
    } finally {
      await t.close();
    }
  });
});

describe("pairing state on disk and expiry", () => {
  test("pairing files are 0600 in a 0700 dir and hold only token hashes; pending requests expire", async () => {
    const fs = await import("node:fs/promises");
    const path = await import("node:path");
    const t = await startTestGateway({ config: { gateway: { pairing: { pendingTtlMs: 300, autoApproveLoopback: false, maxPendingPerIp: 100 }, rateLimit: { maxRequests: 1000 } } } });
    try {
      const admin = (await connectWs(t.wsUrl, { token: t.token })).c;
      const d = new TestDevice();
      const { res } = await deviceConnect(t.wsUrl, d);
      const requestId = res.error?.details?.requestId as string;
      await admin.request("device.pair.approve", { requestId, principal: "x@company.com" });
      const { res: ok } = await deviceConnect(t.wsUrl, d);
      const token = (ok.payload as any).auth.deviceToken as string;
      const dir = path.join(t.stateDir, "devices");
      assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
      for (const f of await fs.readdir(dir)) {
        const p = path.join(dir, f);
        assert.equal((await fs.stat(p)).mode & 0o777, 0o600, f);
        assert.ok(!(await fs.readFile(p, "utf8")).includes(token), `${f} holds no device token`);
      }
      // A request nobody decides expires (gateway.pairing.pendingTtlMs).
      const other = new TestDevice();
      const r2 = await deviceConnect(t.wsUrl, other);
      const id2 = r2.res.error?.details?.requestId as string;
      await new Promise((r) => setTimeout(r, 400));
      const list = await admin.request("device.pair.list");
      assert.ok(!(list.payload as any).pending.some((p: any) => p.requestId === id2), "expired request is gone");
      const late = await admin.request("device.pair.approve", { requestId: id2 });
      assert.equal(late.ok, false);
      admin.close();
    } finally {
      await t.close();
    }
  });
});
