import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { FakeClock } from "../core/clock.js";
import type { Principal } from "../core/principal.js";
import { identifyBearer, identifyConnect, type ClientFacts, type ConnectClaim, type GateDecision, type IdentifyDeps } from "./identify.js";
import { PairingStore } from "./pairing-store.js";
import { RefusalReasons } from "./refusals.js";
import { CredentialSet } from "./secret-auth.js";
import { createTailscaleVerifier } from "./tailscale.js";

const NONCE = "5f7c1a8e-2b7d-4c1e-9a3f-0d6b8e2c4a11";
const clock = new FakeClock();
const TOKEN = `-${randomBytes(24).toString("base64url")}`; // a token beginning with "-"

class Device {
  readonly key: KeyObject;
  readonly raw: Buffer;
  readonly id: string;
  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    this.key = privateKey;
    const spki = publicKey.export({ type: "spki", format: "der" });
    this.raw = spki.subarray(spki.length - 32);
    this.id = createHash("sha256").update(this.raw).digest("hex");
  }
  claim(o: { token?: string; signWith?: KeyObject; id?: string } = {}): ConnectClaim {
    const id = o.id ?? this.id;
    const text = ["v2", id, "cli", "backend", "operator", "", String(clock.now()), o.token ?? "", NONCE].join("|");
    const signature = sign(null, Buffer.from(text), o.signWith ?? this.key).toString("base64url");
    return {
      client: { id: "cli", mode: "backend" },
      role: "operator",
      scopes: [],
      ...(o.token ? { auth: { token: o.token } } : {}),
      device: { id, publicKey: this.raw.toString("base64url"), signature, signedAt: clock.now(), nonce: NONCE },
    };
  }
}

async function setup(autoApproveLoopback = true): Promise<{ deps: IdentifyDeps; pairing: PairingStore; failures: string[]; approvals: string[] }> {
  const pairing = await PairingStore.open(await mkdtemp(path.join(tmpdir(), "identify-")), { clock });
  const failures: string[] = [];
  const approvals: string[] = [];
  const open: GateDecision = { ok: true };
  const deps: IdentifyDeps = {
    auth: { mode: "token", allowTailscale: false, principal: "owner", autoApproveLoopback },
    credentials: new CredentialSet({ principal: "owner", sharedToken: TOKEN, users: [] }),
    pairing,
    tailscale: createTailscaleVerifier({ binary: "/nonexistent/tailscale", clock }),
    now: () => clock.now(),
    gate: {
      check: async () => open,
      peek: async () => open,
      recordFailure: async (k) => void failures.push(k.channel),
      recordSuccess: async () => undefined,
    },
    onPairingRequested: async () => undefined,
    beforeAutoApprove: async (deviceId: string, p: Principal) => void approvals.push(`${deviceId}:${p.id}`),
  };
  return { deps, pairing, failures, approvals };
}

const facts = (o: Partial<ClientFacts> = {}): ClientFacts => ({
  ip: "192.0.2.8",
  limitKey: "192.0.2.8",
  local: false,
  browser: false,
  headers: {},
  directPeer: "192.0.2.8",
  ...o,
});

describe("identifyConnect", () => {
  it("a locked-out address: only a valid proof from the paired key gets through", async () => {
    const { deps, pairing } = await setup();
    const d = new Device();
    await pairing.requestPairing({ deviceId: d.id, publicKey: d.raw.toString("base64url"), clientId: "cli", clientMode: "backend", remoteIp: "192.0.2.8" });
    const { deviceToken } = await pairing.approve(d.id, "laptop");
    const locked = facts({ lockedOut: { retryAfterMs: 60_000 } });
    const ok = await identifyConnect(deps, d.claim({ token: deviceToken }), NONCE, locked);
    assert.ok(ok.ok && ok.principal.id === "laptop");
    const forged = await identifyConnect(deps, d.claim({ signWith: new Device().key }), NONCE, locked);
    assert.ok(!forged.ok);
    assert.equal(forged.refusal.reason, "AUTH_RATE_LIMITED");
    assert.equal(forged.refusal.claimedDeviceId, d.id);
    assert.equal(forged.refusal.deviceId, undefined, "an unproven id is only claimed");
    const wrongToken = await identifyConnect(deps, d.claim({ token: "not-the-token-0123456789" }), NONCE, locked);
    assert.ok(!wrongToken.ok && wrongToken.refusal.reason === "AUTH_RATE_LIMITED" && wrongToken.refusal.deviceId === d.id);
    const plain = await identifyConnect(deps, { client: { id: "cli", mode: "backend" }, role: "operator", scopes: [], auth: { token: TOKEN } }, NONCE, locked);
    assert.ok(!plain.ok && plain.refusal.kind === "throttled");
  });

  it("a failed proof is a failure on the claimed channel, naming the claim", async () => {
    const { deps, failures } = await setup();
    const d = new Device();
    const r = await identifyConnect(deps, d.claim({ signWith: new Device().key }), NONCE, facts());
    assert.ok(!r.ok);
    assert.deepEqual([r.refusal.reason, r.refusal.kind, r.refusal.claimedDeviceId], ["DEVICE_SIGNATURE_INVALID", "failure", d.id]);
    assert.deepEqual(failures, [`device:${d.id}`]);
  });

  it("pairs automatically only with a proven key, a valid credential, direct loopback and no Origin", async () => {
    const loopback = facts({ ip: "127.0.0.1", limitKey: "127.0.0.1", local: true, directPeer: "127.0.0.1" });
    const cases: Array<[string, Partial<ClientFacts>, boolean, string | undefined, string]> = [
      ["direct loopback with the token", loopback, true, TOKEN, "ok"],
      ["option off", loopback, false, TOKEN, "PAIRING_REQUIRED"],
      ["browser", { ...loopback, browser: true }, true, TOKEN, "PAIRING_REQUIRED"],
      ["proxied", { ...loopback, local: false }, true, TOKEN, "PAIRING_REQUIRED"],
      ["no credential", loopback, true, undefined, "PAIRING_REQUIRED"],
      ["wrong credential", loopback, true, "-wrong-token-0123456789", "AUTH_TOKEN_MISMATCH"],
    ];
    for (const [name, f, on, token, expect] of cases) {
      const { deps, pairing, approvals } = await setup(on);
      const d = new Device();
      const r = await identifyConnect(deps, d.claim(token ? { token } : {}), NONCE, facts(f));
      if (expect === "ok") {
        assert.ok(r.ok && r.principal.id === "owner" && r.principal.deviceId === d.id && typeof r.deviceToken === "string", name);
        assert.deepEqual(approvals, [`${d.id}:owner`], name);
        assert.equal(pairing.getPaired(d.id)?.principal, "owner", name);
      } else {
        assert.ok(!r.ok, name);
        assert.equal(r.refusal.reason, expect, name);
        assert.deepEqual(approvals, [], name);
        assert.equal(pairing.getPaired(d.id), undefined, name);
        if (expect === "PAIRING_REQUIRED") assert.match(r.refusal.message, new RegExp(`clawdbot devices approve ${d.id} --as`), name);
      }
    }
  });
});

describe("identifyBearer", () => {
  it("locked out, missing, wrong, right", async () => {
    const { deps } = await setup();
    const bearer = (t: string): ClientFacts => facts({ headers: { authorization: `Bearer ${t}` } });
    const reasons = [
      await identifyBearer(deps, { ...bearer(TOKEN), lockedOut: { retryAfterMs: 5 } }),
      await identifyBearer(deps, facts()),
      await identifyBearer(deps, bearer("-nope-0123456789")),
    ].map((r) => (r.ok ? "ok" : r.refusal.reason));
    assert.deepEqual(reasons, ["AUTH_RATE_LIMITED", "AUTH_TOKEN_MISSING", "AUTH_TOKEN_MISMATCH"]);
    const ok = await identifyBearer(deps, bearer(TOKEN));
    assert.ok(ok.ok && ok.principal.id === "owner");
    for (const r of reasons) assert.ok((RefusalReasons as readonly string[]).includes(r) || r === "ok");
  });
});
