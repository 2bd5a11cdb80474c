/**
 * Compatibility with OpenClaw's gateway clients: the `openclaw-node` package
 * (protocol 4, token auth, signed device identity) pairs, is approved, then
 * connects and calls `health`.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { WebSocket } from "ws";
import { connectWs, startTestGateway } from "../helpers/harness.js";

// Node 20 has no global WebSocket; openclaw-node's own code reads `WebSocket.OPEN` from the global, so
// give it the `ws` implementation (what its README says to install on Node 20), and load its CommonJS build.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
const require = createRequire(import.meta.url);
const { OpenClawClient } = require("openclaw-node") as {
  OpenClawClient: new (o: Record<string, unknown>) => {
    connect(): Promise<Record<string, any>>;
    health(): Promise<unknown>;
    disconnect(): Promise<void>;
    on(ev: string, fn: (...a: any[]) => void): void;
  };
};

test("openclaw-node connects with token auth over protocol 4, pairs, and calls health", async () => {
  const t = await startTestGateway({ config: { gateway: { rateLimit: { maxRequests: 10000 }, pairing: { autoApproveLoopback: false } } } });
  const admin = (await connectWs(t.wsUrl, { token: t.token })).c;
  try {
    const client = new OpenClawClient({
      url: t.wsUrl,
      token: t.token,
      autoReconnect: false,
      deviceIdentityPath: path.join(t.stateDir, "openclaw-device.json"),
    });
    client.on("error", () => undefined);
    const pairing = new Promise<{ requestId?: string }>((resolve) => client.on("pairingRequired", resolve));
    await assert.rejects(client.connect());
    const info = await pairing;
    assert.match(String(info.requestId), /^[0-9a-f-]{36}$/);

    const approved = await admin.request("device.pair.approve", { requestId: info.requestId, principal: "automation@company.com" });
    assert.equal(approved.ok, true, JSON.stringify(approved.error));

    const hello = await client.connect();
    assert.equal(hello.type, "hello-ok");
    assert.equal(hello.protocol, 4);
    assert.equal(hello.auth.principal, "automation@company.com");
    assert.equal(typeof hello.auth.deviceToken, "string");
    const health = (await client.health()) as { ok: boolean };
    assert.equal(health.ok, true);
    await client.disconnect();

    // Reconnecting uses the persisted device token with the signature.
    const again = await client.connect();
    assert.equal(again.auth.principal, "automation@company.com");
    assert.equal(((await client.health()) as { ok: boolean }).ok, true);
    await client.disconnect();
    const logins = (await t.audit()).filter((l) => l.type === "auth.login" && l.actor.type === "device");
    assert.ok(logins.length >= 2);
  } finally {
    admin.close();
    await t.close();
  }
});

/** The real client, on a socket class that adds request headers (what a proxy or a browser would send). */
async function withHeaders<T>(headers: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const g = globalThis as { WebSocket?: unknown };
  const saved = g.WebSocket;
  g.WebSocket = class extends WebSocket {
    constructor(url: string) {
      super(url, { headers });
    }
  };
  try {
    return await fn();
  } finally {
    g.WebSocket = saved;
  }
}

test("openclaw-node on this machine with the gateway token is paired automatically to the token's principal, audited with who and why", async () => {
  const t = await startTestGateway({ config: { gateway: { rateLimit: { maxRequests: 10000 } } } });
  try {
    const client = new OpenClawClient({ url: t.wsUrl, token: t.token, autoReconnect: false, deviceIdentityPath: path.join(t.stateDir, "openclaw-device.json") });
    client.on("error", () => undefined);
    const hello = await client.connect();
    assert.equal(hello.type, "hello-ok");
    assert.equal(hello.auth.principal, "owner");
    assert.equal(typeof hello.auth.deviceToken, "string");
    assert.equal(((await client.health()) as { ok: boolean }).ok, true);
    await client.disconnect();
    const approve = await t.waitForAudit((l) => l.type === "pairing.approve");
    assert.equal(approve.actor.id, "owner");
    assert.equal(approve.metadata.automatic, true);
    assert.equal(approve.metadata.reason, "loopback_credential");
    assert.equal(approve.metadata.boundPrincipal, "owner");
    assert.match(String(approve.metadata.why), /loopback/);
    const deviceId = String(approve.metadata.deviceId);
    // Reconnecting uses the device token it was given.
    const again = await client.connect();
    assert.equal(again.auth.principal, "owner");
    await client.disconnect();
    const logins = (await t.audit()).filter((l) => l.type === "auth.login" && l.metadata.deviceId === deviceId);
    assert.ok(logins.length >= 2);
    assert.ok(!JSON.stringify(await t.audit()).includes(t.token), "the token is never written to the audit log");
  } finally {
    await t.close();
  }
});

test("a proxied or Origin-bearing openclaw-node connection is not paired automatically; the refusal says what to run", async () => {
  const t = await startTestGateway({
    config: { gateway: { rateLimit: { maxRequests: 10000 }, trustedProxies: ["127.0.0.1"], allowedOrigins: ["https://console.company.com"] } },
  });
  try {
    const cases: Array<[string, Record<string, string>]> = [
      ["proxied", { "x-forwarded-for": "198.51.100.7" }],
      ["forwarding header without an address", { "x-forwarded-proto": "https" }],
      ["browser origin", { origin: "https://console.company.com" }],
    ];
    for (const [name, headers] of cases) {
      const client = new OpenClawClient({
        url: t.wsUrl,
        token: t.token,
        autoReconnect: false,
        deviceIdentityPath: path.join(t.stateDir, `openclaw-${name.replace(/\W/g, "-")}.json`),
      });
      client.on("error", () => undefined);
      const pairing = new Promise<{ requestId?: string; reason?: string }>((resolve) => client.on("pairingRequired", resolve));
      await withHeaders(headers, async () => assert.rejects(client.connect()));
      const info = await pairing;
      assert.match(String(info.requestId), /^[0-9a-f-]{36}$/, name);
      assert.match(String(info.reason), /clawdbot devices approve <id> --as <principal>/, name);
      const req = await t.waitForAudit((l) => l.type === "pairing.request" && l.metadata.requestId === info.requestId);
      assert.equal(req.outcome, "pending", name);
    }
    assert.equal((await t.audit()).filter((l) => l.type === "pairing.approve").length, 0, "nothing was approved automatically");
    assert.equal(t.gw.runtime().config.gateway.pairing.autoApproveLoopback, true);
  } finally {
    await t.close();
  }
});
