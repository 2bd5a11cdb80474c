import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { isGatewayError } from "../core/errors.js";
import { openAuditLog } from "./audit-log.js";
import { verifyAudit } from "./audit-reader.js";
import { GENESIS_HASH, recomputeHash } from "./hash-chain.js";
import { event, tempDir } from "./test-support.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function lines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, "utf8");
  assert.ok(text === "" || text.endsWith("\n"), "file ends with a newline");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function jq(filter: string, path: string, slurp = false): unknown[] {
  const args = slurp ? ["-c", "-s", filter, path] : ["-c", filter, path];
  const out = execFileSync("/usr/bin/jq", args, { encoding: "utf8" });
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as unknown);
}

test("lines have the guide's format and chain from genesis", async () => {
  const dir = await tempDir();
  const path = join(dir, "state", "audit.jsonl");
  const log = await openAuditLog({ path, clock: { now: () => Date.parse("2024-01-15T10:30:00.000Z") } });
  await log.append(event({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736" }));
  await log.append(event({ traceId: "NOT-A-TRACE", actor: { type: "user", id: "owner" } }));
  await log.close();

  const [first, second] = await lines(path);
  assert.ok(first && second);
  assert.deepEqual(Object.keys(first), [
    "ts", "eventId", "type", "actor", "outcome", "traceId", "metadata", "prevHash", "hash",
  ]);
  assert.equal(first.ts, "2024-01-15T10:30:00.000Z");
  assert.match(String(first.eventId), UUID_V4);
  assert.notEqual(first.eventId, second.eventId);
  assert.deepEqual(first.actor, { type: "device", id: "device-abc123", remoteIp: "192.168.1.100" });
  assert.equal(first.outcome, "success");
  assert.equal(first.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert.match(String(second.traceId), /^[0-9a-f]{32}$/);
  assert.notEqual(second.traceId, "NOT-A-TRACE");
  assert.deepEqual(second.actor, { type: "user", id: "owner" });
  assert.deepEqual(first.metadata, { method: "device-token" });
  assert.equal(first.prevHash, GENESIS_HASH);
  assert.equal(first.hash, recomputeHash(first));
  assert.equal(second.prevHash, first.hash);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, "state"))).mode & 0o777, 0o700);
});

test("the guide's jq recipes work unchanged on a written log", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const log = await openAuditLog({ path });
  await Promise.all([
    log.append(event({ type: "auth.failure", outcome: "failure", actor: { type: "anonymous", id: "unknown" } })),
    log.append(event({ type: "auth.failure", outcome: "failure", actor: { type: "device", id: "d1" } })),
    log.append(event({ type: "rbac.denied", outcome: "denied", actor: { type: "user", id: "user@company.com" } })),
    log.append(event({ type: "rbac.denied", outcome: "denied", actor: { type: "user", id: "other@company.com" } })),
    log.append(event({ type: "auth.login" })),
  ]);
  await log.close();

  const failures = jq('select(.type == "auth.failure")', path) as { actor: { id: string } }[];
  assert.deepEqual(failures.map((f) => f.actor.id).sort(), ["d1", "unknown"]);
  const denials = jq('select(.type == "rbac.denied" and .actor.id == "user@company.com")', path);
  assert.equal(denials.length, 1);
  const counts = jq("group_by(.type) | map({type: .[0].type, count: length})", path, true);
  assert.deepEqual(counts, [
    [
      { type: "auth.failure", count: 2 },
      { type: "auth.login", count: 1 },
      { type: "rbac.denied", count: 2 },
    ],
  ]);
});

test("2,000 concurrent appends are group-committed into whole, chained lines", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const log = await openAuditLog({ path, maxBatchSize: 256 });
  await Promise.all(
    Array.from({ length: 2000 }, (_, i) => log.append(event({ metadata: { i, note: "x".repeat(i % 50) } }))),
  );
  await log.close();
  const all = await lines(path);
  assert.equal(all.length, 2000);
  assert.deepEqual(
    all.map((l) => (l.metadata as { i: number }).i).sort((a, b) => a - b),
    Array.from({ length: 2000 }, (_, i) => i),
  );
  assert.deepEqual(await verifyAudit(path), { ok: true, lines: 2000, lastHash: all[1999]?.hash });
});

test("reopening continues the chain", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  for (let round = 0; round < 3; round++) {
    const log = await openAuditLog({ path });
    await log.append(event({ metadata: { round } }));
    await log.close();
  }
  const result = await verifyAudit(path);
  assert.equal(result.ok, true);
  assert.equal(result.lines, 3);
});

test("an existing file looser than 0600 is tightened", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  await writeFile(path, "");
  await chmod(path, 0o644);
  const log = await openAuditLog({ path });
  await log.close();
  assert.equal((await stat(path)).mode & 0o777, 0o600);
});

test("secrets in metadata are redacted on disk", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const log = await openAuditLog({ path });
  await log.append(
    event({ metadata: { method: "password", password: "hunter2-SECRET", auth: { Authorization: "Bearer T0KEN-XYZ" } } }),
  );
  await log.close();
  const text = await readFile(path, "utf8");
  assert.ok(!text.includes("hunter2-SECRET") && !text.includes("T0KEN-XYZ"));
  const [line] = await lines(path);
  assert.deepEqual(line?.metadata, { method: "password", password: "[REDACTED]", auth: { Authorization: "[REDACTED]" } });
  assert.equal((await verifyAudit(path)).ok, true);
});

test("fail closed: a log on /dev/full rejects with UNAVAILABLE and reports failed", async () => {
  const log = await openAuditLog({ path: "/dev/full", retentionDays: 0 });
  assert.equal(log.failed, false);
  await assert.rejects(
    log.append(event({ metadata: { password: "never-in-error" } })),
    (e: unknown) =>
      isGatewayError(e) &&
      e.code === "UNAVAILABLE" &&
      e.message === "audit log cannot be written" &&
      !JSON.stringify(e.toWire()).includes("never-in-error"),
  );
  assert.equal(log.failed, true);
  await log.close().catch(() => {});
  assert.equal((await stat("/dev/full")).mode & 0o777, 0o666, "a device is never chmod'ed");
});

test("invalid events are refused without echoing their contents", async () => {
  const dir = await tempDir();
  const log = await openAuditLog({ path: join(dir, "audit.jsonl") });
  const bad = [
    event({ type: "" }),
    event({ type: "has space" }),
    event({ outcome: "maybe" as never }),
    event({ actor: { type: "robot" as never, id: "x" } }),
    event({ actor: { type: "user", id: 5 as never } }),
  ];
  for (const e of bad) {
    await assert.rejects(log.append(e), (err: unknown) => isGatewayError(err) && /^invalid audit event: /.test(err.message));
  }
  await log.close();
  await assert.rejects(log.append(event()), (e: unknown) => isGatewayError(e) && e.code === "UNAVAILABLE");
});

test("enabled: false writes nothing", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const log = await openAuditLog({ path, enabled: false });
  await log.append(event());
  assert.deepEqual(await log.purgeExpired(), { removed: 0 });
  await log.close();
  await assert.rejects(stat(path), { code: "ENOENT" });
});

test("bad options are refused", async () => {
  for (const opts of [{ retentionDays: -1 }, { maxBatchSize: 0 }, { maxBatchDelayMs: 5000 }, { path: "" }]) {
    await assert.rejects(openAuditLog({ path: "/tmp/never-created/audit.jsonl", ...opts }), (e: unknown) =>
      isGatewayError(e) && e.code === "INVALID_REQUEST",
    );
  }
});

test("maxBatchDelayMs coalesces without losing events", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const log = await openAuditLog({ path, maxBatchDelayMs: 2 });
  await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(event({ metadata: { i } }))));
  await log.close();
  assert.deepEqual((await verifyAudit(path)).lines, 300);
});
