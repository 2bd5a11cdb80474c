import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { isGatewayError } from "../core/errors.js";
import { buildRecord } from "./audit-record.js";
import { verifyAudit } from "./audit-reader.js";
import { GroupCommitWriter } from "./group-commit.js";
import type { CommitFile } from "./group-commit.js";
import { GENESIS_HASH } from "./hash-chain.js";
import { event, tempDir } from "./test-support.js";

/** An in-memory file whose next operations can be made to fail (a full or vanished disk). */
class FlakyFile implements CommitFile {
  data = Buffer.alloc(0);
  writes = 0;
  syncs = 0;
  failWrites = 0;
  failSyncs = 0;
  async write(buf: Buffer, position: number): Promise<void> {
    this.writes++;
    if (this.failWrites > 0) {
      this.failWrites--;
      // A partial write before the error: half the batch lands on "disk".
      this.put(buf.subarray(0, Math.floor(buf.length / 2)), position);
      throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
    }
    this.put(buf, position);
  }
  async datasync(): Promise<void> {
    this.syncs++;
    if (this.failSyncs > 0) {
      this.failSyncs--;
      throw Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
    }
  }
  async truncate(length: number): Promise<void> {
    this.data = this.data.subarray(0, length);
  }
  private put(buf: Buffer, position: number): void {
    const end = position + buf.length;
    const next = Buffer.alloc(Math.max(end, this.data.length));
    this.data.copy(next);
    buf.copy(next, position);
    this.data = next;
  }
}

function writer(file: FlakyFile, maxBatchSize = 1000): GroupCommitWriter {
  return new GroupCommitWriter({ file, goodSize: 0, head: GENESIS_HASH }, { maxBatchSize, maxBatchDelayMs: 0 });
}

const rec = (i: number) => buildRecord(event({ metadata: { i } }), 1_700_000_000_000);

test("one write and one datasync per batch", async () => {
  const file = new FlakyFile();
  const w = writer(file);
  await Promise.all(Array.from({ length: 500 }, (_, i) => w.enqueue(rec(i))));
  assert.equal(file.writes, 1);
  assert.equal(file.syncs, 1);
  assert.equal(file.data.toString().split("\n").length - 1, 500);
});

test("batches are capped at maxBatchSize", async () => {
  const file = new FlakyFile();
  const w = writer(file, 100);
  await Promise.all(Array.from({ length: 350 }, (_, i) => w.enqueue(rec(i))));
  assert.equal(file.writes, 4);
});

test("a failed write rejects its batch, then the log recovers with a clean chain", async () => {
  const file = new FlakyFile();
  const w = writer(file);
  await w.enqueue(rec(0));
  file.failWrites = 1;
  const failed = await Promise.allSettled([w.enqueue(rec(1)), w.enqueue(rec(2))]);
  for (const r of failed) {
    assert.equal(r.status, "rejected");
    assert.ok(isGatewayError(r.reason) && r.reason.code === "UNAVAILABLE");
  }
  assert.equal(w.failed, true);
  file.failSyncs = 1;
  await assert.rejects(w.enqueue(rec(3)), (e: unknown) => isGatewayError(e) && e.code === "UNAVAILABLE");
  assert.equal(w.failed, true);
  // The disk came back.
  await w.enqueue(rec(4));
  assert.equal(w.failed, false);

  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  await writeFile(path, file.data);
  const lines = file.data.toString().trimEnd().split("\n").map((l) => JSON.parse(l) as { metadata: { i: number } });
  assert.deepEqual(lines.map((l) => l.metadata.i), [0, 4], "only durable events are in the file");
  assert.equal((await verifyAudit(path)).ok, true);
});

test("exclusive tasks run between batches and idle waits for everything", async () => {
  const file = new FlakyFile();
  const w = writer(file);
  const order: string[] = [];
  const a = w.enqueue(rec(0)).then(() => order.push("append"));
  const t = w.exclusive(async (state) => {
    order.push(`task@${state.goodSize > 0 ? "after" : "before"}`);
    return { result: 42 };
  });
  assert.equal(await t, 42);
  await a;
  await w.idle();
  assert.equal(order.length, 2);
  assert.ok(order.includes("append"));
});
