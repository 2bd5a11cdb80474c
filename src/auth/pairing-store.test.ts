import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { FakeClock } from "../core/clock.js";
import { GatewayError } from "../core/errors.js";
import { isSamePublicKey, PairingStore, PAIRED_FILE, PENDING_FILE } from "./pairing-store.js";
import type { PairingRequestInput } from "./pairing-store.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "pairing-"));
  dirs.push(d);
  return path.join(d, "devices");
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function newDevice(remoteIp = "10.0.0.7"): PairingRequestInput {
  const { publicKey } = generateKeyPairSync("ed25519");
  const raw = Buffer.from(publicKey.export({ type: "spki", format: "der" })).subarray(12);
  return {
    deviceId: createHash("sha256").update(raw).digest("hex"),
    publicKey: raw.toString("base64url"),
    clientId: "gateway-client",
    clientMode: "backend",
    platform: "linux",
    remoteIp,
  };
}

const isCode = (code: string) => (err: unknown) => err instanceof GatewayError && err.code === code;
const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

describe("PairingStore", () => {
  it("request → approve → verify token; the token is stored only as a hash", async () => {
    const dir = await tempDir();
    const clock = new FakeClock();
    const store = await PairingStore.open(dir, { clock });
    const dev = newDevice();
    const req = await store.requestPairing(dev);
    assert.match(req.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(req.expiresAtMs, clock.now() + 5 * 60_000);
    assert.deepEqual(store.listPending().map((r) => r.requestId), [req.requestId]);

    clock.advance(1000);
    const { device, deviceToken, requestId } = await store.approve(req.requestId, "support@company.com");
    assert.equal(requestId, req.requestId);
    assert.match(deviceToken, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(device.principal, "support@company.com");
    assert.equal(device.approvedAtMs, clock.now());
    assert.equal(store.listPending().length, 0);

    assert.deepEqual(store.verifyDeviceToken(dev.deviceId, deviceToken), device);
    assert.equal(store.verifyDeviceToken(dev.deviceId, `${deviceToken}x`), undefined);
    assert.equal(store.verifyDeviceToken(dev.deviceId, ""), undefined);
    assert.equal(store.verifyDeviceToken("f".repeat(64), deviceToken), undefined);
    assert.equal(store.verifyDeviceToken(dev.deviceId, "x".repeat(10_000)), undefined);

    const views = store.listPaired();
    assert.equal(views.length, 1);
    assert.ok(!("tokenHash" in (views[0] ?? {})));
    assert.ok(!("tokenHash" in (store.getPaired(dev.deviceId) ?? {})));

    const onDisk = await readFile(path.join(dir, PAIRED_FILE), "utf8");
    assert.ok(!onDisk.includes(deviceToken), "token must never be stored in clear");
    assert.ok(onDisk.includes(createHash("sha256").update(deviceToken).digest("hex")));
    assert.equal(await mode(dir), 0o700);
    assert.equal(await mode(path.join(dir, PAIRED_FILE)), 0o600);
    assert.equal(await mode(path.join(dir, PENDING_FILE)), 0o600);
  });

  it("approves by device id as well as request id", async () => {
    const store = await PairingStore.open(await tempDir(), { clock: new FakeClock() });
    const dev = newDevice();
    await store.requestPairing(dev);
    const { device } = await store.approve(dev.deviceId, "ops@company.com");
    assert.equal(device.deviceId, dev.deviceId);
  });

  it("is idempotent per device while pending: same id, refreshed expiry, latest address", async () => {
    const clock = new FakeClock();
    const store = await PairingStore.open(await tempDir(), { clock });
    const dev = newDevice("10.0.0.1");
    const first = await store.requestPairing(dev);
    clock.advance(60_000);
    const second = await store.requestPairing({ ...dev, remoteIp: "10.0.0.2", platform: undefined });
    assert.equal(second.requestId, first.requestId);
    assert.equal(second.createdAtMs, first.createdAtMs);
    assert.equal(second.expiresAtMs, clock.now() + 5 * 60_000);
    assert.equal(second.remoteIp, "10.0.0.2");
    assert.equal(second.platform, undefined);
    assert.equal(store.listPending().length, 1);
  });

  it("expires pending requests (on access and by pruneExpired)", async () => {
    const clock = new FakeClock();
    const dir = await tempDir();
    const store = await PairingStore.open(dir, { clock, pendingTtlMs: 10_000 });
    const dev = newDevice();
    const req = await store.requestPairing(dev);
    clock.advance(9_999);
    assert.equal(store.listPending().length, 1);
    clock.advance(1);
    assert.equal(store.listPending().length, 0);
    await assert.rejects(store.approve(req.requestId, "owner"), isCode("NOT_FOUND"));
    assert.equal(await store.pruneExpired(), 1);
    assert.equal(await store.pruneExpired(), 0);
    const file = JSON.parse(await readFile(path.join(dir, PENDING_FILE), "utf8"));
    assert.deepEqual(file.requests, []);
    const again = await store.requestPairing(dev);
    assert.notEqual(again.requestId, req.requestId, "an expired request is not revived");
  });

  it("refuses new devices when the queue is full, keeping the queued ones", async () => {
    const clock = new FakeClock();
    const store = await PairingStore.open(await tempDir(), { clock, maxPending: 2, pendingTtlMs: 10_000 });
    const a = newDevice();
    const b = newDevice();
    await store.requestPairing(a);
    clock.advance(3_000);
    await store.requestPairing(b);
    await assert.rejects(store.requestPairing(newDevice()), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.code, "RATE_LIMITED");
      assert.equal(err.retryAfterMs, 7_000);
      return true;
    });
    // Room frees up as the oldest request expires.
    clock.advance(7_000);
    await store.requestPairing(newDevice());
    assert.equal(store.listPending().length, 2);
    // Retries of queued devices still work while the queue is full.
    await store.requestPairing(b);
    await assert.rejects(store.requestPairing(a), isCode("RATE_LIMITED"));
  });

  it("rejects a request: it is gone and cannot be approved", async () => {
    const store = await PairingStore.open(await tempDir(), { clock: new FakeClock() });
    const dev = newDevice();
    const req = await store.requestPairing(dev);
    const rejected = await store.reject(req.requestId);
    assert.equal(rejected.deviceId, dev.deviceId);
    assert.equal(store.listPending().length, 0);
    await assert.rejects(store.approve(req.requestId, "owner"), isCode("NOT_FOUND"));
    await assert.rejects(store.reject(req.requestId), isCode("NOT_FOUND"));
    assert.equal(store.getPaired(dev.deviceId), undefined);
  });

  it("revokes: the token stops working; revoking twice reports false", async () => {
    const store = await PairingStore.open(await tempDir(), { clock: new FakeClock() });
    const dev = newDevice();
    await store.requestPairing(dev);
    const { deviceToken } = await store.approve(dev.deviceId, "owner");
    assert.equal(await store.revoke(dev.deviceId), true);
    assert.equal(store.verifyDeviceToken(dev.deviceId, deviceToken), undefined);
    assert.equal(store.getPaired(dev.deviceId), undefined);
    assert.equal(await store.revoke(dev.deviceId), false);
  });

  it("rotates: the old token stops working, the new one works", async () => {
    const clock = new FakeClock();
    const store = await PairingStore.open(await tempDir(), { clock });
    const dev = newDevice();
    await store.requestPairing(dev);
    const { deviceToken: oldToken } = await store.approve(dev.deviceId, "owner");
    clock.advance(5_000);
    const { deviceToken: newToken, device } = await store.rotate(dev.deviceId);
    assert.notEqual(newToken, oldToken);
    assert.equal(device.tokenIssuedAtMs, clock.now());
    assert.equal(store.verifyDeviceToken(dev.deviceId, oldToken), undefined);
    assert.equal(store.verifyDeviceToken(dev.deviceId, newToken)?.principal, "owner");
    await assert.rejects(store.rotate("a".repeat(64)), isCode("NOT_FOUND"));
  });

  it("finds a device by its token alone, among several, and by no other string", async () => {
    const store = await PairingStore.open(await tempDir(), { clock: new FakeClock() });
    const tokens: [string, string][] = [];
    for (const principal of ["a@x", "b@x", "c@x"]) {
      const dev = newDevice();
      await store.requestPairing(dev);
      tokens.push([(await store.approve(dev.deviceId, principal)).deviceToken, dev.deviceId]);
    }
    for (const [token, deviceId] of tokens) assert.equal(store.findByToken(token)?.deviceId, deviceId);
    assert.equal(store.findByToken(`${tokens[0]?.[0]}x`), undefined);
    assert.equal(store.findByToken(""), undefined);
    assert.equal(store.findByToken("x".repeat(10_000)), undefined);
  });

  it("persists across reopen", async () => {
    const dir = await tempDir();
    const clock = new FakeClock();
    const store = await PairingStore.open(dir, { clock });
    const paired = newDevice();
    const waiting = newDevice();
    await store.requestPairing(paired);
    const { deviceToken } = await store.approve(paired.deviceId, "ci@company.com");
    const req = await store.requestPairing(waiting);

    const reopened = await PairingStore.open(dir, { clock });
    assert.equal(reopened.verifyDeviceToken(paired.deviceId, deviceToken)?.principal, "ci@company.com");
    assert.deepEqual(reopened.listPending(), [req]);
    assert.deepEqual(reopened.listPaired(), store.listPaired());
  });

  it("does not serve a request that was already approved before a crash", async () => {
    const dir = await tempDir();
    const clock = new FakeClock();
    const store = await PairingStore.open(dir, { clock });
    const dev = newDevice();
    await store.requestPairing(dev);
    const pendingBefore = await readFile(path.join(dir, PENDING_FILE), "utf8");
    await store.approve(dev.deviceId, "owner");
    await writeFile(path.join(dir, PENDING_FILE), pendingBefore, { mode: 0o600 }); // the second write "was lost"
    const reopened = await PairingStore.open(dir, { clock });
    assert.deepEqual(reopened.listPending(), []);
  });

  it("tightens loose modes on open and refuses corrupt files without echoing them", async () => {
    const dir = await tempDir();
    const store = await PairingStore.open(dir, { clock: new FakeClock() });
    const dev = newDevice();
    await store.requestPairing(dev);
    await store.approve(dev.deviceId, "owner");
    await chmod(dir, 0o755);
    await chmod(path.join(dir, PAIRED_FILE), 0o644);
    await PairingStore.open(dir);
    assert.equal(await mode(dir), 0o700);
    assert.equal(await mode(path.join(dir, PAIRED_FILE)), 0o600);

    await writeFile(path.join(dir, PAIRED_FILE), '{"version":1,"devices":[{"deviceId":"hunter2"}]}');
    await assert.rejects(PairingStore.open(dir), (err: unknown) => {
      assert.ok(err instanceof GatewayError && err.code === "INTERNAL");
      assert.ok(!err.message.includes("hunter2"));
      assert.match(err.message, /paired\.json/);
      return true;
    });
    await writeFile(path.join(dir, PAIRED_FILE), "not json");
    await assert.rejects(PairingStore.open(dir), isCode("INTERNAL"));
  });

  it("gives each address key a share of the queue: a flood from a few addresses leaves room for others", async () => {
    const clock = new FakeClock();
    const keyOf = (ip: string): string => ip.split(".").slice(0, 3).join(".");
    const store = await PairingStore.open(await tempDir(), { clock, maxPending: 4, maxPendingPerAddress: 2, addressKeyOf: keyOf });
    const first = newDevice("203.0.113.1");
    await store.requestPairing(first);
    await store.requestPairing(newDevice("203.0.113.2")); // the same key (/24 here)
    await assert.rejects(
      async () => store.requestPairing(newDevice("203.0.113.3")),
      (e: unknown) => e instanceof GatewayError && e.code === "RATE_LIMITED" && e.details?.code === "PAIRING_ADDRESS_SHARE_FULL",
    );
    // The queued device can still retry (renewal is not a new request).
    await store.requestPairing(first);
    await store.requestPairing(newDevice("198.51.100.1"));
    await store.requestPairing(newDevice("198.51.100.2"));
    await assert.rejects(
      async () => store.requestPairing(newDevice("192.0.2.1")),
      (e: unknown) => e instanceof GatewayError && e.code === "RATE_LIMITED" && e.details?.code === "PAIRING_QUEUE_FULL",
    );
    // pair() binds a device at once, drops its pending request, and does not need room in the queue.
    const direct = await store.pair(first, "owner");
    assert.equal(store.verifyDeviceToken(first.deviceId, direct.deviceToken)?.principal, "owner");
    assert.equal(store.listPending().length, 3);
  });

  it("validates inputs", async () => {
    const store = await PairingStore.open(await tempDir(), { clock: new FakeClock() });
    const dev = newDevice();
    const other = newDevice();
    await assert.rejects(async () => store.requestPairing({ ...dev, publicKey: other.publicKey }), isCode("INVALID_REQUEST"));
    await assert.rejects(async () => store.requestPairing({ ...dev, clientId: "" }), isCode("INVALID_REQUEST"));
    await assert.rejects(async () => store.requestPairing({ ...dev, clientId: "a\nb" }), isCode("INVALID_REQUEST"));
    await store.requestPairing(dev);
    await assert.rejects(async () => store.approve(dev.deviceId, "  "), isCode("INVALID_REQUEST"));
    await assert.rejects(async () => store.approve(dev.deviceId, "x".repeat(300)), isCode("INVALID_REQUEST"));
    await assert.rejects(async () => store.approve("", "owner"), isCode("INVALID_REQUEST"));
    await assert.rejects(async () => store.approve("nope", "owner"), isCode("NOT_FOUND"));
  });

  it("serializes concurrent writes without losing updates", async () => {
    const dir = await tempDir();
    const clock = new FakeClock();
    const store = await PairingStore.open(dir, { clock });
    const devices = Array.from({ length: 8 }, (_, i) => newDevice(`10.0.0.${i + 1}`));
    await Promise.all(devices.map((d) => store.requestPairing(d)));
    const results = await Promise.all([
      ...devices.slice(0, 6).map((d) => store.approve(d.deviceId, "owner")),
      store.reject(devices[6]?.deviceId ?? ""),
    ]);
    await Promise.all([store.revoke(devices[0]?.deviceId ?? ""), store.rotate(devices[1]?.deviceId ?? "")]);
    assert.equal(results.length, 7);
    const reopened = await PairingStore.open(dir, { clock });
    assert.deepEqual(
      reopened.listPaired().map((d) => d.deviceId).sort(),
      devices.slice(1, 6).map((d) => d.deviceId).sort(),
    );
    assert.deepEqual(reopened.listPending().map((r) => r.deviceId), [devices[7]?.deviceId]);
  });
});

describe("isSamePublicKey", () => {
  const a = newDevice().publicKey;
  const b = newDevice().publicKey;
  const cases: Array<[string, string, string, boolean]> = [
    ["same", a, a, true],
    ["different", a, b, false],
    ["garbage", a, "!!", false],
    ["padded variant is not the same text", a, `${a}=`, false],
  ];
  for (const [name, x, y, want] of cases) {
    it(name, () => assert.equal(isSamePublicKey(x, y), want));
  }
});

describe("PairingStore argument errors", () => {
  it("are rejected promises, never synchronous throws", async () => {
    const store = await PairingStore.open(await tempDir(), { clock: new FakeClock() });
    const pending = store.requestPairing({ ...newDevice(), clientId: "" });
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, isCode("INVALID_REQUEST"));
    const approving = store.approve("x", "");
    assert.ok(approving instanceof Promise);
    await assert.rejects(approving, isCode("INVALID_REQUEST"));
  });
});
