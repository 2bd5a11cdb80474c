import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { contextFor, modeOf, one, tempStates, writeWithMode } from "../doctor-fixture.js";
import { auditCheck } from "./audit.js";
import { readFile, unlink, writeFile } from "node:fs/promises";
import { FakeClock } from "../../core/clock.js";
import { openAuditLog } from "../../audit/audit-log.js";
import { event } from "../../audit/test-support.js";

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

describe("audit check: the log's own state (issues 10.2, 9.19, 9.21)", () => {
  const { state, cleanup } = tempStates();
  after(cleanup);
  const DAY = 24 * 60 * 60 * 1000;
  const T0 = Date.parse("2024-05-01T00:00:00.000Z");

  async function logIn(d: string): Promise<string> {
    const file = path.join(d, "audit.jsonl");
    const log = await openAuditLog({ path: file, clock: new FakeClock(T0), retentionDays: 0 });
    await log.append(event());
    await log.append(event({ type: "rbac.denied", outcome: "denied" }));
    await log.close();
    return file;
  }

  it("passes an intact chain and fails one that does not verify (e.g. two writers)", async () => {
    const d = await state();
    const file = await logIn(d);
    assert.equal(one(await auditCheck(await contextFor({ stateDir: d, now: T0 })), "audit.chain").status, "pass");
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace("rbac.denied", "rbac.allowed"));
    const f = one(await auditCheck(await contextFor({ stateDir: d, now: T0 })), "audit.chain");
    assert.equal(f.status, "fail");
    assert.match(f.message, /does not verify: line 2: hash does not match/);
  });

  it("reports a clock that disagrees with the log: 31 days ahead (warn), behind (fail)", async () => {
    const d = await state();
    await logIn(d);
    const ahead = one(await auditCheck(await contextFor({ stateDir: d, now: T0 + 31 * DAY })), "audit.clock");
    assert.equal(ahead.status, "warn");
    assert.match(ahead.message, /more than 30 days old by this clock/);
    const behind = one(await auditCheck(await contextFor({ stateDir: d, now: T0 - 2 * DAY })), "audit.clock");
    assert.equal(behind.status, "fail");
    assert.ok(!(await auditCheck(await contextFor({ stateDir: d, now: T0 + DAY }))).some((x) => x.id === "audit.clock"));
  });

  it("warns about a log that was deleted while the gateway ran", async () => {
    const d = await state();
    const file = path.join(d, "audit.jsonl");
    const log = await openAuditLog({ path: file, retentionDays: 0 });
    await log.append(event());
    await unlink(file);
    await log.close();
    const f = one(await auditCheck(await contextFor({ stateDir: d })), "audit.break");
    assert.equal(f.status, "warn");
    assert.match(f.message, /deleted while the gateway was running/);
  });
});
