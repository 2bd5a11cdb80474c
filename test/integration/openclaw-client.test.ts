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
  const t = await startTestGateway({ config: { gateway: { rateLimit: { maxRequests: 10000 } } } });
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
