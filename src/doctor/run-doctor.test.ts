import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { modeOf, okSandbox, tempStates, writeWithMode } from "./doctor-fixture.js";
import { runDoctor } from "./run-doctor.js";

describe("runDoctor", () => {
  const { state, cleanup } = tempStates();
  after(cleanup);
  const base = (stateDir: string) => ({
    stateDir,
    configPath: path.join(stateDir, "config.yaml"),
    configExplicit: false,
    checks: [],
    fix: false,
    env: {},
    checkSandbox: okSandbox,
  });

  it("runs only the selected checks, in the fixed order", async () => {
    const d = await state();
    const r = await runDoctor({ ...base(d), checks: ["rbac", "network"] });
    assert.deepEqual([...new Set(r.findings.map((f) => f.check))], ["network", "rbac"]);
  });

  it("an unset ${VAR}: the fix says to export it, not to edit the key", async () => {
    const d = await state();
    await writeWithMode(path.join(d, "config.yaml"), "gateway:\n  auth:\n    token: ${GATEWAY_TOKEN}\n", 0o600);
    const r = await runDoctor(base(d));
    const f = r.findings.find((x) => x.id === "config.invalid");
    assert.equal(f?.subject, "gateway.auth.token");
    assert.match(f?.message ?? "", /environment variable GATEWAY_TOKEN is not set/);
    assert.equal(f?.fix, "export GATEWAY_TOKEN in the environment of the gateway and of this command, or give a default in the file: ${GATEWAY_TOKEN:-…}");
  });

  it("an invalid config: one config.invalid failure per issue; config checks skipped; file checks still run", async () => {
    const d = await state();
    await writeWithMode(path.join(d, "config.yaml"), "gateway:\n  port: high\n  rateLimit:\n    maxRequests: -1\n  nope: 1\n", 0o600);
    const r = await runDoctor(base(d));
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.findings.filter((f) => f.check === "config").map((f) => f.subject).sort(),
      ["gateway.nope", "gateway.port", "gateway.rateLimit.maxRequests"],
    );
    for (const check of ["auth", "network", "audit", "rbac", "sandbox"]) {
      assert.deepEqual(r.findings.filter((f) => f.check === check).map((f) => f.id), [`${check}.skipped`]);
    }
    assert.ok(r.findings.some((f) => f.id === "credentials.config-mode" && f.status === "pass"));
  });

  it("an explicit config path that does not exist is a config failure", async () => {
    const d = await state();
    const r = await runDoctor({ ...base(d), configPath: path.join(d, "missing.yaml"), configExplicit: true, checks: ["auth"] });
    assert.equal(r.ok, false);
    assert.equal(r.findings[0]?.id, "config.invalid");
  });

  it("ok is true when nothing fails, and --fix turns failures into fixed", async () => {
    const d = await state();
    const token = path.join(d, "credentials", "gateway-token");
    await writeWithMode(token, "Zq8#kLp2Zq8#kLp2Zq8#kLp2Zq8#kLp2Wm\n", 0o644);
    const before = await runDoctor({ ...base(d), checks: ["credentials"] });
    assert.equal(before.ok, false);
    const fixed = await runDoctor({ ...base(d), checks: ["credentials"], fix: true });
    assert.equal(fixed.ok, true);
    assert.ok(fixed.findings.some((f) => f.status === "fixed" && f.subject === token));
    assert.equal(await modeOf(token), 0o600);
  });

  it("uses the real bubblewrap probe by default", async () => {
    const d = await state();
    const r = await runDoctor({
      stateDir: d,
      configPath: path.join(d, "config.yaml"),
      configExplicit: false,
      checks: ["sandbox"],
      fix: false,
      env: {},
    });
    const bw = r.findings.find((f) => f.id === "sandbox.bwrap");
    assert.ok(bw && (bw.status === "pass" || bw.status === "fail"));
  });
});
