import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { byId, contextFor, one, tempStates } from "../doctor-fixture.js";
import { networkCheck } from "./network.js";

describe("network check", () => {
  const { state, cleanup } = tempStates();
  after(cleanup);
  const run = async (yaml: string) => networkCheck(await contextFor({ stateDir: await state(), yaml }));

  it("passes the safe defaults", async () => {
    const findings = await run("{}\n");
    assert.deepEqual(findings.map((f) => [f.id, f.status]), [
      ["network.bind", "pass"],
      ["network.allowed-origins", "pass"],
      ["network.rate-limit", "pass"],
    ]);
  });

  const bindCases: { name: string; yaml: string; status: string }[] = [
    { name: "loopback", yaml: 'gateway:\n  bind: "127.0.0.1"\n', status: "pass" },
    { name: "::1", yaml: 'gateway:\n  bind: "::1"\n', status: "pass" },
    { name: "all interfaces, no proxy", yaml: 'gateway:\n  bind: "0.0.0.0"\n', status: "fail" },
    { name: "all interfaces behind a LAN proxy", yaml: 'gateway:\n  bind: "0.0.0.0"\n  trustedProxies: ["10.0.0.5"]\n', status: "pass" },
    { name: "all interfaces, only a wide-open proxy", yaml: 'gateway:\n  bind: "0.0.0.0"\n  trustedProxies: ["0.0.0.0/0", "bad"]\n', status: "fail" },
    { name: "tailnet address in tailscale mode", yaml: 'gateway:\n  bind: "100.101.102.103"\n  auth:\n    mode: tailscale\n    allowTailscale: true\n', status: "pass" },
    { name: "tailnet address without tailscale auth", yaml: 'gateway:\n  bind: "100.101.102.103"\n', status: "fail" },
    { name: "all interfaces with only a local proxy", yaml: 'gateway:\n  bind: "0.0.0.0"\n  trustedProxies: ["127.0.0.1"]\n', status: "warn" },
  ];
  for (const c of bindCases) {
    it(`bind: ${c.name} → ${c.status}`, async () => {
      const f = one(await run(c.yaml), "network.bind");
      assert.equal(f.status, c.status);
      if (c.status === "fail") assert.match(f.fix ?? "", /TLS termination.*gateway\.trustedProxies/);
    });
  }

  it("fails wide-open and invalid trusted proxies, each by index", async () => {
    const yaml = 'gateway:\n  trustedProxies: ["127.0.0.1", "0.0.0.0/0", "10.0.0.0/8", "::/0", "10.0.0.0/7", "2000::/15", "proxy.local", "10.0.0.1/8", "2001:db8::/32"]\n';
    const findings = byId(await run(yaml), "network.trusted-proxies");
    assert.deepEqual(
      findings.map((f) => [f.subject, f.status]),
      [
        ["gateway.trustedProxies[1]", "fail"],
        ["gateway.trustedProxies[3]", "fail"],
        ["gateway.trustedProxies[4]", "fail"],
        ["gateway.trustedProxies[5]", "fail"],
        ["gateway.trustedProxies[6]", "fail"],
        ["gateway.trustedProxies[7]", "fail"],
      ],
    );
  });

  it("passes the guide's trusted proxies", async () => {
    const f = one(await run('gateway:\n  trustedProxies: ["127.0.0.1", "10.0.0.0/8", "172.16.0.0/12"]\n'), "network.trusted-proxies");
    assert.equal(f.status, "pass");
  });

  it("warns on a wildcard origin", async () => {
    const f = one(await run('gateway:\n  allowedOrigins: ["https://ok.example", "*"]\n'), "network.allowed-origins");
    assert.equal(f.status, "warn");
    assert.equal(f.subject, "gateway.allowedOrigins[1]");
  });

  const rateCases: { name: string; yaml: string; subject: string; status: string }[] = [
    { name: "disabled", yaml: "gateway:\n  rateLimit:\n    enabled: false\n", subject: "gateway.rateLimit.enabled", status: "warn" },
    { name: "too many requests", yaml: "gateway:\n  rateLimit:\n    maxRequests: 5000\n", subject: "gateway.rateLimit.maxRequests", status: "warn" },
    { name: "short window", yaml: "gateway:\n  rateLimit:\n    windowMs: 1000\n    maxRequests: 100\n", subject: "gateway.rateLimit.maxRequests", status: "warn" },
    { name: "too many connections", yaml: "gateway:\n  rateLimit:\n    maxConnections: 10000\n", subject: "gateway.rateLimit.maxConnections", status: "warn" },
    { name: "the guide's numbers", yaml: "gateway:\n  rateLimit:\n    windowMs: 60000\n    maxRequests: 100\n    maxConnections: 50\n", subject: "gateway.rateLimit", status: "pass" },
  ];
  for (const c of rateCases) {
    it(`rate limit: ${c.name} → ${c.status}`, async () => {
      assert.equal(one(await run(c.yaml), "network.rate-limit", c.subject).status, c.status);
    });
  }

  it("is skipped when the config is invalid", async () => {
    assert.deepEqual((await run("gateway:\n  bind: 5\n")).map((f) => f.id), ["network.skipped"]);
  });
});
