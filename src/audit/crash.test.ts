import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { openAuditLog } from "./audit-log.js";
import { verifyAudit } from "./verify-chain.js";
import { event, tempDir, waitFor } from "./test-support.js";

const moduleUrl = new URL("./audit-log.js", import.meta.url).href;

/** A writer that appends forever from many concurrent loops, until killed. */
const burstScript = `
import { openAuditLog } from ${JSON.stringify(moduleUrl)};
const log = await openAuditLog({ path: process.argv[2], retentionDays: 0 });
let n = 0;
const loop = async () => { for (;;) await log.append({ type: "exec.request", actor: { type: "user", id: "owner" }, outcome: "pending", metadata: { n: n++, pad: "y".repeat(n % 300) } }); };
for (let i = 0; i < 64; i++) void loop();
`;

test("SIGKILL mid-burst leaves only whole lines; reopen repairs if needed and keeps appending", async () => {
  const dir = await tempDir();
  const path = join(dir, "audit.jsonl");
  const script = join(dir, "burst.mjs");
  await writeFile(script, burstScript);
  for (let round = 0; round < 2; round++) {
    const child = spawn(process.execPath, [script, path], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
    const startSize = await stat(path).then((s) => s.size, () => 0);
    await waitFor(async () => (await stat(path).then((s) => s.size, () => 0)) > startSize + 200_000, 20_000);
    child.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL", stderr);

    const text = await readFile(path, "utf8");
    const whole = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
    for (const line of whole.trimEnd().split("\n")) JSON.parse(line); // every whole line parses
    const v = await verifyAudit(path);
    assert.equal(v.ok, true, JSON.stringify(v));

    const log = await openAuditLog({ path, retentionDays: 0 });
    await log.append(event({ metadata: { afterCrash: round } }));
    await log.close();
    const after = await readFile(path, "utf8");
    assert.ok(after.endsWith("\n"));
    for (const line of after.trimEnd().split("\n")) JSON.parse(line);
    const v2 = await verifyAudit(path);
    assert.equal(v2.ok, true, JSON.stringify(v2));
    assert.ok(v2.lines > v.lines);
  }
});
