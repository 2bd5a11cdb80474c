import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AuditTail } from "./audit-tail.js";

async function setup(): Promise<{ file: string; sent: [string, unknown][]; tail: AuditTail; gone: Set<string> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "audit-tail-"));
  const file = path.join(dir, "audit.jsonl");
  await fs.writeFile(file, '{"n":0}\n');
  const sent: [string, unknown][] = [];
  const gone = new Set<string>();
  const tail = new AuditTail(
    file,
    (id, r) => {
      if (gone.has(id)) return false;
      sent.push([id, r]);
      return true;
    },
    (e) => {
      throw e;
    },
  );
  return { file, sent, tail, gone };
}

test("AuditTail sends only lines appended after subscribing, whole lines only, to each subscriber", async () => {
  const { file, sent, tail } = await setup();
  tail.poke(); // nobody listens: nothing is read
  await tail.subscribe("a");
  await tail.subscribe("b");
  await fs.appendFile(file, '{"n":1}\n{"n":2}\n{"n":3');
  tail.poke();
  tail.poke(); // coalesced with the running read
  await tail.idle();
  assert.deepEqual(sent, [["a", { n: 1 }], ["b", { n: 1 }], ["a", { n: 2 }], ["b", { n: 2 }]]);
  await fs.appendFile(file, '}\nnot json\n{"n":4}\n');
  tail.poke();
  await tail.idle();
  assert.deepEqual(sent.slice(4).map(([id, r]) => `${id}${(r as { n: number }).n}`), ["a3", "b3", "a4", "b4"]);
});

test("AuditTail drops a subscriber that is gone, and follows a file that retention rewrote shorter", async () => {
  const { file, sent, tail, gone } = await setup();
  await tail.subscribe("a");
  await tail.subscribe("b");
  gone.add("b");
  await fs.appendFile(file, '{"n":1}\n');
  tail.poke();
  await tail.idle();
  assert.deepEqual(sent, [["a", { n: 1 }]]);
  assert.equal(tail.listeners, 1);
  await fs.writeFile(file, '{"anchor":true}\n'); // shorter: continue from the new end
  tail.poke();
  await tail.idle();
  await fs.appendFile(file, '{"n":2}\n');
  tail.poke();
  await tail.idle();
  assert.deepEqual(sent.slice(1), [["a", { n: 2 }]]);
  tail.unsubscribe("a");
  assert.equal(tail.listeners, 0);
});
