import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { openAuditLog } from "./audit-log.js";
import { VerifyReasons, verifyAudit } from "./verify-chain.js";
import { lineHash } from "./hash-chain.js";
import { event, tempDir } from "./test-support.js";

async function writtenLog(n: number): Promise<{ path: string; lines: string[] }> {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const log = await openAuditLog({ path });
  for (let i = 0; i < n; i++) await log.append(event({ metadata: { i } }));
  await log.close();
  const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
  return { path, lines };
}

/** Re-hashes a line so it is self-consistent (an attacker who recomputes one line's hash). */
function rehash(text: string, prevHash?: string): string {
  const { hash: _h, ...rest } = JSON.parse(text) as Record<string, unknown>;
  if (prevHash !== undefined) rest.prevHash = prevHash;
  return JSON.stringify({ ...rest, hash: lineHash(rest.prevHash as string, rest) });
}

const hashOf = (text: string): string => (JSON.parse(text) as { hash: string }).hash;

test("an untouched log verifies", async () => {
  const { path, lines } = await writtenLog(6);
  assert.deepEqual(await verifyAudit(path), { ok: true, lines: 6, lastHash: hashOf(lines[5] as string) });
});

test("tampering is reported at the first bad line", async () => {
  const { path, lines } = await writtenLog(6);
  const L = (i: number): string => lines[i - 1] as string;
  const cases: { name: string; edit: string[]; line: number; reason: string }[] = [
    { name: "modified field", edit: lines.map((l, i) => (i === 2 ? l.replace('"success"', '"failure"') : l)), line: 3, reason: VerifyReasons.modified },
    { name: "modified, hash recomputed", edit: lines.map((l, i) => (i === 2 ? rehash(l.replace('"success"', '"denied"')) : l)), line: 4, reason: VerifyReasons.broken },
    { name: "deleted line", edit: lines.filter((_, i) => i !== 3), line: 4, reason: VerifyReasons.broken },
    { name: "deleted first line", edit: lines.slice(1), line: 1, reason: VerifyReasons.badStart },
    { name: "reordered pair", edit: [L(1), L(2), L(4), L(3), L(5), L(6)], line: 3, reason: VerifyReasons.broken },
    // A duplicated line: the first of the two identical lines is reported as the insertion.
    { name: "inserted copy", edit: [L(1), L(2), L(2), L(3), L(4), L(5), L(6)], line: 2, reason: VerifyReasons.inserted },
    { name: "inserted, chained forward", edit: [L(1), L(2), rehash(L(4), hashOf(L(2))), L(3), L(4), L(5), L(6)], line: 3, reason: VerifyReasons.inserted },
    { name: "inserted at head", edit: [rehash(L(3), "0".repeat(64)), ...lines], line: 1, reason: VerifyReasons.inserted },
    { name: "garbage line", edit: [L(1), "not json", L(2)], line: 2, reason: VerifyReasons.notJson },
    { name: "chain fields stripped", edit: [L(1), L(2).replace(/,"hash":"[0-9a-f]+"/, "")], line: 2, reason: VerifyReasons.noChain },
  ];
  for (const c of cases) {
    await writeFile(path, `${c.edit.join("\n")}\n`);
    const r = await verifyAudit(path);
    assert.equal(r.ok, false, c.name);
    assert.equal(r.firstBadLine, c.line, c.name);
    assert.equal(r.reason, c.reason, c.name);
  }
});

test("a torn last line is ignored and flagged", async () => {
  const { path, lines } = await writtenLog(3);
  await writeFile(path, `${lines.join("\n")}\n{"ts":"2024`);
  const r = await verifyAudit(path);
  assert.equal(r.ok, true);
  assert.equal(r.lines, 3);
  assert.equal(r.tornTail, true);
});
