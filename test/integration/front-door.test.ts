/**
 * The front door under attack: targeted lockout of a paired device, who failed
 * proofs are recorded under, pairing-queue floods, and wall-clock steps.
 * Clients appear at distinct addresses through a trusted proxy on loopback
 * (X-Forwarded-For), as clients of one NAT or of different networks would.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../../src/core/clock.js";
import { TestDevice } from "../helpers/device.js";
import { RawWs, connectParams, connectWs, invokeHttp, randomToken, startTestGateway, type TestGateway, type WsFrame } from "../helpers/harness.js";

const via = (ip: string): Record<string, string> => ({ "x-forwarded-for": ip });

async function deviceConnect(
  t: TestGateway,
  headers: Record<string, string>,
  proof: (nonce: string) => Record<string, unknown>,
  auth: Record<string, unknown> = {},
): Promise<WsFrame> {
  const c = await RawWs.open(t.wsUrl, headers);
  try {
    const { nonce } = await c.challenge();
    return await c.request("connect", connectParams({ auth, device: proof(nonce) }));
  } finally {
    c.close();
  }
}

test("failed proofs under a paired device's public id do not lock the real device out; the audit names the claim, not the device", async () => {
  const mono = new FakeClock(1_000);
  const t = await startTestGateway({
    monotonic: mono,
    // Backoff of 1 ms: every forged proof reaches the check and counts toward the address lockout.
    config: {
      gateway: { trustedProxies: ["127.0.0.1"], auth: { lockout: { maxFailures: 3 } }, pairing: { backoffBaseMs: 1, backoffMaxMs: 1 }, rateLimit: { maxRequests: 10000 } },
    },
  });
  const admin = (await connectWs(t.wsUrl, { token: t.token })).c;
  try {
    const home = via("198.51.100.7");
    const d = new TestDevice();
    const asked = await deviceConnect(t, home, (nonce) => d.sign({ nonce }));
    assert.equal(asked.error?.details?.code, "PAIRING_REQUIRED");
    assert.equal((await admin.request("device.pair.approve", { requestId: asked.error?.details?.requestId, principal: "laptop@company.com" })).ok, true);
    const first = await deviceConnect(t, home, (nonce) => d.sign({ nonce }));
    assert.equal(first.ok, true, JSON.stringify(first.error));
    const deviceToken = String((first.payload as { auth: { deviceToken: string } }).auth.deviceToken);

    // The attacker shares the address and knows the id (it is public), not the key: several spellings.
    const attacker = new TestDevice();
    const spellings: Array<(nonce: string) => Record<string, unknown>> = [
      (nonce) => attacker.sign({ nonce, id: d.id, publicKeyRaw: d.publicKeyRaw }), // d's id and key, wrong signature
      (nonce) => attacker.sign({ nonce, id: d.id }), // d's id, own key
      (_nonce) => ({ ...d.sign({ nonce: "00000000-0000-4000-8000-000000000000" }) }), // a replayed proof
      (nonce) => attacker.sign({ nonce, id: d.id, publicKeyRaw: d.publicKeyRaw, token: deviceToken.slice(1) }),
      (nonce) => attacker.sign({ nonce, id: d.id, publicKeyRaw: d.publicKeyRaw }),
      (nonce) => attacker.sign({ nonce, id: d.id, publicKeyRaw: d.publicKeyRaw }),
    ];
    const codes: string[] = [];
    for (const proof of spellings) {
      codes.push(String((await deviceConnect(t, home, proof)).error?.details?.code));
      mono.advance(2); // past the 1 ms backoff
    }
    assert.deepEqual(codes.slice(0, 3), ["DEVICE_SIGNATURE_INVALID", "DEVICE_ID_MISMATCH", "DEVICE_NONCE_MISMATCH"]);
    assert.equal(codes.at(-1), "AUTH_RATE_LIMITED", "the address is locked out now");
    // The lockout holds for everything else from that address, a valid gateway token included…
    const plain = await connectWs(t.wsUrl, { token: t.token }, {}, home);
    assert.equal(plain.hello.error?.details?.code, "AUTH_RATE_LIMITED", codes.join());
    plain.c.close();
    // …but the paired device proving its key, with its token, gets in.
    const real = await deviceConnect(t, home, (nonce) => d.sign({ nonce, token: deviceToken }), { token: deviceToken });
    assert.equal(real.ok, true, JSON.stringify(real.error));
    assert.equal((real.payload as { auth: { principal: string } }).auth.principal, "laptop@company.com");

    const lines = await t.audit();
    const failures = lines.filter((l) => l.type === "auth.failure" && l.metadata.claimedDeviceId === d.id);
    assert.ok(failures.length >= 3, `failures recorded: ${failures.length}`);
    for (const f of failures) {
      assert.equal(f.actor.id, "anonymous");
      assert.equal(f.actor.type, "anonymous");
      assert.equal(f.actor.remoteIp, "198.51.100.7");
    }
    assert.ok(!lines.some((l) => l.type === "auth.failure" && l.actor.id === d.id), "no failure is written under the device's id");
    assert.ok(lines.some((l) => l.type === "ratelimit.exceeded" && l.metadata.key === "auth_lockout" && l.actor.remoteIp === "198.51.100.7"));
    assert.ok(!JSON.stringify(lines).includes(deviceToken), "the device token is never written");
  } finally {
    admin.close();
    await t.close();
  }
});

test("a pairing flood from a few addresses takes only their share of the queue; other new devices and paired devices are unaffected", async () => {
  const t = await startTestGateway({
    config: { gateway: { trustedProxies: ["127.0.0.1"], pairing: { maxPending: 6, maxPendingPerIp: 2, maxAttempts: 1000 }, rateLimit: { maxRequests: 10000 } } },
  });
  const admin = (await connectWs(t.wsUrl, { token: t.token })).c;
  try {
    const paired = new TestDevice();
    const asked = await deviceConnect(t, via("192.0.2.10"), (nonce) => paired.sign({ nonce }));
    await admin.request("device.pair.approve", { requestId: asked.error?.details?.requestId, principal: "phone@company.com" });

    // Two flooding addresses (an IPv4 address, an IPv6 /64 rotating its low bits), 8 fresh devices each.
    const floods = [(_i: number) => "203.0.113.66", (i: number) => `2001:db8:1:2::${(i + 1).toString(16)}`];
    for (const addr of floods) {
      const codes: string[] = [];
      for (let i = 0; i < 8; i++) {
        const dev = new TestDevice();
        codes.push(String((await deviceConnect(t, via(addr(i)), (nonce) => dev.sign({ nonce }))).error?.details?.code));
      }
      assert.deepEqual(codes.slice(0, 2), ["PAIRING_REQUIRED", "PAIRING_REQUIRED"]);
      assert.ok(codes.slice(2).every((c) => c === "PAIRING_ADDRESS_SHARE_FULL"), codes.join());
    }
    // A new device elsewhere still gets its request in; the paired device still connects.
    const fresh = new TestDevice();
    assert.equal((await deviceConnect(t, via("198.51.100.20"), (nonce) => fresh.sign({ nonce }))).error?.details?.code, "PAIRING_REQUIRED");
    const ok = await deviceConnect(t, via("203.0.113.66"), (nonce) => paired.sign({ nonce }));
    assert.equal(ok.ok, true, JSON.stringify(ok.error));
    const pending = (await admin.request("device.pair.list")).payload as { pending: unknown[] };
    assert.equal(pending.pending.length, 5);
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "PAIRING_ADDRESS_SHARE_FULL");
  } finally {
    admin.close();
    await t.close();
  }
});

test("windows, lockouts and backoffs follow the monotonic clock: stepping the wall clock neither ends nor extends them", async () => {
  const wall = new FakeClock(Date.now());
  const mono = new FakeClock(1_000);
  const t = await startTestGateway({
    clock: wall,
    monotonic: mono,
    config: {
      gateway: {
        allowedOrigins: ["https://console.company.com"],
        auth: { lockout: { maxFailures: 2, windowMs: 3000, lockoutMs: 3000 } },
        rateLimit: { maxRequests: 4, windowMs: 3000 },
      },
    },
  });
  try {
    const page = { origin: "https://console.company.com" }; // a browser: no loopback exemption
    assert.deepEqual([(await invokeHttp(t.httpUrl, randomToken(), {}, page)).status, (await invokeHttp(t.httpUrl, randomToken(), {}, page)).status], [401, 401]);
    assert.equal((await invokeHttp(t.httpUrl, t.token, { tool: "nope", args: {} }, page)).status, 429, "locked out");
    wall.advance(3_600_000); // the wall clock jumps an hour ahead: the lockout does not end
    assert.equal((await invokeHttp(t.httpUrl, t.token, { tool: "nope", args: {} }, page)).status, 429);
    mono.advance(3001); // three real seconds later it does
    assert.equal((await invokeHttp(t.httpUrl, t.token, { tool: "nope", args: {} }, page)).status, 404);
    // Fill the request window, then step the wall clock back an hour: the window still ends 3 s later.
    for (let i = 0; i < 4; i++) await invokeHttp(t.httpUrl, t.token, { tool: "nope", args: {} });
    assert.equal((await invokeHttp(t.httpUrl, t.token, { tool: "nope", args: {} })).status, 429);
    wall.advance(-7_200_000);
    mono.advance(3001);
    assert.equal((await invokeHttp(t.httpUrl, t.token, { tool: "nope", args: {} })).status, 404);
    // Audit timestamps stay wall-clock.
    const lockLine = (await t.audit()).find((l) => l.type === "ratelimit.exceeded" && l.metadata.key === "auth_lockout");
    assert.ok(lockLine && Math.abs(Date.parse(lockLine.ts) - (wall.now() + 3_600_000)) < 60_000, lockLine?.ts);
  } finally {
    await t.close();
  }
});
