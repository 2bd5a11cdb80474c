import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { RawWs, invokeHttp, randomToken, startTestGateway, type TestGateway } from "../helpers/harness.js";

describe("HTTP API", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      config: {
        gateway: {
          allowedOrigins: ["https://console.company.com"],
          limits: { maxBodyBytes: 2048 },
          rateLimit: { maxRequests: 1000 },
        },
      },
    });
  });
  after(() => t.close());

  test("GET /health needs no auth and says nothing else", async () => {
    const res = await fetch(`${t.httpUrl}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
  });

  test("no credentials: 401, audited", async () => {
    const r = await invokeHttp(t.httpUrl, undefined, { tool: "read", args: { path: "x" } });
    assert.equal(r.status, 401);
    assert.equal(r.body.ok, false);
    assert.equal(r.body.error?.type, "unauthorized");
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "AUTH_TOKEN_MISSING" && l.metadata.transport === "http");
  });

  test("a wrong bearer token: 401, audited without the token", async () => {
    const wrong = randomToken();
    const r = await invokeHttp(t.httpUrl, wrong, { tool: "read", args: { path: "x" } });
    assert.equal(r.status, 401);
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "AUTH_TOKEN_MISMATCH");
    assert.ok(!JSON.stringify(await t.audit()).includes(wrong));
  });

  test("unknown tool: 404 not_found", async () => {
    const r = await invokeHttp(t.httpUrl, t.token, { tool: "teleport", args: {} });
    assert.equal(r.status, 404);
    assert.deepEqual(r.body.ok, false);
    assert.equal(r.body.error?.type, "not_found");
  });

  test("bad JSON: 400", async () => {
    const r = await invokeHttp(t.httpUrl, t.token, "{not json");
    assert.equal(r.status, 400);
    assert.equal(r.body.error?.type, "invalid_request");
  });

  test("a body that is not {tool,args}: 400", async () => {
    const r = await invokeHttp(t.httpUrl, t.token, { tool: 5 });
    assert.equal(r.status, 400);
  });

  test("body over the limit: 413", async () => {
    const r = await invokeHttp(t.httpUrl, t.token, { tool: "write", args: { path: "x", content: "y".repeat(4096) } });
    assert.equal(r.status, 413);
    assert.equal(r.body.error?.type, "payload_too_large");
  });

  test("GET on /tools/invoke: 405; other paths: 404 — both audited", async () => {
    assert.equal((await fetch(`${t.httpUrl}/tools/invoke`)).status, 405);
    const r = await fetch(`${t.httpUrl}/admin`);
    assert.equal(r.status, 404);
    await t.waitForAudit((l) => l.type === "request.rejected" && l.metadata.reason === "method_not_allowed");
    await t.waitForAudit((l) => l.type === "request.rejected" && l.metadata.reason === "not_found" && l.metadata.path === "/admin");
  });

  test("a foreign Origin is refused on HTTP and on the WebSocket upgrade, and audited", async () => {
    const r = await invokeHttp(t.httpUrl, t.token, { tool: "read", args: { path: "x" } }, { origin: "https://evil.example" });
    assert.equal(r.status, 403);
    await assert.rejects(RawWs.open(t.wsUrl, { origin: "https://evil.example" }), (e: Error & { statusCode?: number }) => e.statusCode === 403);
    await assert.rejects(RawWs.open(t.wsUrl, { origin: "https://console.company.com.evil.example" }), (e: Error & { statusCode?: number }) => e.statusCode === 403);
    // Refusals before authentication are audited asynchronously; wait for both lines.
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "origin_not_allowed" && l.metadata.transport === "http");
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "origin_not_allowed" && l.metadata.transport === "ws");
    // The allowed origin passes.
    const ok = await RawWs.open(t.wsUrl, { origin: "https://console.company.com" });
    await ok.challenge();
    ok.close();
  });

  test("a W3C traceparent header becomes the audit traceId", async () => {
    const trace = "0af7651916cd43dd8448eb211c80319c";
    await invokeHttp(t.httpUrl, randomToken(), { tool: "read", args: {} }, { traceparent: `00-${trace}-b7ad6b7169203331-01` });
    const line = await t.waitForAudit((l) => l.traceId === trace);
    assert.equal(line.type, "auth.failure");
  });
});

describe("rate limits and lockout", () => {
  test("maxRequests per address: 429 with Retry-After, audited once per window", async () => {
    const t = await startTestGateway({ config: { gateway: { rateLimit: { maxRequests: 5, windowMs: 60000 } } } });
    try {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 8; i++) {
        last = await invokeHttp(t.httpUrl, t.token, { tool: "teleport", args: {} });
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429, 429, 429]);
      assert.ok(Number(last?.headers.get("retry-after")) >= 1);
      assert.equal(last?.body.error?.type, "rate_limited");
      // WebSocket requests count against the same budget.
      const c = await RawWs.open(t.wsUrl);
      await c.challenge();
      const res = await c.request("connect", { minProtocol: 3, maxProtocol: 4, client: { id: "x", mode: "backend" }, auth: { token: t.token } });
      assert.equal(res.error?.code, "RATE_LIMITED");
      assert.ok((res.error?.retryAfterMs ?? 0) > 0);
      const lines = (await t.audit()).filter((l) => l.type === "ratelimit.exceeded");
      assert.equal(lines.length, 1);
      assert.equal(lines[0]?.actor.remoteIp, "127.0.0.1");
    } finally {
      await t.close();
    }
  });

  test("repeated auth failures lock out a browser-origin client even on loopback", async () => {
    const t = await startTestGateway({
      config: { gateway: { allowedOrigins: ["https://console.company.com"], auth: { lockout: { maxFailures: 3, windowMs: 60000, lockoutMs: 60000 } } } },
    });
    try {
      const origin = { origin: "https://console.company.com" };
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await invokeHttp(t.httpUrl, randomToken(), { tool: "read", args: {} }, origin)).status);
      assert.deepEqual(codes, [401, 401, 401, 429, 429]);
      // Even the right token is refused while locked out.
      const r = await invokeHttp(t.httpUrl, t.token, { tool: "teleport", args: {} }, origin);
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get("retry-after")) > 0);
      await t.waitForAudit((l) => l.type === "ratelimit.exceeded" && l.metadata.key === "auth_lockout");
      await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "AUTH_RATE_LIMITED");
      // A non-browser loopback client (no Origin) is not locked out by the page's failures.
      const cli = await invokeHttp(t.httpUrl, t.token, { tool: "teleport", args: {} });
      assert.equal(cli.status, 404);
    } finally {
      await t.close();
    }
  });

  test("maxConnections caps concurrent WebSocket connections", async () => {
    const t = await startTestGateway({ config: { gateway: { rateLimit: { maxConnections: 3, maxUnauthenticatedPerIp: 10, maxRequests: 1000 } } } });
    try {
      const open = await Promise.all([0, 1, 2].map(() => RawWs.open(t.wsUrl)));
      await assert.rejects(RawWs.open(t.wsUrl), (e: Error & { statusCode?: number }) => e.statusCode === 429);
      await t.waitForAudit((l) => l.type === "ratelimit.exceeded" && l.metadata.key === "connections");
      open[0]?.close();
      await open[0]?.closed;
      await new Promise((r) => setTimeout(r, 50));
      const again = await RawWs.open(t.wsUrl);
      again.close();
      for (const o of open) o.close();
    } finally {
      await t.close();
    }
  });

  test("unauthenticated connections per address are capped", async () => {
    const t = await startTestGateway({ config: { gateway: { rateLimit: { maxConnections: 50, maxUnauthenticatedPerIp: 2, maxRequests: 1000 } } } });
    try {
      const a = await RawWs.open(t.wsUrl);
      const b = await RawWs.open(t.wsUrl);
      await assert.rejects(RawWs.open(t.wsUrl), (e: Error & { statusCode?: number }) => e.statusCode === 429);
      await t.waitForAudit((l) => l.type === "ratelimit.exceeded" && l.metadata.reason === "max_unauthenticated_per_ip");
      a.close();
      b.close();
    } finally {
      await t.close();
    }
  });
});

describe("fail closed", () => {
  test("when the audit log cannot be written, requests that must be recorded are refused and nothing runs", async () => {
    const t = await startTestGateway({ config: { gateway: { audit: { path: "/dev/full" } } } });
    try {
      const fs = await import("node:fs/promises");
      const path = await import("node:path");
      const w = await invokeHttp(t.httpUrl, t.token, { tool: "write", args: { path: "never.txt", content: "x" } });
      assert.equal(w.status, 503);
      assert.equal(w.body.error?.type, "unavailable");
      assert.match(String(w.body.error?.message), /audit log cannot be written/);
      await assert.rejects(fs.stat(path.join(t.stateDir, "workspace", "never.txt")));
      // Even a read is refused, request after request: its login could not be recorded.
      for (let i = 0; i < 2; i++) assert.equal((await invokeHttp(t.httpUrl, t.token, { tool: "read", args: { path: "x" } })).status, 503);
      const b = await invokeHttp(t.httpUrl, t.token, { tool: "bash", args: { command: "touch ran.txt" } });
      assert.equal(b.status, 503);
      await assert.rejects(fs.stat(path.join(t.stateDir, "workspace", "ran.txt")));
      const c = await RawWs.open(t.wsUrl);
      await c.challenge();
      const hello = await c.request("connect", { minProtocol: 3, maxProtocol: 4, client: { id: "x", mode: "backend" }, auth: { token: t.token } });
      assert.equal(hello.ok, false);
      assert.equal(hello.error?.code, "UNAVAILABLE");
    } finally {
      await t.close();
    }
  });
});
