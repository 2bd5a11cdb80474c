import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { FakeClock } from "../core/clock.js";
import { openAuditLog } from "./audit-log.js";
import { verifyAudit } from "./verify-chain.js";
import { event, tempDir } from "./test-support.js";

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse("2024-03-01T09:00:00.000Z");

async function types(path: string): Promise<string[]> {
  return (await readFile(path, "utf8"))
    .trimEnd()
    .split("\n")
    .map((l) => (JSON.parse(l) as { type: string }).type);
}

/** A day of events from T0, written by a gateway whose clock was right. */
async function dayOfEvents(): Promise<string> {
  const path = join(await tempDir(), "audit.jsonl");
  const clock = new FakeClock(T0);
  const log = await openAuditLog({ path, clock, retentionDays: 30 });
  for (let i = 0; i < 6; i++) {
    await log.append(event({ metadata: { i } }));
    clock.advance(60 * 60 * 1000);
  }
  await log.close();
  return path;
}

test("a start with the clock 31 days ahead keeps the history: retention counts from the log's time, warns, records audit.clock", async () => {
  const path = await dayOfEvents();
  const wall = new FakeClock(T0 + 31 * DAY);
  const warnings: string[] = [];
  const log = await openAuditLog({ path, clock: wall, retentionDays: 30, onWarning: (m) => warnings.push(m) });
  await log.append(event({ metadata: { afterStart: true } }));
  assert.deepEqual((await types(path)).slice(0, 6), Array(6).fill("auth.login"), "nothing purged");
  const clockLine = (await readFile(path, "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; metadata: Record<string, unknown> }).find((l) => l.type === "audit.clock");
  assert.equal(clockLine?.metadata.reason, "clock-ahead-of-log");
  assert.equal(clockLine?.metadata.logTime, new Date(T0 + 5 * 60 * 60 * 1000).toISOString());
  assert.match(warnings.join("\n"), /counts from the log's time/);

  // Two more days of uptime by the monotonic clock: still nothing of that day expires.
  wall.advance(2 * DAY);
  assert.deepEqual(await log.purgeExpired(), { removed: 0 });
  await log.close();
  assert.equal((await verifyAudit(path)).ok, true);
  assert.equal((await types(path)).filter((t) => t === "auth.login").length, 7);
});

test("the clock behind the log (newest line in the future): retention is skipped, warned and recorded", async () => {
  const path = await dayOfEvents();
  const warnings: string[] = [];
  const log = await openAuditLog({ path, clock: new FakeClock(T0 - 3 * DAY), retentionDays: 1, onWarning: (m) => warnings.push(m) });
  await log.close();
  assert.deepEqual(await types(path), [...Array(6).fill("auth.login"), "audit.clock"]);
  assert.match(warnings.join("\n"), /retention skipped: the clock .* is behind the audit log/);
});

test("a wall-clock step while running is not trusted; the monotonic clock is", async () => {
  const path = join(await tempDir(), "audit.jsonl");
  const wall = new FakeClock(T0);
  let mono = 0;
  const log = await openAuditLog({ path, clock: wall, monotonic: () => mono, retentionDays: 30 });
  await log.append(event());
  wall.advance(31 * DAY); // NTP step, no time passed
  mono += 1000;
  assert.deepEqual(await log.purgeExpired(), { removed: 0 });
  // Real time passing (both clocks) does expire lines.
  wall.advance(0);
  mono += 31 * DAY;
  await log.append(event());
  assert.deepEqual(await log.purgeExpired(), { removed: 1 });
  await log.close();
  assert.equal((await verifyAudit(path)).ok, true);
});

test("a normal restart within the retention period purges as before", async () => {
  const path = await dayOfEvents();
  const log = await openAuditLog({ path, clock: new FakeClock(T0 + 30 * DAY + 3 * 60 * 60 * 1000 + 1), retentionDays: 30 });
  await log.close();
  const t = await types(path);
  assert.equal(t[0], "audit.retention");
  assert.equal(t.filter((x) => x === "auth.login").length, 2);
  assert.ok(!t.includes("audit.clock"));
});
