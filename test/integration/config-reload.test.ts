import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { test } from "node:test";
import { connectWs, invokeHttp, randomToken, startTestGateway } from "../helpers/harness.js";

test("a valid config change is applied and audited with its key paths, never secret values", async () => {
  const t = await startTestGateway({ watch: true, config: { gateway: { rateLimit: { maxRequests: 1000 } } } });
  try {
    const newUserToken = randomToken();
    t.env.NEW_USER_TOKEN = newUserToken;
    await t.writeConfig({
      gateway: { rateLimit: { maxRequests: 500 }, auth: { users: [{ id: "ops@company.com", token: newUserToken }] } },
      rbac: { enabled: true, defaultRole: "viewer" },
    });
    const line = await t.waitForAudit((l) => l.type === "config.change" && l.outcome === "success", 5000);
    // The line is visible before its fdatasync returns, and the config is applied after that: wait for it.
    while (t.gw.runtime().config.gateway.rateLimit.maxRequests !== 500) await new Promise((r) => setTimeout(r, 10));
    const changed = line.metadata.changed as string[];
    assert.ok(changed.includes("gateway.rateLimit.maxRequests"));
    assert.ok(changed.includes("rbac.enabled"));
    assert.ok(changed.some((p) => p.startsWith("gateway.auth.users")));
    assert.equal(line.actor.type, "system");
    assert.ok(!JSON.stringify(line).includes(newUserToken), "secret values never appear in config.change");
    // The new user works now.
    const { c, hello } = await connectWs(t.wsUrl, { token: newUserToken });
    assert.equal((hello.payload as any).auth.principal, "ops@company.com");
    assert.equal((hello.payload as any).auth.rbacRole, "viewer");
    c.close();
  } finally {
    await t.close();
  }
});

test("an invalid config change is refused, logged, and the old config stays in force", async () => {
  const t = await startTestGateway({ config: { gateway: { rateLimit: { maxRequests: 1000 } } } });
  try {
    const secret = randomToken();
    await fs.writeFile(
      t.configPath,
      `gateway:\n  port: 0\n  auth:\n    mode: token\n    token: "${secret}"\n  rateLimit:\n    maxRequestz: 5\nrbac:\n  enabled: true\n  assignments:\n    "x@y": ops\n`,
    );
    const r = await t.gw.reload();
    assert.equal(r.applied, false);
    const paths = (r.issues ?? []).map((i) => i.path);
    assert.ok(paths.includes("gateway.rateLimit.maxRequestz"), paths.join(","));
    const line = await t.waitForAudit((l) => l.type === "config.change" && l.outcome === "failure");
    assert.ok(!JSON.stringify(line).includes(secret));
    // Old config (old token) still in force.
    const ok = await invokeHttp(t.httpUrl, t.token, { tool: "teleport", args: {} });
    assert.equal(ok.status, 404);
    const bad = await invokeHttp(t.httpUrl, secret, { tool: "teleport", args: {} });
    assert.equal(bad.status, 401);
  } finally {
    await t.close();
  }
});

test("password mode authenticates with the password and refuses a wrong one", async () => {
  const pw = randomToken();
  const t = await startTestGateway({ config: { gateway: { auth: { mode: "password", token: null, password: "${GW_PASSWORD}" } } }, env: { GW_PASSWORD: pw } });
  try {
    const { c, hello } = await connectWs(t.wsUrl, { password: pw });
    assert.equal(hello.ok, true);
    assert.equal((hello.payload as any).auth.principal, "owner");
    c.close();
    const { hello: bad } = await connectWs(t.wsUrl, { password: "not-the-password" });
    assert.equal(bad.error?.details?.code, "AUTH_PASSWORD_MISMATCH");
    const line = await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "AUTH_PASSWORD_MISMATCH");
    assert.ok(!JSON.stringify(line).includes("not-the-password"));
  } finally {
    await t.close();
  }
});

test("a reload cannot turn authentication off on a gateway listening beyond loopback", async () => {
  const t = await startTestGateway({ config: { gateway: { bind: "0.0.0.0" } } });
  try {
    // The edit also moves bind to loopback, which would only apply after a restart.
    await fs.writeFile(t.configPath, "gateway:\n  port: 0\n  bind: 127.0.0.1\n  auth:\n    mode: none\n");
    const r = await t.gw.reload();
    assert.equal(r.applied, false);
    assert.equal(r.issues?.[0]?.path, "gateway.auth.mode");
    await t.waitForAudit((l) => l.type === "config.change" && l.outcome === "failure");
    const url = t.httpUrl.replace("0.0.0.0", "127.0.0.1");
    assert.equal((await invokeHttp(url, undefined, { tool: "teleport", args: {} })).status, 401, "authentication still on");
  } finally {
    await t.close();
  }
});

test("changing a principal's secret ends that principal's open sessions, and only theirs", async () => {
  const alice = randomToken();
  const bob = randomToken();
  const t = await startTestGateway({
    config: { gateway: { auth: { users: [{ id: "alice@company.com", token: "${ALICE}" }, { id: "bob@company.com", token: "${BOB}" }] } } },
    env: { ALICE: alice, BOB: bob },
  });
  try {
    const a = (await connectWs(t.wsUrl, { token: alice })).c;
    const b = (await connectWs(t.wsUrl, { token: bob })).c;
    const newAlice = randomToken();
    t.env.ALICE = newAlice;
    const r = await t.gw.reload();
    assert.equal(r.applied, true);
    assert.equal((await a.closed).code, 1008);
    assert.equal((await b.request("health")).ok, true, "bob's session is untouched");
    const line = await t.waitForAudit((l) => l.type === "config.change" && l.outcome === "success");
    assert.deepEqual(line.metadata.rotation, ["alice@company.com"]);
    assert.ok(!JSON.stringify(line).includes(newAlice) && !JSON.stringify(line).includes(alice));
    assert.equal((await connectWs(t.wsUrl, { token: alice })).hello.ok, false);
    b.close();
  } finally {
    await t.close();
  }
});
