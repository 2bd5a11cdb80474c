import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConfigError, DEFAULT_BLOCKLIST, loadConfigFile, parseConfigText } from "./index.js";
import type { Config } from "./index.js";
import { GUIDE_RBAC, GUIDE_TOOL_RESTRICTIONS, underRbac } from "./guide-snippets.fixture.js";

const STRONG = "k9Vd2QxL7mTz4NwB8rYc1HsF6pJe3GaU"; // 32 chars, test-only

function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): { path: string; message: string }[] {
  try {
    parseConfigText(text, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return [...e.issues];
  }
  assert.fail(`expected the config to be refused:\n${text}`);
}

function errorOf(text: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfigText(text, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e;
  }
  assert.fail("expected a ConfigError");
}

describe("loadConfigFile", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it("gives the safe defaults when there is no file", async () => {
    const d = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-config-"));
    dirs.push(d);
    const r = loadConfigFile({ path: path.join(d, "config.yaml"), explicit: false, env: {} });
    assert.equal(r.file, undefined);
    const c: Config = r.config;
    assert.equal(c.gateway.bind, "127.0.0.1");
    assert.equal(c.gateway.port, 18789);
    assert.equal(c.gateway.auth.mode, "token");
    assert.deepEqual(
      { ...c.gateway.rateLimit },
      {
        enabled: true,
        windowMs: 60_000,
        maxRequests: 100,
        maxConnections: 50,
        maxUnauthenticatedPerIp: 10,
        maxUnauthenticated: 20,
        unauthenticatedPressureTimeoutMs: 2_000,
      },
    );
    assert.equal(c.gateway.pairing.autoApproveLoopback, true);
    assert.equal(c.gateway.pairing.maxPendingPerIp, 3);
    assert.equal(c.gateway.limits.maxHttpConnectionsPerIp, 64);
    assert.equal(c.gateway.audit.enabled, true);
    assert.equal(c.gateway.audit.retentionDays, 30);
    assert.equal(c.tools.policy, "sandbox");
    assert.deepEqual([...c.tools.exec.blocklist], ["rm -rf /", ":(){ :|:& };:", "dd if=/dev/zero"]);
    assert.deepEqual([...c.tools.exec.blocklist], [...DEFAULT_BLOCKLIST]);
    assert.equal(c.rbac.enabled, false);
    assert.deepEqual(Object.keys(c.agents), ["main"]);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.gateway.auth), "deep-frozen");
  });

  it("requires an explicit file to exist, naming it", async () => {
    const p = path.join(os.tmpdir(), `clawdbot-missing-${process.pid}.yaml`);
    assert.throws(() => loadConfigFile({ path: p, explicit: true, env: {} }), (e: unknown) => e instanceof ConfigError && e.message.includes(p));
  });

  it("reads a file, returning its source and the env-derived key paths", async () => {
    const d = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-config-"));
    dirs.push(d);
    const p = path.join(d, "config.yaml");
    await fs.writeFile(p, "gateway:\n  auth:\n    token: ${GATEWAY_TOKEN}\n  port: 19000\n");
    const r = loadConfigFile({ path: p, explicit: true, env: { GATEWAY_TOKEN: STRONG } });
    assert.equal(r.file, p);
    assert.equal(r.config.gateway.port, 19000);
    assert.equal(r.config.gateway.auth.token, STRONG);
    assert.deepEqual([...r.fromEnv], ["gateway.auth.token"]);
    assert.match(r.source, /GATEWAY_TOKEN/);
  });
});

describe("the guide's YAML snippets parse", () => {
  // A provider-key-shaped value made at test time (never a literal in the tree).
  const apiKey = `sk-ant-${crypto.randomBytes(12).toString("hex")}`;
  const env = { GATEWAY_TOKEN: STRONG, ANTHROPIC_API_KEY: apiKey };
  const snippets: { name: string; yaml: string; check: (c: Config) => void }[] = [
    {
      name: "Gateway Authentication / Device Pairing",
      yaml: "# config.yaml\ngateway:\n  auth:\n    mode: token  # or \"password\"\n    token: ${GATEWAY_TOKEN}  # Use environment variable\n",
      check: (c) => assert.equal(c.gateway.auth.token, STRONG),
    },
    {
      name: "Tailscale Authentication",
      yaml: "gateway:\n  auth:\n    mode: tailscale\n    allowTailscale: true\n",
      check: (c) => assert.equal(c.gateway.auth.mode, "tailscale"),
    },
    {
      name: "RBAC",
      yaml: GUIDE_RBAC,
      check: (c) => {
        assert.deepEqual(c.rbac.roles.devops?.permissions, ["exec", "exec.elevated", "exec.approve"]);
        assert.equal(c.rbac.assignments["support@company.com"], "support");
      },
    },
    {
      // The guide shows this fragment at the top level; it belongs under `rbac:`.
      name: "Tool Restrictions (under rbac)",
      yaml: underRbac(GUIDE_TOOL_RESTRICTIONS),
      check: (c) => assert.deepEqual(c.rbac.roles.limited?.tools?.allow, ["read", "search", "glob"]),
    },
    {
      name: "Audit Logging",
      yaml: "# Audit logging is enabled by default\n# Configure retention in gateway settings\ngateway:\n  audit:\n    enabled: true\n    retentionDays: 30  # Keep logs for 30 days\n",
      check: (c) => assert.equal(c.gateway.audit.retentionDays, 30),
    },
    {
      name: "Rate Limiting",
      yaml: "gateway:\n  rateLimit:\n    enabled: true\n    windowMs: 60000      # 1 minute window\n    maxRequests: 100     # Max requests per window\n    maxConnections: 50   # Max concurrent WebSocket connections\n",
      check: (c) => assert.equal(c.gateway.rateLimit.maxConnections, 50),
    },
    {
      name: "Trusted Proxies",
      yaml: 'gateway:\n  trustedProxies:\n    - "127.0.0.1"\n    - "10.0.0.0/8"\n    - "172.16.0.0/12"\n',
      check: (c) => assert.deepEqual([...c.gateway.trustedProxies], ["127.0.0.1", "10.0.0.0/8", "172.16.0.0/12"]),
    },
    {
      name: "Exec Approvals",
      yaml: "approvals:\n  exec:\n    enabled: true\n    requireApproval:\n      - elevated  # Require approval for sudo commands\n      - destructive  # Require approval for rm, delete, etc.\n    timeoutMs: 120000  # 2 minute timeout\n",
      check: (c) => assert.equal(c.approvals.exec.timeoutMs, 120_000),
    },
    {
      name: "Sandbox Mode",
      yaml: "tools:\n  policy: sandbox  # Restrict file system access\n",
      check: (c) => assert.equal(c.tools.policy, "sandbox"),
    },
    {
      name: "Command Blocklist",
      yaml: 'tools:\n  exec:\n    blocklist:\n      - "rm -rf /"\n      - ":(){ :|:& };:"  # Fork bomb\n      - "dd if=/dev/zero"\n',
      check: (c) => assert.deepEqual([...c.tools.exec.blocklist], [...DEFAULT_BLOCKLIST]),
    },
    {
      name: "Secrets Management",
      yaml: "# config.yaml - reference environment variables\ngateway:\n  auth:\n    token: ${GATEWAY_TOKEN}\n\nmodels:\n  anthropic:\n    apiKey: ${ANTHROPIC_API_KEY}\n",
      check: (c) => assert.equal(c.models.anthropic?.apiKey, apiKey),
    },
    {
      // The guide shows both alternatives in one mapping (a duplicate key); each is valid alone.
      name: "Bind Address (localhost)",
      yaml: 'gateway:\n  # Localhost only (most secure)\n  bind: "127.0.0.1"\n',
      check: (c) => assert.equal(c.gateway.bind, "127.0.0.1"),
    },
    {
      name: "Bind Address (all interfaces)",
      yaml: 'gateway:\n  # All interfaces (for remote access)\n  bind: "0.0.0.0"\n',
      check: (c) => assert.equal(c.gateway.bind, "0.0.0.0"),
    },
  ];
  for (const s of snippets) {
    it(s.name, () => s.check(parseConfigText(s.yaml, env).config));
  }

  it("refuses the bind snippet as printed (two bind keys in one mapping)", () => {
    const issues = issuesOf('gateway:\n  bind: "127.0.0.1"\n  bind: "0.0.0.0"\n');
    assert.deepEqual(issues.map((i) => i.path), ["(yaml)"]);
    assert.match(issues[0]?.message ?? "", /duplicate key/);
  });
});

describe("config issues name the exact key path", () => {
  const cases: { name: string; yaml: string; path: string; message: RegExp }[] = [
    { name: "unknown top-level key", yaml: "gatway: {}\n", path: "gatway", message: /unknown key/ },
    { name: "unknown nested key", yaml: "gateway:\n  rateLimit:\n    maxRequest: 5\n", path: "gateway.rateLimit.maxRequest", message: /unknown key/ },
    { name: "wrong type", yaml: "gateway:\n  rateLimit:\n    maxRequests: lots\n", path: "gateway.rateLimit.maxRequests", message: /expected number/ },
    { name: "negative number", yaml: "gateway:\n  rateLimit:\n    maxRequests: -1\n", path: "gateway.rateLimit.maxRequests", message: /.+/ },
    { name: "port out of range", yaml: "gateway:\n  port: 70000\n", path: "gateway.port", message: /65535/ },
    { name: "bad enum", yaml: "gateway:\n  auth:\n    mode: magic\n", path: "gateway.auth.mode", message: /must be one of "token", "password", "tailscale", "none"/ },
    { name: "bad tools.policy", yaml: "tools:\n  policy: yolo\n", path: "tools.policy", message: /"sandbox", "host"/ },
    { name: "bad approval class", yaml: "approvals:\n  exec:\n    requireApproval: [elevated, scary]\n", path: "approvals.exec.requireApproval[1]", message: /must be one of/ },
    { name: "short user token", yaml: "gateway:\n  auth:\n    users:\n      - id: ci@company.com\n        token: short\n", path: "gateway.auth.users[0].token", message: /at least 16/ },
    { name: "user without secret", yaml: "gateway:\n  auth:\n    users:\n      - id: ci@company.com\n", path: "gateway.auth.users[0]", message: /token|password/ },
    { name: "deny not a list", yaml: "rbac:\n  roles:\n    devops:\n      tools:\n        deny: bash\n", path: "rbac.roles.devops.tools.deny", message: /expected array/ },
    { name: "unknown role key", yaml: "rbac:\n  roles:\n    devops:\n      perms: [exec]\n", path: "rbac.roles.devops.perms", message: /unknown key/ },
    { name: "quoted assignment key", yaml: 'rbac:\n  assignments:\n    "x@y": 5\n', path: 'rbac.assignments["x@y"]', message: /expected string/ },
    { name: "bad agent id", yaml: "agents:\n  'bad id!': {}\n", path: 'agents["bad id!"]', message: /.+/ },
    { name: "bad model url", yaml: "models:\n  anthropic:\n    baseUrl: not a url\n", path: "models.anthropic.baseUrl", message: /.+/ },
    { name: "short shared token", yaml: "gateway:\n  auth:\n    token: abc\n", path: "gateway.auth.token", message: /at least 16/ },
    { name: "short password", yaml: "gateway:\n  auth:\n    mode: password\n    password: abc\n", path: "gateway.auth.password", message: /at least 8/ },
    { name: "password mode without password", yaml: "gateway:\n  auth:\n    mode: password\n", path: "gateway.auth.password", message: /required/ },
    { name: "tailscale without allowTailscale", yaml: "gateway:\n  auth:\n    mode: tailscale\n", path: "gateway.auth.allowTailscale", message: /must be true/ },
    { name: "no walk workers", yaml: "tools:\n  limits:\n    searchWorkers: 0\n", path: "tools.limits.searchWorkers", message: /.+/ },
    { name: "default timeout above max", yaml: "tools:\n  limits:\n    defaultTimeoutMs: 700000\n", path: "tools.limits.defaultTimeoutMs", message: /maxTimeoutMs/ },
    { name: "duplicate user ids", yaml: `gateway:\n  auth:\n    users:\n      - id: a@b\n        password: pw-123456\n      - id: a@b\n        password: pw-123456\n`, path: "gateway.auth.users[1].id", message: /duplicate of gateway\.auth\.users\[0\]\.id/ },
    { name: "root not a mapping", yaml: "- a\n- b\n", path: "(root)", message: /mapping/ },
    { name: "yaml syntax error", yaml: "gateway: [\n", path: "(yaml)", message: /syntax error at line/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const issues = issuesOf(c.yaml);
      const hit = issues.find((i) => i.path === c.path);
      assert.ok(hit, `no issue at ${c.path}: ${JSON.stringify(issues)}`);
      assert.match(hit.message, c.message);
    });
  }

  it("reports several errors at once", () => {
    const issues = issuesOf("gateway:\n  port: high\n  bogus: 1\n  rateLimit:\n    maxRequests: -5\n  auth:\n    mode: magic\ntools:\n  policy: yolo\n");
    assert.deepEqual(issues.map((i) => i.path).sort(), ["gateway.auth.mode", "gateway.bogus", "gateway.port", "gateway.rateLimit.maxRequests", "tools.policy"]);
  });

  it("refuses a non-loopback bind with auth mode none, and allows it on loopback", () => {
    const issues = issuesOf('gateway:\n  bind: "0.0.0.0"\n  auth:\n    mode: none\n');
    assert.equal(issues[0]?.path, "gateway.bind");
    assert.match(issues[0]?.message ?? "", /refusing a non-loopback bind/);
    for (const bind of ["127.0.0.1", "localhost", "::1"]) {
      assert.equal(parseConfigText(`gateway:\n  bind: "${bind}"\n  auth:\n    mode: none\n`, {}).config.gateway.auth.mode, "none");
    }
  });
});

describe("${ENV} substitution in the loader", () => {
  it("a missing variable names the variable and the key path; all are reported", () => {
    const issues = issuesOf("gateway:\n  auth:\n    token: ${GATEWAY_TOKEN}\nmodels:\n  anthropic:\n    apiKey: ${ANTHROPIC_API_KEY}\n");
    const envIssues = issues.filter((i) => i.message.startsWith("environment variable"));
    assert.deepEqual(envIssues, [
      { path: "gateway.auth.token", message: "environment variable GATEWAY_TOKEN is not set" },
      { path: "models.anthropic.apiKey", message: "environment variable ANTHROPIC_API_KEY is not set" },
    ]);
  });

  it("uses ${VAR:-default} when the variable is unset or empty", () => {
    const yaml = "gateway:\n  bind: ${BIND:-127.0.0.1}\n";
    assert.equal(parseConfigText(yaml, {}).config.gateway.bind, "127.0.0.1");
    assert.equal(parseConfigText(yaml, { BIND: "" }).config.gateway.bind, "127.0.0.1");
    assert.equal(parseConfigText(yaml, { BIND: "::1" }).config.gateway.bind, "::1");
  });

  it("an invalid reference is reported at its key path", () => {
    const issues = issuesOf('gateway:\n  bind: "${1BAD}"\n');
    assert.equal(issues[0]?.path, "gateway.bind");
    assert.match(issues[0]?.message ?? "", /invalid variable reference/);
  });

  it("$${ is a literal ${", () => {
    const c = parseConfigText('tools:\n  exec:\n    blocklist: ["echo $${HOME}", "a$${b"]\n', {}).config;
    assert.deepEqual([...c.tools.exec.blocklist], ["echo ${HOME}", "a${b"]);
  });

  it("substitutes inside a larger string and only in values (never injects YAML)", () => {
    const c = parseConfigText("models:\n  m:\n    api: openai-completions\n    baseUrl: https://${HOST}/v1\n", { HOST: "api.example.com" }).config;
    assert.equal(c.models.m?.baseUrl, "https://api.example.com/v1");
    const injected = parseConfigText("gateway:\n  bind: ${B}\n", { B: "127.0.0.1\n  port: 1" }).config;
    assert.equal(injected.gateway.port, 18789);
  });
});

describe("no secret ever appears in a ConfigError message", () => {
  const SECRET = "zz-PLANTED-s3cr3t-9f2c";
  const cases: { name: string; yaml: string; env?: NodeJS.ProcessEnv }[] = [
    { name: "too-short shared token", yaml: `gateway:\n  auth:\n    token: "${SECRET.slice(0, 15)}"\n` },
    { name: "token in an unknown key", yaml: `gateway:\n  auth:\n    tokn: "${SECRET}"\n` },
    { name: "unknown top-level key", yaml: `secrets:\n  gateway: "${SECRET}"\n` },
    { name: "too-short user token", yaml: `gateway:\n  auth:\n    users:\n      - id: ci\n        token: "${SECRET.slice(0, 12)}"\n` },
    { name: "user token plus unknown key", yaml: `gateway:\n  auth:\n    users:\n      - id: ci\n        token: "${SECRET}"\n        note: "${SECRET}"\n` },
    { name: "secret where a number belongs", yaml: `gateway:\n  port: "${SECRET}"\n` },
    { name: "secret as an enum value", yaml: `gateway:\n  auth:\n    mode: "${SECRET}"\n` },
    { name: "secret as a URL", yaml: `models:\n  m:\n    baseUrl: "${SECRET}"\n    apiKey: "${SECRET}"\n    extra: 1\n` },
    { name: "short token from the environment", yaml: "gateway:\n  auth:\n    token: ${T}\n", env: { T: SECRET.slice(0, 10) } },
    { name: "short password", yaml: `gateway:\n  auth:\n    mode: password\n    password: "${SECRET.slice(0, 6)}"\n` },
    { name: "secret written inside ${...}", yaml: `gateway:\n  auth:\n    token: "\${${SECRET}}"\n` },
    { name: "secret in a yaml syntax error", yaml: `gateway:\n  auth:\n    token: "${SECRET}\n  bad: [\n` },
    { name: "secret with a duplicate key", yaml: `gateway:\n  auth:\n    token: "${SECRET}"\n    token: "${SECRET}"\n` },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = errorOf(c.yaml, c.env ?? {});
      for (const fragment of [SECRET, SECRET.slice(0, 6), "PLANTED"]) {
        assert.ok(!e.message.includes(fragment), `leaked ${fragment}: ${e.message}`);
        assert.ok(!JSON.stringify(e.issues).includes(fragment), `leaked in issues: ${JSON.stringify(e.issues)}`);
      }
    });
  }
});

describe("nested ${…} defaults in the loader (issue 9.12)", () => {
  it("a nested default resolves to the variable's value, never to the literal ${…} text", () => {
    const yaml = 'gateway:\n  auth:\n    token: "${UNSET:-${GATEWAY_TOKEN}}"\n';
    assert.equal(parseConfigText(yaml, { GATEWAY_TOKEN: STRONG }).config.gateway.auth.token, STRONG);
    const issues = issuesOf(yaml, {});
    assert.deepEqual(issues, [{ path: "gateway.auth.token", message: "environment variable GATEWAY_TOKEN is not set" }]);
  });

  it("an unterminated or malformed reference is refused at its key path, whatever else is set", () => {
    for (const token of ["${UNSET:-${GATEWAY_TOKEN}", "${GATEWAY_TOKEN", "x${${GATEWAY_TOKEN}}"]) {
      const issues = issuesOf(`gateway:\n  auth:\n    token: "${token}"\n`, { GATEWAY_TOKEN: STRONG });
      assert.equal(issues[0]?.path, "gateway.auth.token", token);
      assert.match(issues[0]?.message ?? "", /variable reference/);
      assert.ok(!JSON.stringify(issues).includes(STRONG));
    }
  });

  it("a secret pasted as ${ghp_…} is not echoed in the error", () => {
    const pasted = `ghp_${crypto.randomBytes(18).toString("hex")}`;
    const err = errorOf(`gateway:\n  auth:\n    token: "\${${pasted}}"\n`);
    assert.ok(!err.message.includes(pasted.slice(4, 16)), err.message);
    assert.match(err.message, /gateway\.auth\.token: environment variable \(name not shown/);
  });
});
