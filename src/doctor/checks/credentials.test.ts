import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { byId, contextFor, modeOf, one, tempStates, writeWithMode } from "../doctor-fixture.js";
import { credentialsCheck } from "./credentials.js";

describe("credentials check", () => {
  const { state, cleanup } = tempStates();
  after(cleanup);

  it("passes a private state dir, credentials dir and files", async () => {
    const d = await state();
    await writeWithMode(path.join(d, "credentials", "gateway-token"), "x\n", 0o600);
    await writeWithMode(path.join(d, "credentials", "slack.json"), "{}", 0o400);
    await writeWithMode(path.join(d, "audit.jsonl"), "", 0o600);
    await writeWithMode(path.join(d, "config.yaml"), "{}\n", 0o600);
    const findings = await credentialsCheck(await contextFor({ stateDir: d, checks: ["credentials"] }));
    assert.deepEqual(findings.filter((f) => f.status !== "pass"), []);
    assert.match(one(findings, "credentials.dir-mode").message, /2 files/);
    assert.equal(one(findings, "audit.file-mode").check, "credentials");
  });

  it("reports absent dirs as not created yet", async () => {
    const d = await state();
    await fs.rm(d, { recursive: true });
    const findings = await credentialsCheck(await contextFor({ stateDir: d }));
    assert.deepEqual(findings.map((f) => [f.id, f.status]), [
      ["credentials.state-dir-mode", "pass"],
      ["credentials.dir-mode", "pass"],
    ]);
  });

  const modeCases: { name: string; rel: string; kind: "dir" | "file"; mode: number; id: string; fixed: number }[] = [
    { name: "state dir 0755", rel: ".", kind: "dir", mode: 0o755, id: "credentials.state-dir-mode", fixed: 0o700 },
    { name: "credentials dir 0750", rel: "credentials", kind: "dir", mode: 0o750, id: "credentials.dir-mode", fixed: 0o700 },
    { name: "credential file 0644", rel: "credentials/gateway-token", kind: "file", mode: 0o644, id: "credentials.file-mode", fixed: 0o600 },
    { name: "nested credential file 0604", rel: "credentials/whatsapp/session.json", kind: "file", mode: 0o604, id: "credentials.file-mode", fixed: 0o600 },
    { name: "devices dir 0711", rel: "devices", kind: "dir", mode: 0o711, id: "credentials.devices-mode", fixed: 0o700 },
    { name: "device file 0660", rel: "devices/paired.json", kind: "file", mode: 0o660, id: "credentials.devices-mode", fixed: 0o600 },
    { name: "audit log 0640", rel: "audit.jsonl", kind: "file", mode: 0o640, id: "audit.file-mode", fixed: 0o600 },
  ];
  for (const c of modeCases) {
    it(`${c.name}: fails, and --fix makes it ${c.fixed.toString(8)}`, async () => {
      const d = await state();
      const p = path.join(d, c.rel);
      if (c.kind === "dir") {
        await fs.mkdir(p, { recursive: true });
        await fs.chmod(p, c.mode);
      } else await writeWithMode(p, "data", c.mode);

      const found = one(await credentialsCheck(await contextFor({ stateDir: d, checks: ["credentials"] })), c.id, path.resolve(p));
      assert.equal(found.status, "fail");
      assert.match(found.message, new RegExp(`0${c.mode.toString(8)}`));
      assert.match(found.fix ?? "", /chmod/);
      assert.equal(await modeOf(p), c.mode, "without --fix nothing changes");

      const fixed = one(await credentialsCheck(await contextFor({ stateDir: d, checks: ["credentials"], fix: true })), c.id, path.resolve(p));
      assert.equal(fixed.status, "fixed");
      assert.equal(await modeOf(p), c.fixed);

      const again = await credentialsCheck(await contextFor({ stateDir: d, checks: ["credentials"] }));
      assert.deepEqual(again.filter((f) => f.status !== "pass"), []);
    });
  }

  it("leaves the audit log to the audit check when both run", async () => {
    const d = await state();
    await writeWithMode(path.join(d, "audit.jsonl"), "", 0o644);
    const findings = await credentialsCheck(await contextFor({ stateDir: d, checks: ["credentials", "audit"] }));
    assert.deepEqual(byId(findings, "audit.file-mode"), []);
  });

  it("fails on symlinks and neither follows nor fixes them", async () => {
    const d = await state();
    const outside = path.join(d, "elsewhere");
    await writeWithMode(outside, "secret", 0o644);
    await fs.mkdir(path.join(d, "credentials"), { mode: 0o700 });
    const link = path.join(d, "credentials", "gateway-token");
    await fs.symlink(outside, link);
    const findings = await credentialsCheck(await contextFor({ stateDir: d, checks: ["credentials"], fix: true }));
    const f = one(findings, "credentials.symlink", link);
    assert.equal(f.status, "fail");
    assert.equal(await modeOf(outside), 0o644, "the link target was not touched");
  });

  it("fails on a symlinked credentials dir without walking it", async () => {
    const d = await state();
    const real = path.join(d, "real-creds");
    await writeWithMode(path.join(real, "token"), "x", 0o644);
    await fs.symlink(real, path.join(d, "credentials"));
    const findings = await credentialsCheck(await contextFor({ stateDir: d, checks: ["credentials"], fix: true }));
    assert.equal(one(findings, "credentials.symlink", path.join(d, "credentials")).status, "fail");
    assert.deepEqual(byId(findings, "credentials.file-mode"), []);
    assert.equal(await modeOf(path.join(real, "token")), 0o644);
  });

  it("config file readable by others: warn without literal secrets, fail with them, fail when writable", async () => {
    const cases: { yaml: string; mode: number; env: NodeJS.ProcessEnv; status: string }[] = [
      { yaml: "gateway:\n  port: 18789\n", mode: 0o644, env: {}, status: "warn" },
      { yaml: "gateway:\n  auth:\n    token: ${T}\n", mode: 0o640, env: { T: "k".repeat(8) + "Zq8#kLp2Zq8#kLp2" }, status: "warn" },
      { yaml: 'gateway:\n  auth:\n    token: "Zq8#kLp2Zq8#kLp2Zq8#kLp2Zq8#kLp2"\n', mode: 0o644, env: {}, status: "fail" },
      { yaml: "gateway:\n  port: 18789\n", mode: 0o666, env: {}, status: "fail" },
      { yaml: "gateway:\n  port: 18789\n", mode: 0o600, env: {}, status: "pass" },
    ];
    for (const c of cases) {
      const d = await state();
      const ctx = await contextFor({ stateDir: d, yaml: c.yaml, env: c.env, checks: ["credentials"] });
      await fs.chmod(ctx.configPath, c.mode);
      const f = one(await credentialsCheck(ctx), "credentials.config-mode");
      assert.equal(f.status, c.status, `${c.yaml} ${c.mode.toString(8)}`);
    }
  });

  it("fails when a file belongs to another user", { skip: process.getuid?.() !== 0 && "needs root to chown" }, async () => {
    const d = await state();
    const p = path.join(d, "credentials", "gateway-token");
    await writeWithMode(p, "x", 0o600);
    await fs.chown(p, 4242, 4242);
    const f = one(await credentialsCheck(await contextFor({ stateDir: d, checks: ["credentials"] })), "credentials.owner", p);
    assert.equal(f.status, "fail");
    assert.match(f.message, /uid 4242/);
  });

  it("reports a non-directory where the credentials dir belongs", async () => {
    const d = await state();
    await writeWithMode(path.join(d, "credentials"), "oops", 0o600);
    const f = one(await credentialsCheck(await contextFor({ stateDir: d, checks: ["credentials"] })), "credentials.file-type");
    assert.equal(f.status, "fail");
  });
});
