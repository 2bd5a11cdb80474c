/**
 * Tailscale identity: a stand-in `tailscale` executable (Tailscale's daemon cannot
 * run here) prints `whois --json` answers in the real CLI's shape.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { connectWs, invokeHttp, makeStateDir, startTestGateway, type TestGateway } from "../helpers/harness.js";

async function standIn(dir: string): Promise<string> {
  const bin = path.join(dir, "tailscale");
  const whois = (login: string, name: string) =>
    JSON.stringify({ Node: { Name: `${name}.tailnet.ts.net.` }, UserProfile: { ID: 1, LoginName: login, DisplayName: name } });
  await fs.writeFile(
    bin,
    `#!/bin/sh
echo "$@" >> "${dir}/calls.log"
[ "$1" = "whois" ] && [ "$2" = "--json" ] || exit 2
case "$3" in
  100.64.0.5) echo '${whois("alice@company.com", "alice")}' ;;
  100.64.0.6) echo '${whois("bob@company.com", "bob")}' ;;
  100.64.0.7) echo '${whois("carol@company.com", "carol")}' ;;
  *) echo "no match for IP" >&2; exit 1 ;;
esac
`,
    { mode: 0o755 },
  );
  return bin;
}

describe("tailscale authentication", () => {
  let t: TestGateway;
  let dir: string;
  before(async () => {
    dir = await makeStateDir();
    const bin = await standIn(dir);
    t = await startTestGateway({
      config: {
        gateway: { auth: { mode: "tailscale", allowTailscale: true, token: null }, tailscale: { binary: bin }, rateLimit: { maxRequests: 10000 } },
        rbac: { enabled: true, defaultRole: "viewer", assignments: { "alice@company.com": "user" } },
      },
    });
  });
  after(() => t.close());

  const headers = (login: string, ip: string) => ({ "tailscale-user-login": login, "x-forwarded-for": ip });

  test("a verified Tailscale login becomes the principal (WebSocket and HTTP)", async () => {
    const { c, hello } = await connectWs(t.wsUrl, {}, {}, headers("alice@company.com", "100.64.0.5"));
    assert.equal(hello.ok, true, JSON.stringify(hello.error));
    assert.equal((hello.payload as any).auth.principal, "alice@company.com");
    assert.equal((hello.payload as any).auth.rbacRole, "user");
    c.close();
    const r = await invokeHttp(t.httpUrl, undefined, { tool: "teleport", args: {} }, headers("alice@company.com", "100.64.0.5"));
    assert.equal(r.status, 404);
    const line = await t.waitForAudit((l) => l.type === "auth.login" && l.actor.id === "alice@company.com");
    assert.equal(line.metadata.method, "tailscale");
  });

  test("a header that does not match whois is refused and audited", async () => {
    const { hello } = await connectWs(t.wsUrl, {}, {}, headers("alice@company.com", "100.64.0.6"));
    assert.equal(hello.ok, false);
    assert.equal(hello.error?.details?.code, "TAILSCALE_LOGIN_MISMATCH");
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "TAILSCALE_LOGIN_MISMATCH");
  });

  test("an address whois does not know is refused", async () => {
    const r = await invokeHttp(t.httpUrl, undefined, { tool: "read", args: {} }, headers("carol@company.com", "100.64.0.99"));
    assert.equal(r.status, 401);
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "TAILSCALE_WHOIS_FAILED");
  });

  test("a forwarded address outside the tailnet ranges is refused before whois", async () => {
    const r = await invokeHttp(t.httpUrl, undefined, { tool: "read", args: {} }, headers("alice@company.com", "10.0.0.5"));
    assert.equal(r.status, 401);
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "TAILSCALE_BAD_ADDRESS");
  });

  test("missing headers are refused", async () => {
    const r = await invokeHttp(t.httpUrl, undefined, { tool: "read", args: {} });
    assert.equal(r.status, 401);
  });

  test("answers are cached briefly", async () => {
    await fs.rm(path.join(dir, "calls.log"), { force: true });
    for (let i = 0; i < 3; i++) {
      const r = await invokeHttp(t.httpUrl, undefined, { tool: "teleport", args: {} }, headers("carol@company.com", "100.64.0.7"));
      assert.equal(r.status, 404);
    }
    const calls = (await fs.readFile(path.join(dir, "calls.log"), "utf8")).trim().split("\n");
    assert.equal(calls.length, 1);
  });
});

test("without a tailscale binary, tailscale identities are refused", async () => {
  const t = await startTestGateway({
    config: { gateway: { auth: { mode: "tailscale", allowTailscale: true, token: null }, tailscale: { binary: "/nonexistent/tailscale" } } },
  });
  try {
    const r = await invokeHttp(t.httpUrl, undefined, { tool: "read", args: {} }, { "tailscale-user-login": "alice@company.com", "x-forwarded-for": "100.64.0.5" });
    assert.equal(r.status, 401);
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "TAILSCALE_UNAVAILABLE");
  } finally {
    await t.close();
  }
});

test("allowTailscale beside token auth: either a token or a verified Tailscale identity", async () => {
  const dir = await makeStateDir();
  const bin = await standIn(dir);
  const t = await startTestGateway({ config: { gateway: { auth: { mode: "token", allowTailscale: true }, tailscale: { binary: bin } } } });
  try {
    assert.equal((await invokeHttp(t.httpUrl, t.token, { tool: "teleport", args: {} })).status, 404);
    const r = await invokeHttp(t.httpUrl, undefined, { tool: "teleport", args: {} }, { "tailscale-user-login": "alice@company.com", "x-forwarded-for": "100.64.0.5" });
    assert.equal(r.status, 404);
    const bad = await invokeHttp(t.httpUrl, undefined, { tool: "teleport", args: {} }, { "tailscale-user-login": "alice@company.com", "x-forwarded-for": "100.64.0.6" });
    assert.equal(bad.status, 401);
  } finally {
    await t.close();
  }
});
