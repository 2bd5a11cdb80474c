import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { REDACTED, isSecretPath, parseConfigText, redactConfig } from "./index.js";

describe("isSecretPath", () => {
  const cases: [string, boolean][] = [
    ["gateway.auth.token", true],
    ["gateway.auth.password", true],
    ["gateway.auth.users[0].token", true],
    ["gateway.auth.users[12].password", true],
    ["models.anthropic.apiKey", true],
    ['models["my.model"].apiKey', true],
    ["gateway.auth.users[0].id", false],
    ["gateway.auth.mode", false],
    ["models.anthropic.baseUrl", false],
    ["gateway.auth.tokenx", false],
  ];
  for (const [p, secret] of cases) it(`${p} → ${secret}`, () => assert.equal(isSecretPath(p), secret));
});

describe("redactConfig", () => {
  const SECRETS = ["tok-AAAAAAAAAAAAAAAAAAAA", "pw-BBBBBBBB", "ci-CCCCCCCCCCCCCCCCCC", "alice-DDDDDDDD", "sk-EEEE", "sk-FFFF"];
  // Tailscale mode keeps a configured shared token usable for automation.
  const yaml = `gateway:
  auth:
    mode: tailscale
    allowTailscale: true
    token: \${T}
    users:
      - id: ci@company.com
        token: \${CI}
      - id: alice@company.com
        password: \${ALICE}
models:
  anthropic:
    apiKey: \${A}
  "my.model":
    api: openai-completions
    apiKey: \${B}
    model: claude
`;
  const env = { T: SECRETS[0], P: SECRETS[1], CI: SECRETS[2], ALICE: SECRETS[3], A: SECRETS[4], B: SECRETS[5] };

  it("hides every secret path of a full config and keeps everything else", () => {
    const { config } = parseConfigText(yaml, env);
    const red = redactConfig(config) as typeof config;
    const text = JSON.stringify(red);
    for (const s of SECRETS) assert.ok(!text.includes(s as string), `${s} not redacted`);
    assert.equal(red.gateway.auth.token, REDACTED);
    const pw = parseConfigText(`gateway:\n  auth:\n    mode: password\n    password: \${P}\n`, env).config;
    const redPw = redactConfig(pw) as typeof pw;
    assert.equal(redPw.gateway.auth.password, REDACTED);
    assert.ok(!JSON.stringify(redPw).includes(SECRETS[1] as string));
    assert.deepEqual(red.gateway.auth.users, [
      { id: "ci@company.com", token: REDACTED },
      { id: "alice@company.com", password: REDACTED },
    ]);
    assert.equal(red.models.anthropic?.apiKey, REDACTED);
    assert.equal(red.models["my.model"]?.apiKey, REDACTED);
    assert.equal(red.models["my.model"]?.model, "claude");
    assert.equal(red.gateway.port, 18789);
    assert.equal(red.gateway.auth.mode, "tailscale");
  });

  it("leaves absent secrets absent and does not modify its input", () => {
    const { config } = parseConfigText("gateway:\n  port: 1234\n", {});
    const red = redactConfig(config) as typeof config;
    assert.equal(red.gateway.auth.token, undefined);
    assert.ok(!JSON.stringify(red).includes(REDACTED));
    const raw = { gateway: { auth: { token: "x".repeat(20) } } };
    redactConfig(raw);
    assert.equal(raw.gateway.auth.token, "x".repeat(20));
  });
});
