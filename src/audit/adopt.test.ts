import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { FakeClock } from "../core/clock.js";
import { isGatewayError } from "../core/errors.js";
import { openAuditLog } from "./audit-log.js";
import { GENESIS_HASH, unchainedStep } from "./hash-chain.js";
import { VerifyReasons, verifyAudit } from "./verify-chain.js";
import { event, tempDir } from "./test-support.js";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse("2024-02-20T12:00:00.000Z");

/** A line exactly in the guide's format (no hash chain), as an earlier Clawdbot wrote it. */
function guideLine(tsMs: number, type: string, actorId: string): string {
  return JSON.stringify({
    ts: new Date(tsMs).toISOString(),
    eventId: randomUUID(),
    type,
    actor: { type: "device", id: actorId, remoteIp: "192.168.1.100" },
    outcome: type === "auth.failure" ? "failure" : "success",
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    metadata: { method: "device-token" },
  });
}

async function lines(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, "utf8"))
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function jq(filter: string, path: string, slurp = false): unknown[] {
  const out = execFileSync("/usr/bin/jq", slurp ? ["-c", "-s", filter, path] : ["-c", filter, path], { encoding: "utf8" });
  return out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as unknown);
}

test("a log in the guide's format is adopted: an audit.adopt anchor seals it, verify reports the range unchained", async () => {
  const path = join(await tempDir(), "audit.jsonl");
  const legacy = [
    guideLine(NOW - 3 * DAY, "auth.failure", "device-abc123"),
    guideLine(NOW - 2 * DAY, "auth.login", "device-abc123"),
    guideLine(NOW - DAY, "rbac.denied", "user@company.com"),
  ];
  await writeFile(path, `${legacy.join("\n")}\n`);
  const warnings: string[] = [];
  const log = await openAuditLog({ path, clock: new FakeClock(NOW), retentionDays: 30, onWarning: (m) => warnings.push(m) });
  await log.append(event({ type: "auth.failure", outcome: "failure" }));
  await log.close();

  const text = await readFile(path, "utf8");
  assert.ok(text.startsWith(`${legacy.join("\n")}\n`), "adopted lines are kept byte for byte");
  const all = await lines(path);
  const anchor = all[3] as { type: string; prevHash: string; metadata: Record<string, unknown> };
  const digest = legacy.reduce((d, l) => unchainedStep(d, l), GENESIS_HASH);
  assert.equal(anchor.type, "audit.adopt");
  assert.equal(anchor.prevHash, digest);
  assert.deepEqual(anchor.metadata, {
    adoptedLines: 3,
    adoptedDigest: digest,
    firstTs: new Date(NOW - 3 * DAY).toISOString(),
    lastTs: new Date(NOW - DAY).toISOString(),
  });
  assert.equal(all[4]?.prevHash, all[3]?.hash);
  assert.match(warnings.join("\n"), /adopted 3 line\(s\) written without a hash chain/);

  const v = await verifyAudit(path);
  assert.deepEqual({ ok: v.ok, lines: v.lines, unchained: v.unchained }, { ok: true, lines: 5, unchained: { from: 1, to: 3 } });

  // The guide's jq queries still work on the whole file.
  assert.equal(jq('select(.type == "auth.failure")', path).length, 2);
  assert.equal(jq('select(.type == "rbac.denied" and .actor.id == "user@company.com")', path).length, 1);
  const counts = jq("group_by(.type) | map({type: .[0].type, count: length})", path, true)[0] as { type: string }[];
  assert.deepEqual(counts.map((c) => c.type), ["audit.adopt", "auth.failure", "auth.login", "rbac.denied"]);

  // Reopening continues the chain; the adoption is not repeated.
  const again = await openAuditLog({ path, clock: new FakeClock(NOW), retentionDays: 30 });
  await again.append(event());
  await again.close();
  assert.equal((await lines(path)).filter((l) => l.type === "audit.adopt").length, 1);
  assert.equal((await verifyAudit(path)).ok, true);

  // An edit to an adopted line no longer matches the sealed digest.
  await writeFile(path, text.replace("user@company.com", "someone@else.com"));
  const bad = await verifyAudit(path);
  assert.deepEqual({ ok: bad.ok, line: bad.firstBadLine, reason: bad.reason }, { ok: false, line: 4, reason: VerifyReasons.adoptedModified });
});

test("retentionDays applies to adopted lines; the chain and the seal still verify", async () => {
  const path = join(await tempDir(), "audit.jsonl");
  const legacy = [
    guideLine(NOW - 45 * DAY, "auth.login", "old-1"),
    guideLine(NOW - 40 * DAY, "auth.login", "old-2"),
    guideLine(NOW - 10 * DAY, "auth.login", "kept-1"),
    guideLine(NOW - DAY, "auth.login", "kept-2"),
  ];
  await writeFile(path, `${legacy.join("\n")}\n`);
  const clock = new FakeClock(NOW);
  const log = await openAuditLog({ path, clock, retentionDays: 30 });
  await log.append(event());
  const after = await lines(path);
  assert.equal(after[0]?.type, "audit.retention");
  assert.equal((after[0]?.metadata as Record<string, unknown>).removedLines, 2);
  assert.deepEqual(after.slice(1, 3).map((l) => (l.actor as { id: string }).id), ["kept-1", "kept-2"]);
  assert.equal(after[3]?.type, "audit.adopt");
  const v = await verifyAudit(path);
  assert.deepEqual({ ok: v.ok, unchained: v.unchained }, { ok: true, unchained: { from: 2, to: 3 } });

  await log.close();
});

test("when every adopted line expires, the adopt anchor chains on behind a retention anchor", async () => {
  const path = join(await tempDir(), "audit.jsonl");
  await writeFile(path, `${guideLine(NOW - 20 * DAY, "auth.login", "a")}\n${guideLine(NOW - 19 * DAY, "auth.login", "b")}\n`);
  const clock = new FakeClock(NOW);
  const log = await openAuditLog({ path, clock, retentionDays: 30 });
  await log.append(event());
  clock.advance(12 * DAY); // the gateway ran 12 days
  assert.deepEqual(await log.purgeExpired(), { removed: 2 });
  await log.close();
  const last = await lines(path);
  assert.deepEqual(last.map((l) => l.type), ["audit.retention", "audit.adopt", "auth.login"]);
  const v = await verifyAudit(path);
  assert.equal(v.ok, true, v.reason);
  assert.equal(v.unchained, undefined);
});

test("a torn guide-format tail is repaired, then adopted", async () => {
  const path = join(await tempDir(), "audit.jsonl");
  const whole = guideLine(NOW - DAY, "auth.login", "a");
  await writeFile(path, `${whole}\n${guideLine(NOW, "auth.login", "b").slice(0, 40)}`);
  const log = await openAuditLog({ path, clock: new FakeClock(NOW) });
  await log.close();
  assert.deepEqual((await lines(path)).map((l) => l.type), ["auth.login", "audit.adopt", "audit.repair"]);
  assert.equal((await verifyAudit(path)).ok, true);
});

test("files that are not an earlier Clawdbot's log are still refused, untouched", async () => {
  const dir = await tempDir();
  const chained = join(dir, "chained.jsonl");
  const log = await openAuditLog({ path: chained });
  await log.append(event());
  await log.close();
  const cases = {
    "not audit records": '{"some":"other","format":true}\n',
    "unchained after chained": `${await readFile(chained, "utf8")}${guideLine(NOW, "auth.login", "x")}\n`,
    "a garbage line among adopted ones": `${guideLine(NOW, "auth.login", "x")}\nnot json\n${guideLine(NOW, "auth.login", "y")}\n`,
    "half a chain": `${JSON.stringify({ ...JSON.parse(guideLine(NOW, "auth.login", "x")), hash: "0".repeat(64) })}\n`,
  };
  for (const [name, content] of Object.entries(cases)) {
    const path = join(dir, `${name.replace(/ /g, "-")}.jsonl`);
    await writeFile(path, content);
    await assert.rejects(openAuditLog({ path }), (e: unknown) => isGatewayError(e) && e.code === "UNAVAILABLE", name);
    assert.equal(await readFile(path, "utf8"), content, name);
  }
});

test("verify reports a guide-format log that was never adopted, and unchained lines appended later", async () => {
  const dir = await tempDir();
  const path = join(dir, "plain.jsonl");
  await writeFile(path, `${guideLine(NOW, "auth.login", "a")}\n${guideLine(NOW, "auth.login", "b")}\n`);
  const v = await verifyAudit(path);
  assert.deepEqual({ ok: v.ok, line: v.firstBadLine, reason: v.reason }, { ok: false, line: 1, reason: VerifyReasons.notAdopted });

  const log = await openAuditLog({ path, clock: new FakeClock(NOW) });
  await log.close();
  const text = await readFile(path, "utf8");
  // An unchained line slipped in just before the anchor breaks the seal; one after the chain started is reported as such.
  const parts = text.split("\n");
  parts.splice(2, 0, guideLine(NOW, "auth.login", "inserted"));
  await writeFile(path, parts.join("\n"));
  assert.equal((await verifyAudit(path)).reason, VerifyReasons.adoptedModified);
  await writeFile(path, text);
  await appendFile(path, `${guideLine(NOW, "auth.login", "late")}\n`);
  assert.equal((await verifyAudit(path)).reason, VerifyReasons.noChain);
});
