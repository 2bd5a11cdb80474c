/** A test device identity, signing connect proofs the way OpenClaw clients do (keys generated per test). */
import crypto from "node:crypto";

const b64u = (b: Buffer): string => b.toString("base64url");

export class TestDevice {
  readonly privateKey: crypto.KeyObject;
  readonly publicKeyRaw: Buffer;
  readonly id: string;

  constructor() {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
    this.privateKey = privateKey;
    const spki = publicKey.export({ type: "spki", format: "der" });
    this.publicKeyRaw = spki.subarray(spki.length - 32);
    this.id = crypto.createHash("sha256").update(this.publicKeyRaw).digest("hex");
  }

  sign(o: {
    nonce: string;
    clientId?: string;
    clientMode?: string;
    role?: string;
    scopes?: string[];
    token?: string;
    signedAt?: number;
    id?: string;
    publicKeyRaw?: Buffer;
    signWith?: crypto.KeyObject;
  }): Record<string, unknown> {
    const signedAt = o.signedAt ?? Date.now();
    const id = o.id ?? this.id;
    const payload = ["v2", id, o.clientId ?? "test-client", o.clientMode ?? "backend", o.role ?? "operator", (o.scopes ?? []).join(","), String(signedAt), o.token ?? "", o.nonce].join("|");
    const signature = crypto.sign(null, Buffer.from(payload, "utf8"), o.signWith ?? this.privateKey);
    return { id, publicKey: b64u(o.publicKeyRaw ?? this.publicKeyRaw), signature: b64u(signature), signedAt, nonce: o.nonce };
  }
}
