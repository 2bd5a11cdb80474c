import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import type { KeyObject } from "node:crypto";
import {
  buildDeviceSignaturePayload,
  cachedPublicKeyCount,
  decodeBase64Url,
  deviceIdFromPublicKey,
  verifyDeviceProof,
} from "./device-identity.js";
import type { DeviceProofInput } from "./device-identity.js";

const SPKI_PREFIX_LEN = 12;

interface TestIdentity {
  deviceId: string;
  publicKeyRaw: Buffer;
  privateKey: KeyObject;
}

function newIdentity(): TestIdentity {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const spki = publicKey.export({ type: "spki", format: "der" });
  const publicKeyRaw = Buffer.from(spki).subarray(SPKI_PREFIX_LEN);
  return { deviceId: createHash("sha256").update(publicKeyRaw).digest("hex"), publicKeyRaw, privateKey };
}

function b64url(buf: Buffer): string {
  return buf.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Mirrors openclaw-node's buildSignedDevice byte for byte (written independently). */
function buildSignedDevice(p: {
  identity: TestIdentity;
  nonce: string;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: string[];
  token?: string;
  signedAt: number;
}): Record<string, unknown> {
  const payload = [
    "v2",
    p.identity.deviceId,
    p.clientId,
    p.clientMode,
    p.role,
    p.scopes.join(","),
    String(p.signedAt),
    p.token ?? "",
    p.nonce,
  ].join("|");
  const signature = sign(null, Buffer.from(payload, "utf8"), p.identity.privateKey);
  return {
    id: p.identity.deviceId,
    publicKey: b64url(p.identity.publicKeyRaw),
    signature: b64url(signature),
    signedAt: p.signedAt,
    nonce: p.nonce,
  };
}

const NOW = 1_700_000_000_000;
const NONCE = "6f1c1f7e-1f0e-4e55-9c43-1b7f1b2f3a11";
const alice = newIdentity();
const mallory = newIdentity();

function connectFor(overrides: Partial<DeviceProofInput> = {}, signOverrides: Partial<Parameters<typeof buildSignedDevice>[0]> = {}): DeviceProofInput {
  const base = {
    clientId: "gateway-client",
    clientMode: "backend",
    role: "operator",
    scopes: ["operator.read", "operator.write"],
    token: "shared-gateway-token",
  };
  const device = buildSignedDevice({ identity: alice, nonce: NONCE, signedAt: NOW - 1000, ...base, ...signOverrides });
  return { device, expectedNonce: NONCE, now: NOW, ...base, ...overrides };
}

describe("verifyDeviceProof", () => {
  it("accepts a block built exactly like openclaw-node", () => {
    const r = verifyDeviceProof(connectFor());
    assert.deepEqual(r, { ok: true, deviceId: alice.deviceId, publicKey: b64url(alice.publicKeyRaw) });
  });

  it("accepts an absent token signed as the empty string", () => {
    const r = verifyDeviceProof(connectFor({ token: undefined }, { token: undefined }));
    assert.equal(r.ok, true);
  });

  it("agrees with the payload builder", () => {
    assert.equal(
      buildDeviceSignaturePayload({
        deviceId: "d",
        clientId: "c",
        clientMode: "m",
        role: "r",
        scopes: ["a", "b"],
        signedAt: 5,
        token: undefined,
        nonce: "n",
      }),
      "v2|d|c|m|r|a,b|5||n",
    );
  });

  const withDevice = (mutate: (d: Record<string, unknown>) => void): DeviceProofInput => {
    const input = connectFor();
    const d = { ...(input.device as Record<string, unknown>) };
    mutate(d);
    return { ...input, device: d };
  };

  const cases: Array<{ name: string; input: () => DeviceProofInput; code: string }> = [
    { name: "not an object", input: () => ({ ...connectFor(), device: "x" }), code: "DEVICE_INVALID" },
    { name: "null", input: () => ({ ...connectFor(), device: null }), code: "DEVICE_INVALID" },
    { name: "array", input: () => ({ ...connectFor(), device: [] }), code: "DEVICE_INVALID" },
    { name: "id not hex", input: () => withDevice((d) => (d.id = "z".repeat(64))), code: "DEVICE_INVALID" },
    { name: "id uppercase", input: () => withDevice((d) => (d.id = String(d.id).toUpperCase())), code: "DEVICE_INVALID" },
    { name: "id short", input: () => withDevice((d) => (d.id = "ab")), code: "DEVICE_INVALID" },
    { name: "publicKey missing", input: () => withDevice((d) => delete d.publicKey), code: "DEVICE_INVALID" },
    { name: "signature number", input: () => withDevice((d) => (d.signature = 5)), code: "DEVICE_INVALID" },
    { name: "signature short", input: () => withDevice((d) => (d.signature = b64url(Buffer.alloc(63)))), code: "DEVICE_INVALID" },
    { name: "signature padded", input: () => withDevice((d) => (d.signature = `${String(d.signature)}==`)), code: "DEVICE_INVALID" },
    { name: "signedAt string", input: () => withDevice((d) => (d.signedAt = String(NOW))), code: "DEVICE_INVALID" },
    { name: "signedAt NaN", input: () => withDevice((d) => (d.signedAt = Number.NaN)), code: "DEVICE_INVALID" },
    { name: "signedAt Infinity", input: () => withDevice((d) => (d.signedAt = Infinity)), code: "DEVICE_INVALID" },
    { name: "nonce missing", input: () => withDevice((d) => delete d.nonce), code: "DEVICE_INVALID" },
    { name: "nonce huge", input: () => withDevice((d) => (d.nonce = "n".repeat(1000))), code: "DEVICE_INVALID" },
    { name: "role with separator", input: () => connectFor({ role: "operator|admin" }, { role: "operator|admin" }), code: "DEVICE_INVALID" },
    { name: "scope with comma", input: () => connectFor({ scopes: ["a,b"] }, { scopes: ["a,b"] }), code: "DEVICE_INVALID" },
    { name: "publicKey 31 bytes", input: () => withDevice((d) => (d.publicKey = b64url(Buffer.alloc(31, 1)))), code: "DEVICE_PUBLIC_KEY_INVALID" },
    { name: "publicKey standard base64", input: () => withDevice((d) => (d.publicKey = `${alice.publicKeyRaw.toString("base64")}`)), code: "DEVICE_PUBLIC_KEY_INVALID" },
    {
      name: "wrong public key for the id",
      input: () => withDevice((d) => (d.publicKey = b64url(mallory.publicKeyRaw))),
      code: "DEVICE_ID_MISMATCH",
    },
    {
      name: "nonce from another challenge",
      input: () => connectFor({}, { nonce: "11111111-2222-4333-8444-555555555555" }),
      code: "DEVICE_NONCE_MISMATCH",
    },
    { name: "signedAt too old", input: () => connectFor({}, { signedAt: NOW - 120_001 }), code: "DEVICE_SIGNATURE_STALE" },
    { name: "signedAt too far ahead", input: () => connectFor({}, { signedAt: NOW + 120_001 }), code: "DEVICE_SIGNATURE_STALE" },
    { name: "custom skew", input: () => connectFor({ maxSkewMs: 500 }, { signedAt: NOW - 501 }), code: "DEVICE_SIGNATURE_STALE" },
    { name: "tampered scopes", input: () => connectFor({ scopes: ["operator.admin"] }), code: "DEVICE_SIGNATURE_INVALID" },
    { name: "tampered role", input: () => connectFor({ role: "admin" }), code: "DEVICE_SIGNATURE_INVALID" },
    { name: "tampered client id", input: () => connectFor({ clientId: "other" }), code: "DEVICE_SIGNATURE_INVALID" },
    { name: "tampered client mode", input: () => connectFor({ clientMode: "ui" }), code: "DEVICE_SIGNATURE_INVALID" },
    { name: "token swapped", input: () => connectFor({ token: "another-token" }), code: "DEVICE_SIGNATURE_INVALID" },
    { name: "token dropped", input: () => connectFor({ token: undefined }), code: "DEVICE_SIGNATURE_INVALID" },
    {
      name: "signedAt changed after signing",
      input: () => withDevice((d) => (d.signedAt = NOW - 999)),
      code: "DEVICE_SIGNATURE_INVALID",
    },
    {
      name: "signed by another key",
      input: () =>
        withDevice((d) => {
          const forged = buildSignedDevice({
            identity: mallory,
            nonce: NONCE,
            signedAt: NOW - 1000,
            clientId: "gateway-client",
            clientMode: "backend",
            role: "operator",
            scopes: ["operator.read", "operator.write"],
            token: "shared-gateway-token",
          });
          d.signature = forged.signature;
        }),
      code: "DEVICE_SIGNATURE_INVALID",
    },
    {
      name: "signature bit flipped",
      input: () =>
        withDevice((d) => {
          const sig = Buffer.from(String(d.signature), "base64url");
          sig[10] = (sig[10] ?? 0) ^ 1;
          d.signature = b64url(sig);
        }),
      code: "DEVICE_SIGNATURE_INVALID",
    },
  ];

  for (const c of cases) {
    it(`refuses: ${c.name} → ${c.code}`, () => {
      const r = verifyDeviceProof(c.input());
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.code, c.code, r.message);
        assert.ok(r.message.length > 0);
        assert.ok(!r.message.includes("shared-gateway-token"), "token must never be echoed");
      }
    });
  }

  it("accepts exactly at the skew boundary in both directions", () => {
    assert.equal(verifyDeviceProof(connectFor({}, { signedAt: NOW - 120_000 })).ok, true);
    assert.equal(verifyDeviceProof(connectFor({}, { signedAt: NOW + 120_000 })).ok, true);
  });

  it("keeps the key cache bounded", () => {
    for (let i = 0; i < 20; i++) {
      const who = newIdentity();
      const r = verifyDeviceProof({
        ...connectFor(),
        device: buildSignedDevice({
          identity: who,
          nonce: NONCE,
          signedAt: NOW,
          clientId: "gateway-client",
          clientMode: "backend",
          role: "operator",
          scopes: ["operator.read", "operator.write"],
          token: "shared-gateway-token",
        }),
      });
      assert.equal(r.ok, true);
    }
    assert.ok(cachedPublicKeyCount() >= 1 && cachedPublicKeyCount() <= 1024);
  });
});

describe("deviceIdFromPublicKey / decodeBase64Url", () => {
  it("is the hex sha256 of the raw key", () => {
    assert.equal(deviceIdFromPublicKey(alice.publicKeyRaw), alice.deviceId);
    assert.match(alice.deviceId, /^[0-9a-f]{64}$/);
  });

  const decodeCases: Array<[string, string | undefined]> = [
    ["AQID", "010203"],
    ["AQI", "0102"],
    ["AQJ", undefined], // non-canonical trailing bits
    ["AQI=", undefined], // padding
    ["AQ+/", undefined], // standard alphabet
    ["", undefined],
    ["-_8", "fbff"],
  ];
  for (const [text, hex] of decodeCases) {
    it(`decodes ${JSON.stringify(text)}`, () => {
      assert.equal(decodeBase64Url(text)?.toString("hex"), hex);
    });
  }
});

describe("interop with the real openclaw-node client", () => {
  it("verifies the device block OpenClawClient sends, and refuses it on another connection", async () => {
    const { OpenClawClient } = await import("openclaw-node");
    const { mkdtemp, rm } = await import("node:fs/promises");
    const os = await import("node:os");
    const path = await import("node:path");
    const dir = await mkdtemp(path.join(os.tmpdir(), "openclaw-interop-"));
    try {
      const client = new OpenClawClient({
        url: "wss://gateway.invalid",
        token: "shared-gateway-token",
        deviceIdentityPath: path.join(dir, "device-identity.json"),
      });
      const sent: Array<{ params: Record<string, unknown> }> = [];
      const raw = client as unknown as {
        send(msg: unknown): void;
        sendConnectRequest(challenge: { nonce: string; ts: number }): void;
      };
      raw.send = (msg) => sent.push(msg as { params: Record<string, unknown> });
      raw.sendConnectRequest({ nonce: NONCE, ts: Date.now() });
      const params = sent[0]?.params;
      assert.ok(params !== undefined);
      const clientInfo = params.client as { id: string; mode: string };
      const input: DeviceProofInput = {
        device: params.device,
        expectedNonce: NONCE,
        clientId: clientInfo.id,
        clientMode: clientInfo.mode,
        role: params.role as string,
        scopes: params.scopes as string[],
        token: (params.auth as { token?: string }).token,
        now: Date.now(),
      };
      const ok = verifyDeviceProof(input);
      assert.equal(ok.ok, true);
      const other = verifyDeviceProof({ ...input, expectedNonce: "a-different-challenge" });
      assert.deepEqual(other.ok ? other : other.code, "DEVICE_NONCE_MISMATCH");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
