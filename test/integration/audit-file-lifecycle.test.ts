import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { invokeHttp, makeStateDir, startTestGateway } from "../helpers/harness.js";

test("a gateway whose audit.jsonl holds the guide's plain lines starts, adopts them and verify reports them unchained", async () => {
  const stateDir = await makeStateDir();
  const file = path.join(stateDir, "audit.jsonl");
  const plain = [1, 2].map((i) =>
    JSON.stringify({
      ts: new Date(Date.now() - i * 60_000).toISOString(),
      eventId: randomUUID(),
      type: "auth.login",
      actor: { type: "device", id: `device-${i}`, remoteIp: "192.168.1.100" },
      outcome: "success",
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      metadata: { method: "device-token" },
    }),
  );
  await fs.writeFile(file, `${plain.join("\n")}\n`, { mode: 0o600 });
  const t = await startTestGateway({ stateDir });
  try {
    const lines = await t.audit();
    assert.deepEqual(lines.map((l) => l.type).slice(0, 3), ["auth.login", "auth.login", "audit.adopt"]);
  } finally {
    await t.close();
  }
  const v = await runCli(["audit", "verify"], { PATH: process.env.PATH, HOME: stateDir, CLAWDBOT_STATE_DIR: stateDir, CLAWDBOT_CONFIG: t.configPath, TEST_GATEWAY_TOKEN: t.token });
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /^UNCHAINED: lines 1-2 were adopted without a hash chain/m);
  assert.ok(v.stderr.includes(`audit log: ${file}`));
});

test("deleting audit.jsonl under a running gateway loses nothing: the next audited event restores it with audit.break", async () => {
  const t = await startTestGateway();
  try {
    assert.equal((await invokeHttp(t.httpUrl, "wrong-token-0123456789", { tool: "read", args: {} })).status, 401);
    const before = await t.audit();
    assert.ok(before.length > 0);
    await fs.unlink(t.gw.auditPath);
    assert.equal((await invokeHttp(t.httpUrl, "wrong-token-0123456789", { tool: "read", args: {} })).status, 401);
    const after = await t.audit();
    assert.deepEqual(after.slice(0, before.length).map((l) => l.eventId), before.map((l) => l.eventId));
    assert.equal(after[before.length]?.type, "audit.break");
    assert.equal(after[before.length + 1]?.type, "auth.failure");
  } finally {
    await t.close();
  }
});
