/**
 * Shared-secret and named-user credentials. Presented secrets are compared in
 * constant time: both sides are hashed (so lengths match) and compared with
 * `timingSafeEqual`, and every stored credential is compared, so timing says
 * nothing about which one matched or how much of it did.
 */
import crypto from "node:crypto";

export type SecretKind = "token" | "password";

interface StoredSecret {
  principal: string;
  kind: SecretKind;
  digest: Buffer;
}

export interface CredentialSetInput {
  principal: string;
  sharedToken?: string | undefined;
  sharedPassword?: string | undefined;
  users: ReadonlyArray<{ id: string; token?: string; password?: string }>;
}

function digest(secret: string): Buffer {
  return crypto.createHash("sha256").update(secret, "utf8").digest();
}

export class CredentialSet {
  private readonly secrets: StoredSecret[];

  constructor(input: CredentialSetInput) {
    this.secrets = [];
    if (input.sharedToken) this.secrets.push({ principal: input.principal, kind: "token", digest: digest(input.sharedToken) });
    if (input.sharedPassword)
      this.secrets.push({ principal: input.principal, kind: "password", digest: digest(input.sharedPassword) });
    for (const u of input.users) {
      if (u.token) this.secrets.push({ principal: u.id, kind: "token", digest: digest(u.token) });
      if (u.password) this.secrets.push({ principal: u.id, kind: "password", digest: digest(u.password) });
    }
  }

  get size(): number {
    return this.secrets.length;
  }

  /** Principals whose secrets differ between the two sets (added, removed or changed). */
  changedPrincipals(previous: CredentialSet): Set<string> {
    const key = (s: StoredSecret): string => `${s.kind}:${s.digest.toString("hex")}`;
    const byPrincipal = (set: CredentialSet): Map<string, string> => {
      const m = new Map<string, string[]>();
      for (const s of set.secrets) m.set(s.principal, [...(m.get(s.principal) ?? []), key(s)]);
      return new Map([...m].map(([p, ks]) => [p, ks.sort().join(",")]));
    };
    const a = byPrincipal(this);
    const b = byPrincipal(previous);
    const out = new Set<string>();
    for (const p of new Set([...a.keys(), ...b.keys()])) if (a.get(p) !== b.get(p)) out.add(p);
    return out;
  }

  /** The principal whose secret of this kind equals `presented`, if any. */
  match(presented: string, kind: SecretKind): string | undefined {
    const d = digest(presented);
    let found: string | undefined;
    for (const s of this.secrets) {
      const eq = crypto.timingSafeEqual(d, s.digest);
      if (eq && s.kind === kind && found === undefined) found = s.principal;
    }
    return found;
  }
}
