import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { byId, contextFor, one, tempStates, writeWithMode } from "../doctor-fixture.js";
import { authCheck } from "./auth.js";

const DAY = 86_400_000;
const NOW = 1_750_000_000_000;
const strong = (): string => randomBytes(32).toString("base64");

describe("auth check", () => {
  const { state, cleanup } = tempStates();
  after(cleanup);
  const tokenFile = (d: string): string => path.join(d, "credentials", "gateway-token");
  const metaFile = (d: string): string => path.join(d, "credentials", "gateway-token.meta.json");

  it("fails when authentication is off", async () => {
    const ctx = await contextFor({ stateDir: await state(), yaml: "gateway:\n  auth:\n    mode: none\n" });
    const f = one(await authCheck(ctx), "auth.mode");
    assert.equal(f.status, "fail");
    assert.equal(f.subject, "gateway.auth.mode");
    assert.ok(f.fix);
  });

  const tokenCases: { name: string; token: string; id: string; status: string }[] = [
    { name: "strong token passes", token: strong(), id: "auth.token-length", status: "pass" },
    { name: "24-char random token warns", token: randomBytes(18).toString("base64"), id: "auth.token-length", status: "warn" },
    { name: "weak default token fails", token: "changeme-changeme-changeme", id: "auth.weak-secret", status: "fail" },
    { name: "repeated char fails", token: "x".repeat(40), id: "auth.weak-secret", status: "fail" },
    { name: "digit run fails", token: "12345678901234567890123456789012", id: "auth.weak-secret", status: "fail" },
  ];
  for (const c of tokenCases) {
    it(`gateway.auth.token: ${c.name}`, async () => {
      const ctx = await contextFor({ stateDir: await state(), yaml: "gateway:\n  auth:\n    token: ${GW_TOKEN}\n", env: { GW_TOKEN: c.token } });
      const findings = await authCheck(ctx);
      const f = one(findings, c.id, "gateway.auth.token");
      assert.equal(f.status, c.status);
      assert.ok(!JSON.stringify(findings).includes(c.token));
    });
  }

  it("checks every user credential by its key path", async () => {
    const yaml = [
      "gateway:",
      "  auth:",
      "    token: ${GW_TOKEN}",
      "    users:",
      "      - id: ci@company.com",
      "        token: ${CI_TOKEN}",
      "      - id: alice@company.com",
      "        password: ${ALICE_PW}",
      "      - id: bob@company.com",
      "        password: ${BOB_PW}",
    ].join("\n");
    const ctx = await contextFor({
      stateDir: await state(),
      yaml,
      env: { GW_TOKEN: strong(), CI_TOKEN: "TestTokenTestToken", ALICE_PW: "Password2024", BOB_PW: "tr0ub4dor&3x" },
    });
    const findings = await authCheck(ctx);
    assert.equal(one(findings, "auth.weak-secret", "gateway.auth.users[0].token").status, "fail");
    assert.equal(one(findings, "auth.weak-secret", "gateway.auth.users[1].password").status, "fail");
    assert.equal(one(findings, "auth.password-length", "gateway.auth.users[2].password").status, "pass");
  });

  it("warns on a short password and passes a long one", async () => {
    const short = await contextFor({ stateDir: await state(), yaml: "gateway:\n  auth:\n    mode: password\n    password: ${PW}\n", env: { PW: "Zq8#kLp2" } });
    assert.equal(one(await authCheck(short), "auth.password-length").status, "warn");
    const long = await contextFor({ stateDir: await state(), yaml: "gateway:\n  auth:\n    mode: password\n    password: ${PW}\n", env: { PW: "violet-harbour-tangent-moss" } });
    assert.equal(one(await authCheck(long), "auth.password-length").status, "pass");
  });

  it("warns about secrets written literally, naming the key path but not the value", async () => {
    const literal = strong();
    const yaml = `gateway:\n  auth:\n    token: "${literal}"\nmodels:\n  anthropic:\n    apiKey: \${ANTHROPIC_API_KEY}\n  openai:\n    apiKey: sk-literal-${literal}\n`;
    const ctx = await contextFor({ stateDir: await state(), yaml, env: { ANTHROPIC_API_KEY: "sk-from-env" }, checks: ["auth"] });
    const findings = await authCheck(ctx);
    const literalFindings = byId(findings, "auth.literal-secret");
    assert.deepEqual(literalFindings.map((f) => [f.subject, f.status]), [
      ["gateway.auth.token", "warn"],
      ["models.openai.apiKey", "warn"],
    ]);
    assert.ok(!JSON.stringify(findings).includes(literal));
  });

  it("passes literal-secret when every secret comes from the environment", async () => {
    const ctx = await contextFor({ stateDir: await state(), yaml: "gateway:\n  auth:\n    token: ${GW}\n", env: { GW: strong() } });
    assert.equal(one(await authCheck(ctx), "auth.literal-secret").status, "pass");
  });

  it("warns when token mode has neither a configured token nor a token file", async () => {
    const ctx = await contextFor({ stateDir: await state() });
    const f = one(await authCheck(ctx), "auth.token-file");
    assert.equal(f.status, "warn");
    assert.match(f.message, /generates one/);
  });

  const ageCases: { name: string; issuedDaysAgo: number | undefined; status: string }[] = [
    { name: "fresh token passes", issuedDaysAgo: 10, status: "pass" },
    { name: "token of exactly 90 days passes", issuedDaysAgo: 90, status: "pass" },
    { name: "token older than 90 days warns", issuedDaysAgo: 120, status: "warn" },
    { name: "unknown issue date warns", issuedDaysAgo: undefined, status: "warn" },
  ];
  for (const c of ageCases) {
    it(`token age: ${c.name}`, async () => {
      const d = await state();
      await writeWithMode(tokenFile(d), `${strong()}\n`, 0o600);
      if (c.issuedDaysAgo !== undefined) {
        await writeWithMode(metaFile(d), JSON.stringify({ issuedAtMs: NOW - c.issuedDaysAgo * DAY, rotatedFromPrevious: false }), 0o600);
      }
      const f = one(await authCheck(await contextFor({ stateDir: d, now: NOW })), "auth.token-age");
      assert.equal(f.status, c.status);
      if (c.status === "warn") assert.match(f.fix ?? "", /clawdbot token rotate/);
    });
  }

  it("judges the generated token file's strength without printing it", async () => {
    const d = await state();
    await writeWithMode(tokenFile(d), "clawdbot-test-token\n", 0o600);
    const findings = await authCheck(await contextFor({ stateDir: d, now: NOW }));
    const f = one(findings, "auth.weak-secret", tokenFile(d));
    assert.equal(f.status, "fail");
    assert.ok(!JSON.stringify(findings).includes("clawdbot-test-token"));
  });

  it("is skipped with a note when the config is invalid", async () => {
    const ctx = await contextFor({ stateDir: await state(), yaml: "gateway:\n  bogus: 1\n" });
    const findings = await authCheck(ctx);
    assert.deepEqual(findings.map((f) => [f.id, f.status]), [["auth.skipped", "warn"]]);
  });
});
