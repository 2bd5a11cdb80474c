import assert from "node:assert/strict";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { isGatewayError } from "../core/errors.js";
import { openAuditLog } from "./audit-log.js";
import { verifyAudit } from "./verify-chain.js";
import { event, tempDir } from "./test-support.js";

async function logWith(n: number): Promise<{ path: string; whole: string }> {
  const path = join(await tempDir(), "audit.jsonl");
  const log = await openAuditLog({ path });
  for (let i = 0; i < n; i++) await log.append(event({ metadata: { i } }));
  await log.close();
  return { path, whole: await readFile(path, "utf8") };
}

test("a torn tail is truncated on open, recorded, and the chain continues", async () => {
  const tails = ['{"ts":"2024-01-15T10:3', "\u0000\u0000\u0000\u0000", 'garbage line\n{"half":'];
  for (const torn of tails) {
    const { path, whole } = await logWith(3);
    await appendFile(path, torn);
    const log = await openAuditLog({ path });
    await log.append(event({ metadata: { after: true } }));
    await log.close();
    const text = await readFile(path, "utf8");
    assert.ok(text.startsWith(whole), "whole lines are kept byte for byte");
    const added = text.slice(whole.length).trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(added.length, 2);
    assert.equal(added[0]?.type, "audit.repair");
    assert.deepEqual(added[0]?.actor, { type: "system", id: "gateway" });
    assert.deepEqual(added[0]?.metadata, { truncatedBytes: Buffer.byteLength(torn) });
    assert.deepEqual(added[1]?.metadata, { after: true });
    assert.deepEqual((await verifyAudit(path)).ok, true, JSON.stringify(torn));
  }
});

test("a whole file opens without a repair event", async () => {
  const { path, whole } = await logWith(2);
  const log = await openAuditLog({ path });
  await log.close();
  assert.equal(await readFile(path, "utf8"), whole);
});

test("a last line without hash chain is refused, not truncated", async () => {
  const path = join(await tempDir(), "audit.jsonl");
  const foreign = '{"some":"other","format":true}\n';
  await writeFile(path, foreign);
  await assert.rejects(openAuditLog({ path }), (e: unknown) => isGatewayError(e) && e.code === "UNAVAILABLE");
  assert.equal(await readFile(path, "utf8"), foreign);
});
