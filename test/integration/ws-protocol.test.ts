import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { RawWs, connectParams, connectWs, randomToken, startTestGateway, type TestGateway } from "../helpers/harness.js";

describe("WebSocket protocol", () => {
  let t: TestGateway;
  const ciToken = randomToken();
  before(async () => {
    t = await startTestGateway({
      config: {
        gateway: {
          auth: { users: [{ id: "ci@company.com", token: "${CI_TOKEN}" }] },
          limits: { handshakeTimeoutMs: 300, tickIntervalMs: 100, maxPayload: 4096, maxPreAuthPayload: 1024 },
          rateLimit: { maxRequests: 1000 },
        },
        rbac: { enabled: true, defaultRole: "viewer", assignments: { "ci@company.com": "user" } },
      },
      env: { CI_TOKEN: ciToken },
    });
  });
  after(() => t.close());

  test("challenge, connect, hello-ok with every field", async () => {
    const c = await RawWs.open(t.wsUrl);
    const ch = await c.challenge();
    assert.match(ch.nonce, /^[0-9a-f-]{36}$/);
    assert.equal(typeof ch.ts, "number");
    const res = await c.request("connect", connectParams({ auth: { token: t.token }, scopes: ["operator.read", "operator.admin", "operator.bogus"] }));
    assert.equal(res.ok, true);
    const p = res.payload as Record<string, any>;
    assert.equal(p.type, "hello-ok");
    assert.equal(p.protocol, 4);
    assert.equal(typeof p.server.version, "string");
    assert.equal(typeof p.server.connId, "string");
    assert.ok(p.features.methods.includes("health"));
    assert.ok(p.features.events.includes("tick"));
    assert.ok(p.snapshot && typeof p.snapshot === "object");
    assert.equal(p.auth.principal, "owner");
    assert.equal(p.auth.rbacRole, "admin");
    assert.equal(p.auth.role, "operator");
    assert.deepEqual([...p.auth.scopes].sort(), ["operator.admin", "operator.read"]);
    assert.deepEqual(p.policy, { maxPayload: 4096, maxBufferedBytes: 8388608, tickIntervalMs: 100 });
    const h = await c.request("health");
    assert.equal(h.ok, true);
    assert.equal((h.payload as any).ok, true);
    const tick = await c.next((f) => f.type === "event" && f.event === "tick");
    assert.equal(typeof tick.seq, "number");
    const login = await t.waitForAudit((l) => l.type === "auth.login" && l.metadata.connId === p.server.connId);
    assert.equal(login.actor.id, "owner");
    assert.equal(login.actor.remoteIp, "127.0.0.1");
    assert.equal(login.metadata.method, "token");
    c.close();
  });

  test("protocol 3 is accepted; a range outside 3-4 is refused and closed 1008", async () => {
    const { c, hello } = await connectWs(t.wsUrl, { token: t.token }, { minProtocol: 3, maxProtocol: 3 });
    assert.equal((hello.payload as any).protocol, 3);
    c.close();
    const { c: c2, hello: bad } = await connectWs(t.wsUrl, { token: t.token }, { minProtocol: 5, maxProtocol: 6 });
    assert.equal(bad.ok, false);
    assert.equal(bad.error?.code, "INVALID_REQUEST");
    assert.equal(bad.error?.details?.code, "PROTOCOL_UNSUPPORTED");
    assert.equal((await c2.closed).code, 1008);
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "PROTOCOL_UNSUPPORTED");
  });

  test("a first frame that is not connect: error, close 1008, audited", async () => {
    const c = await RawWs.open(t.wsUrl);
    await c.challenge();
    const res = await c.request("health");
    assert.equal(res.ok, false);
    assert.equal(res.error?.details?.code, "CONNECT_REQUIRED");
    assert.equal((await c.closed).code, 1008);
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "connect_not_first");
  });

  test("garbage before connect closes 1008", async () => {
    const c = await RawWs.open(t.wsUrl);
    await c.challenge();
    c.send("not json{");
    assert.equal((await c.closed).code, 1008);
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "malformed_frame");
  });

  test("a wrong token is refused with AUTH_TOKEN_MISMATCH, closed 1008, audited without the token", async () => {
    const wrong = randomToken();
    const { c, hello } = await connectWs(t.wsUrl, { token: wrong });
    assert.equal(hello.ok, false);
    assert.equal(hello.error?.code, "UNAUTHORIZED");
    assert.equal(hello.error?.details?.code, "AUTH_TOKEN_MISMATCH");
    assert.equal((await c.closed).code, 1008);
    const line = await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "AUTH_TOKEN_MISMATCH");
    assert.equal(line.outcome, "failure");
    const raw = JSON.stringify(await t.audit());
    assert.ok(!raw.includes(wrong), "presented credential must not be audited");
    assert.ok(!raw.includes(t.token), "gateway token must not be audited");
  });

  test("no credentials: AUTH_TOKEN_MISSING", async () => {
    const { hello } = await connectWs(t.wsUrl, {});
    assert.equal(hello.error?.details?.code, "AUTH_TOKEN_MISSING");
  });

  test("a named user is its own principal with its own role", async () => {
    const { c, hello } = await connectWs(t.wsUrl, { token: ciToken });
    assert.equal((hello.payload as any).auth.principal, "ci@company.com");
    assert.equal((hello.payload as any).auth.rbacRole, "user");
    c.close();
  });

  test("handshake timeout closes 1008", async () => {
    const c = await RawWs.open(t.wsUrl);
    await c.challenge();
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "handshake_timeout");
  });

  test("a large frame before authentication closes 1009", async () => {
    const c = await RawWs.open(t.wsUrl);
    await c.challenge();
    c.send({ type: "req", id: "x", method: "connect", params: { pad: "x".repeat(2000) } });
    assert.equal((await c.closed).code, 1009);
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "preauth_frame_too_large");
  });

  test("a frame over maxPayload after authentication closes 1009", async () => {
    const { c } = await connectWs(t.wsUrl, { token: t.token });
    c.send({ type: "req", id: "big", method: "health", params: { pad: "x".repeat(5000) } });
    assert.equal((await c.closed).code, 1009);
    const line = await t.waitForAudit((l) => l.type === "request.rejected" && l.metadata.reason === "frame_too_large");
    assert.equal(line.actor.id, "owner");
  });

  test("unknown method: INVALID_REQUEST, connection stays open", async () => {
    const { c } = await connectWs(t.wsUrl, { token: t.token });
    const r = await c.request("no.such.method", { text: "hi" });
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, "INVALID_REQUEST");
    const line = await t.waitForAudit((l) => l.type === "request.rejected" && l.metadata.method === "no.such.method");
    assert.equal(line.metadata.reason, "UNKNOWN_METHOD");
    assert.equal((await c.request("status")).ok, true);
    c.close();
  });

  test("method permissions are checked before dispatch: a viewer cannot list pairing requests", async () => {
    const viewerToken = randomToken();
    const v = await startTestGateway({
      config: { gateway: { auth: { users: [{ id: "viewer@company.com", token: "${V_TOKEN}" }] } }, rbac: { enabled: true, defaultRole: "viewer" } },
      env: { V_TOKEN: viewerToken },
    });
    try {
      const { c, hello } = await connectWs(v.wsUrl, { token: viewerToken });
      assert.equal((hello.payload as any).auth.rbacRole, "viewer");
      const r = await c.request("device.pair.list");
      assert.equal(r.ok, false);
      assert.equal(r.error?.code, "FORBIDDEN");
      const line = await v.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === "viewer@company.com");
      assert.equal(line.metadata.method, "device.pair.list");
      assert.equal(line.metadata.permission, "admin");
      c.close();
    } finally {
      await v.close();
    }
  });

  test("a traceparent on a frame becomes the audit traceId", async () => {
    const { c } = await connectWs(t.wsUrl, { token: ciToken });
    const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const r = await c.request("device.pair.list", {}, { traceparent: `00-${trace}-00f067aa0ba902b7-01` });
    assert.equal(r.error?.code, "FORBIDDEN");
    const line = await t.waitForAudit((l) => l.type === "rbac.denied" && l.traceId === trace);
    assert.equal(line.actor.id, "ci@company.com");
    c.close();
  });
});
