import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { contextFor, modeOf, one, tempStates, writeWithMode } from "../doctor-fixture.js";
import { auditCheck } from "./audit.js";

describe("audit check", () => {
  const { state, cleanup } = tempStates();
  after(cleanup);

  it("passes the defaults (on, 30 days, directory writable)", async () => {
    const findings = await auditCheck(await contextFor({ stateDir: await state() }));
    assert.deepEqual(findings.map((f) => [f.id, f.status]), [
      ["audit.enabled", "pass"],
      ["audit.writable", "pass"],
      ["audit.retention", "pass"],
    ]);
  });

  it("fails when audit logging is disabled", async () => {
    const f = one(await auditCheck(await contextFor({ stateDir: await state(), yaml: "gateway:\n  audit:\n    enabled: false\n" })), "audit.enabled");
    assert.equal(f.status, "fail");
    assert.equal(f.subject, "gateway.audit.enabled");
  });

  const retention: [number, string][] = [
    [30, "pass"],
    [365, "pass"],
    [366, "warn"],
    [3650, "warn"],
  ];
  for (const [days, status] of retention) {
    it(`retention ${days} days → ${status}`, async () => {
      const ctx = await contextFor({ stateDir: await state(), yaml: `gateway:\n  audit:\n    retentionDays: ${days}\n` });
      assert.equal(one(await auditCheck(ctx), "audit.retention").status, status);
    });
  }

  it("fails when the log's directory cannot exist (a parent is a file)", async () => {
    const d = await state();
    await writeWithMode(path.join(d, "not-a-dir"), "x", 0o600);
    const ctx = await contextFor({ stateDir: d, yaml: "gateway:\n  audit:\n    path: not-a-dir/audit.jsonl\n" });
    const f = one(await auditCheck(ctx), "audit.writable");
    assert.equal(f.status, "fail");
    assert.equal(f.subject, path.join(d, "not-a-dir", "audit.jsonl"));
  });

  it("fails when the log path is a directory", async () => {
    const d = await state();
    const ctx = await contextFor({ stateDir: d, yaml: "gateway:\n  audit:\n    path: .\n" });
    assert.equal(one(await auditCheck(ctx), "audit.writable").status, "fail");
  });

  it("fails on a loose log file mode and --fix repairs it", async () => {
    const d = await state();
    const log = path.join(d, "audit.jsonl");
    await writeWithMode(log, '{"type":"auth.login"}\n', 0o644);
    const before = one(await auditCheck(await contextFor({ stateDir: d })), "audit.file-mode");
    assert.equal(before.status, "fail");
    assert.equal(before.subject, log);
    const after = one(await auditCheck(await contextFor({ stateDir: d, fix: true })), "audit.file-mode");
    assert.equal(after.status, "fixed");
    assert.equal(await modeOf(log), 0o600);
  });

  it("uses a relative gateway.audit.path under the state dir", async () => {
    const d = await state();
    const log = path.join(d, "logs", "audit.jsonl");
    await writeWithMode(log, "", 0o600);
    const ctx = await contextFor({ stateDir: d, yaml: "gateway:\n  audit:\n    path: logs/audit.jsonl\n" });
    assert.equal(one(await auditCheck(ctx), "audit.file-mode").subject, log);
  });
});
