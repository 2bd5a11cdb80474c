import assert from "node:assert/strict";
import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { FakeClock } from "../core/clock.js";
import { openAuditLog } from "./audit-log.js";
import { verifyAudit } from "./verify-chain.js";
import { event, tempDir } from "./test-support.js";

const DAY = 24 * 60 * 60 * 1000;

async function lines(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, "utf8"))
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("retention removes the expired prefix behind an anchor and verify still passes", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const clock = new FakeClock();
  const log = await openAuditLog({ path, clock, retentionDays: 30 });
  for (let i = 0; i < 5; i++) await log.append(event({ metadata: { old: i } }));
  const before = await lines(path);
  clock.advance(10 * DAY);
  for (let i = 0; i < 3; i++) await log.append(event({ metadata: { kept: i } }));
  clock.advance(25 * DAY);

  // Appends racing the purge are neither lost nor interleaved into the rewrite.
  const [purged] = await Promise.all([
    log.purgeExpired(),
    ...Array.from({ length: 50 }, (_, i) => log.append(event({ metadata: { during: i } }))),
  ]);
  assert.deepEqual(purged, { removed: 5 });
  const after = await lines(path);
  const anchor = after[0] as { type: string; prevHash: string; metadata: Record<string, unknown> };
  assert.equal(anchor.type, "audit.retention");
  assert.equal(anchor.prevHash, before[4]?.hash, "anchor prevHash is the last removed line's hash");
  assert.equal(anchor.metadata.anchorHash, anchor.prevHash);
  assert.equal(anchor.metadata.removedLines, 5);
  assert.deepEqual(after.slice(1, 4).map((l) => l.metadata), [{ kept: 0 }, { kept: 1 }, { kept: 2 }]);
  assert.equal(after.length, 1 + 3 + 50);
  assert.deepEqual((await verifyAudit(path)).ok, true);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual((await readdir(dir)).sort(), ["audit.jsonl"], "no temp file left");

  assert.deepEqual(await log.purgeExpired(), { removed: 0 }, "nothing new expired: no rewrite");
  await log.append(event({ metadata: { later: true } }));
  await log.close();
  const r = await verifyAudit(path);
  assert.equal(r.ok, true);
  assert.equal(r.lines, 55);
});

test("when everything expires the anchor stands alone and the chain continues across reopen", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const clock = new FakeClock();
  let log = await openAuditLog({ path, clock, retentionDays: 1 });
  for (let i = 0; i < 4; i++) await log.append(event({ metadata: { i } }));
  clock.advance(2 * DAY); // the gateway ran those two days (its monotonic clock agrees)
  assert.deepEqual(await log.purgeExpired(), { removed: 4 });
  await log.close();
  const only = await lines(path);
  assert.equal(only.length, 1);
  assert.equal(only[0]?.type, "audit.retention");
  assert.equal((only[0]?.metadata as Record<string, unknown>).removedLines, 4);
  await log.close();

  log = await openAuditLog({ path, clock, retentionDays: 1 });
  await log.append(event({ metadata: { fresh: 1 } }));
  clock.advance(2 * DAY);
  // Old anchor and the fresh line expire: the new anchor carries on the chain.
  assert.deepEqual(await log.purgeExpired(), { removed: 2 });
  await log.append(event({ metadata: { fresh: 2 } }));
  await log.close();
  const r = await verifyAudit(path);
  assert.equal(r.ok, true);
  assert.equal(r.lines, 2);
});

test("retentionDays 0 keeps everything", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const clock = new FakeClock();
  const log = await openAuditLog({ path, clock, retentionDays: 0 });
  await log.append(event());
  clock.advance(10_000 * DAY);
  assert.deepEqual(await log.purgeExpired(), { removed: 0 });
  await log.close();
  assert.equal((await lines(path)).length, 1);
});
