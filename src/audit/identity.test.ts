import assert from "node:assert/strict";
import { lstat, mkdir, readFile, readdir, readlink, rename, rm, stat, symlink, unlink, writeFile } from "node:fs/promises";
import { isGatewayError } from "../core/errors.js";
import { join } from "node:path";
import { test } from "node:test";
import { openAuditLog } from "./audit-log.js";
import { verifyAudit } from "./verify-chain.js";
import { event, tempDir } from "./test-support.js";

async function records(path: string): Promise<{ type: string; metadata: Record<string, unknown> }[]> {
  return (await readFile(path, "utf8"))
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; metadata: Record<string, unknown> });
}

test("audit.jsonl deleted while running: detected before the next batch, restored with every event, the break recorded", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const warnings: string[] = [];
  const log = await openAuditLog({ path, retentionDays: 0, onWarning: (m) => warnings.push(m) });
  await log.append(event({ metadata: { n: 1 } }));
  await log.append(event({ metadata: { n: 2 } }));
  await unlink(path);
  await log.append(event({ metadata: { n: 3 } }));
  const all = await records(path);
  assert.deepEqual(all.map((r) => r.type), ["auth.login", "auth.login", "audit.break", "auth.login"]);
  assert.equal(all[2]?.metadata.reason, "audit log deleted while the gateway was running");
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.match(warnings.join("\n"), /AUDIT LOG .* WAS DELETED/);
  const v = await verifyAudit(path);
  assert.equal(v.ok, true, v.reason);
  assert.deepEqual(v.incidents?.map((i) => [i.line, i.reason]), [[3, "audit log deleted while the gateway was running"]]);

  // Deleted right before shutdown with nothing else to write: close still restores it.
  await unlink(path);
  await log.close();
  assert.deepEqual((await records(path)).map((r) => r.type).slice(-1), ["audit.break"]);
  assert.equal((await verifyAudit(path)).incidents?.length, 2);
  assert.deepEqual((await readdir(dir)).sort(), ["audit.jsonl"], "no temp file left");
});

test("audit.jsonl replaced by a symlink (or another file): the replacement is moved aside untouched, ours restored", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const elsewhere = join(await tempDir(), "target.jsonl");
  await writeFile(elsewhere, "attacker's file\n");
  const log = await openAuditLog({ path, retentionDays: 0 });
  await log.append(event({ metadata: { n: 1 } }));
  await rename(path, join(dir, "stolen.jsonl"));
  await symlink(elsewhere, path);
  await log.append(event({ metadata: { n: 2 } }));

  assert.ok((await lstat(path)).isFile(), "the path is a regular file again");
  assert.equal(await readFile(elsewhere, "utf8"), "attacker's file\n", "nothing written through the symlink");
  const all = await records(path);
  assert.deepEqual(all.map((r) => r.type), ["auth.login", "audit.break", "auth.login"]);
  const aside = all[1]?.metadata.movedAside as string;
  assert.match(aside, /^audit\.jsonl\.replaced-/);
  assert.equal(await readlink(join(dir, aside)), elsewhere);

  // A regular forged file in its place is treated the same way.
  await writeFile(join(dir, "forged.tmp"), "{}\n");
  await rename(join(dir, "forged.tmp"), path);
  await log.append(event({ metadata: { n: 3 } }));
  await log.close();
  const v = await verifyAudit(path);
  assert.equal(v.ok, true, v.reason);
  assert.deepEqual(v.incidents?.map((i) => i.reason), ["audit log replaced while the gateway was running", "audit log replaced while the gateway was running"]);
  assert.equal((await records(path)).filter((r) => r.type === "auth.login").length, 3);
});

test("when the file cannot be restored (its directory is gone) appends fail closed, warn once, and recover once it can", async () => {
  const dir = join(await tempDir(), "logs");
  const path = join(dir, "audit.jsonl");
  const warnings: string[] = [];
  const log = await openAuditLog({ path, retentionDays: 0, onWarning: (m) => warnings.push(m) });
  await log.append(event({ metadata: { n: 1 } }));
  await rm(dir, { recursive: true });
  for (let i = 0; i < 3; i++) {
    await assert.rejects(log.append(event()), (e: unknown) => isGatewayError(e) && e.code === "UNAVAILABLE");
  }
  assert.equal(log.failed, true);
  assert.equal(warnings.filter((w) => /WAS DELETED/.test(w)).length, 1);
  await mkdir(dir, { mode: 0o700 });
  await log.append(event({ metadata: { n: 2 } }));
  await log.close();
  assert.deepEqual((await records(path)).map((r) => r.type), ["auth.login", "audit.break", "auth.login"]);
  assert.equal((await verifyAudit(path)).ok, true);
});
