import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { FakeClock } from "../core/clock.js";
import { createTailscaleVerifier, normalizeTailscaleAddress, parseWhoisOutput } from "./tailscale.js";
import type { TailscaleVerifierOptions } from "./tailscale.js";

let dir = "";
let binary = "";
let logFile = "";

const whois = (login: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    Node: { ID: 1, StableID: "nXyz", Name: "laptop.tail1234.ts.net.", ...extra },
    UserProfile: { ID: 7, LoginName: login, DisplayName: "Alice Example", ProfilePicURL: "" },
    CapMap: {},
  });

/**
 * A stand-in `tailscale` CLI: logs its argv, answers whois for known tailnet
 * addresses, misbehaves on purpose for a few, exits 1 for everything else.
 */
function standIn(log: string): string {
  return `#!/bin/sh
printf '%s\\n' "$*" >> '${log}'
[ "$1" = whois ] && [ "$2" = --json ] || exit 2
case "$3" in
  100.64.0.1) printf '%s' '${whois("alice@example.com")}' ;;
  fd7a:115c:a1e0::1) printf '%s' '${whois("bob@example.com")}' ;;
  100.64.0.9) printf 'this is not json' ;;
  100.64.0.10) exec sleep 5 ;;
  100.64.0.11) printf '%s' '${whois("tagged-devices", { Tags: ["tag:server"] })}' ;;
  100.64.0.12) printf '%s' '{"Node":{"Name":"x"},"UserProfile":{}}' ;;
  *) echo "no match for IP" >&2; exit 1 ;;
esac
`;
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "tailscale-"));
  binary = path.join(dir, "tailscale");
  logFile = path.join(dir, "calls.log");
  await writeFile(binary, standIn(logFile), { mode: 0o755 });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function calls(): Promise<string[]> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  await writeFile(logFile, "");
  return text.split("\n").filter((l) => l.length > 0);
}

function verifier(opts: TailscaleVerifierOptions = {}) {
  return createTailscaleVerifier({ binary, clock: new FakeClock(), ...opts });
}

describe("createTailscaleVerifier", () => {
  it("accepts a header that matches whois and reports the profile", async () => {
    await calls();
    const r = await verifier().verify("100.64.0.1", "alice@example.com");
    assert.deepEqual(r, {
      ok: true,
      login: "alice@example.com",
      displayName: "Alice Example",
      nodeName: "laptop.tail1234.ts.net.",
    });
    assert.deepEqual(await calls(), ["whois --json 100.64.0.1"]);
  });

  const refusals: Array<[string, string, string, string]> = [
    ["login mismatch", "100.64.0.1", "mallory@example.com", "login_mismatch"],
    ["case differs (exact compare)", "100.64.0.1", "Alice@example.com", "login_mismatch"],
    ["IPv6 tailnet address, other user", "fd7a:115c:a1e0::1", "alice@example.com", "login_mismatch"],
    ["unknown address", "100.64.0.2", "alice@example.com", "whois_failed"],
    ["malformed JSON", "100.64.0.9", "alice@example.com", "whois_failed"],
    ["tagged node", "100.64.0.11", "tagged-devices", "whois_failed"],
    ["no login in profile", "100.64.0.12", "alice@example.com", "whois_failed"],
    ["missing header", "100.64.0.1", "", "missing_header"],
  ];
  for (const [name, addr, login, reason] of refusals) {
    it(`refuses: ${name} → ${reason}`, async () => {
      const r = await verifier().verify(addr, login);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.reason, reason);
        assert.ok(r.message.length > 0);
      }
    });
  }

  it("accepts an IPv6 tailnet address and an IPv4-mapped IPv6 address", async () => {
    await calls();
    assert.equal((await verifier().verify("fd7a:115c:a1e0::1", "bob@example.com")).ok, true);
    assert.equal((await verifier().verify("::ffff:100.64.0.1", "alice@example.com")).ok, true);
    assert.deepEqual(await calls(), ["whois --json fd7a:115c:a1e0::1", "whois --json 100.64.0.1"]);
  });

  const badAddresses = [
    "",
    "-h",
    "--socket=/tmp/evil",
    "100.64.0.1 --json",
    "100.64.0.1; touch /tmp/pwned",
    "$(id)",
    "100.64.0.1:443",
    "[fd7a:115c:a1e0::1]",
    "fe80::1%eth0",
    "laptop.tail1234.ts.net",
    "999.1.1.1",
  ];
  for (const addr of badAddresses) {
    it(`refuses address ${JSON.stringify(addr)} without running anything`, async () => {
      await calls();
      const r = await verifier().verify(addr, "alice@example.com");
      assert.deepEqual(r.ok ? r : r.reason, "bad_address");
      assert.deepEqual(await calls(), []);
    });
  }

  it("reports a missing binary as unavailable", async () => {
    const r = await verifier({ binary: path.join(dir, "no-such-tailscale") }).verify("100.64.0.1", "alice@example.com");
    assert.deepEqual(r.ok ? r : r.reason, "tailscale_unavailable");
  });

  it("reports a non-executable binary as unavailable", async () => {
    const plain = path.join(dir, "not-executable");
    await writeFile(plain, standIn(logFile));
    await chmod(plain, 0o644);
    const r = await verifier({ binary: plain }).verify("100.64.0.1", "alice@example.com");
    assert.deepEqual(r.ok ? r : r.reason, "tailscale_unavailable");
  });

  it("finds `tailscale` on the given PATH, and is unavailable when PATH lacks it", async () => {
    const onPath = createTailscaleVerifier({ searchPath: `${dir}:/usr/bin:/bin`, clock: new FakeClock() });
    assert.equal((await onPath.verify("100.64.0.1", "alice@example.com")).ok, true);
    const emptyDir = await mkdtemp(path.join(os.tmpdir(), "tailscale-empty-"));
    try {
      const notOnPath = createTailscaleVerifier({ searchPath: emptyDir, clock: new FakeClock() });
      const r = await notOnPath.verify("100.64.0.1", "alice@example.com");
      assert.deepEqual(r.ok ? r : r.reason, "tailscale_unavailable");
    } finally {
      await rm(emptyDir, { recursive: true, force: true });
    }
  });

  it("kills a hung whois after timeoutMs", async () => {
    const started = Date.now();
    const r = await verifier({ timeoutMs: 200 }).verify("100.64.0.10", "alice@example.com");
    assert.deepEqual(r.ok ? r : r.reason, "tailscale_unavailable");
    assert.ok(Date.now() - started < 4_000, "the hung process was not waited for");
  });

  it("caches the whois answer per address for cacheTtlMs, not the decision", async () => {
    const clock = new FakeClock();
    const v = verifier({ clock, cacheTtlMs: 60_000 });
    await calls();
    assert.equal((await v.verify("100.64.0.1", "alice@example.com")).ok, true);
    // Same cached answer, different header: still checked, still refused.
    const mismatch = await v.verify("100.64.0.1", "mallory@example.com");
    assert.deepEqual(mismatch.ok ? mismatch : mismatch.reason, "login_mismatch");
    clock.advance(59_999);
    assert.equal((await v.verify("100.64.0.1", "alice@example.com")).ok, true);
    assert.equal((await calls()).length, 1);
    clock.advance(1);
    assert.equal((await v.verify("100.64.0.1", "alice@example.com")).ok, true);
    assert.equal((await calls()).length, 1);
  });

  it("shares one process between concurrent look-ups and does not cache failures", async () => {
    const v = verifier();
    await calls();
    const results = await Promise.all(Array.from({ length: 5 }, () => v.verify("100.64.0.1", "alice@example.com")));
    assert.ok(results.every((r) => r.ok));
    assert.equal((await calls()).length, 1);
    await v.verify("100.64.0.2", "alice@example.com");
    await v.verify("100.64.0.2", "alice@example.com");
    assert.equal((await calls()).length, 2);
  });

  it("keeps at most maxCacheEntries addresses", async () => {
    const v = verifier({ maxCacheEntries: 1 });
    await calls();
    await v.verify("100.64.0.1", "alice@example.com");
    await v.verify("fd7a:115c:a1e0::1", "bob@example.com");
    await v.verify("100.64.0.1", "alice@example.com");
    assert.equal((await calls()).length, 3);
  });
});

describe("normalizeTailscaleAddress / parseWhoisOutput", () => {
  const addrCases: Array<[string, string | undefined]> = [
    ["100.64.0.1", "100.64.0.1"],
    ["::ffff:100.64.0.1", "100.64.0.1"],
    ["FD7A:115C:A1E0::1", "fd7a:115c:a1e0::1"],
    ["fe80::1%lo", undefined],
    [" 100.64.0.1", undefined],
  ];
  for (const [input, want] of addrCases) {
    it(`normalizes ${JSON.stringify(input)}`, () => assert.equal(normalizeTailscaleAddress(input), want));
  }

  it("reads LoginName, DisplayName and Node.Name", () => {
    assert.deepEqual(parseWhoisOutput(whois("a@b.c")), {
      ok: true,
      answer: { login: "a@b.c", displayName: "Alice Example", nodeName: "laptop.tail1234.ts.net." },
    });
  });

  const badDocs = ["null", "[]", "42", '{"UserProfile":{"LoginName":5}}', '{"UserProfile":{"LoginName":"a\\nb"}}'];
  for (const doc of badDocs) {
    it(`refuses whois document ${doc}`, () => {
      const r = parseWhoisOutput(doc);
      assert.deepEqual(r.ok ? r : r.reason, "whois_failed");
    });
  }
});
