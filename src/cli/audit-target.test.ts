import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { openAuditLog } from "../audit/audit-log.js";
import { TextSink, event, tempDir } from "../audit/test-support.js";
import { runAuditCli } from "./audit.js";

/** A state dir whose configured log (custom.jsonl) has an edited line while the default audit.jsonl is intact. */
async function setup(config: string): Promise<{ stateDir: string; custom: string; fallback: string }> {
  const stateDir = await tempDir("audit-target-");
  const custom = join(stateDir, "custom.jsonl");
  const fallback = join(stateDir, "audit.jsonl");
  for (const p of [custom, fallback]) {
    const log = await openAuditLog({ path: p, retentionDays: 0 });
    await log.append(event());
    await log.append(event({ type: "rbac.denied", outcome: "denied" }));
    await log.close();
  }
  const lines = (await readFile(custom, "utf8")).split("\n");
  lines[1] = (lines[1] as string).replace("rbac.denied", "rbac.allowed");
  await writeFile(custom, lines.join("\n"));
  await writeFile(join(stateDir, "config.yaml"), config);
  return { stateDir, custom, fallback };
}

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const stdout = new TextSink();
  const stderr = new TextSink();
  const code = await runAuditCli(args, { env, stdout, stderr });
  return { code, out: stdout.text, err: stderr.text };
}

const UNRELATED_UNSET = "gateway:\n  auth:\n    users:\n      - id: ops\n        token: ${ADMIN_TOKEN_NOT_SET}\n";

test("verify reads the configured log even when an unrelated ${VAR} is unset, and names it", async () => {
  const { stateDir, custom } = await setup(`${UNRELATED_UNSET}  audit:\n    path: custom.jsonl\n`);
  const r = await cli(["verify"], { CLAWDBOT_STATE_DIR: stateDir });
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, new RegExp(`^TAMPERED: line 2 of ${custom}: `));
  assert.match(r.err, /has errors elsewhere/);
  assert.ok(r.err.includes(custom));
  const q = await cli(["query", "--json"], { CLAWDBOT_STATE_DIR: stateDir });
  assert.equal(q.code, 0);
  assert.match(q.out, /rbac\.allowed/, "query read the configured file");
});

test("an unresolvable gateway.audit.path is an error naming the key, never a silent fallback", async () => {
  const { stateDir } = await setup(`${UNRELATED_UNSET}  audit:\n    path: \${AUDIT_LOG_PATH}\n`);
  for (const sub of [["verify"], ["query"], ["stats", "--json"]]) {
    const r = await cli(sub, { CLAWDBOT_STATE_DIR: stateDir });
    assert.equal(r.code, 1, sub.join(" "));
    assert.equal(r.out, "", "nothing was read");
    assert.match(r.err, /gateway\.audit\.path: cannot tell which audit log the config names \(gateway\.audit\.path: environment variable AUDIT_LOG_PATH is not set\)/);
    assert.match(r.err, /--file PATH/);
  }
  const yamlBroken = await setup("gateway: [\n");
  const r = await cli(["verify"], { CLAWDBOT_STATE_DIR: yamlBroken.stateDir });
  assert.equal(r.code, 1);
  assert.match(r.err, /not valid YAML, so gateway\.audit\.path cannot be read/);
});

test("--file chooses the log explicitly; with a valid config the configured file is named", async () => {
  const { stateDir, custom, fallback } = await setup(`${UNRELATED_UNSET}  audit:\n    path: \${AUDIT_LOG_PATH}\n`);
  for (const args of [["verify", "--file", fallback], [`--file=${fallback}`, "verify"]]) {
    const r = await cli(args, { CLAWDBOT_STATE_DIR: stateDir });
    assert.equal(r.code, 0, r.out + r.err);
    assert.ok(r.out.startsWith(`OK: 2 lines in ${fallback}`), r.out);
    assert.ok(r.err.includes(`${fallback} (--file)`));
  }
  const good = await setup("gateway:\n  audit:\n    path: custom.jsonl\n");
  const r = await cli(["verify", "--json"], { CLAWDBOT_STATE_DIR: good.stateDir });
  assert.equal(r.code, 1);
  assert.equal((JSON.parse(r.out) as { file: string }).file, join(good.stateDir, "custom.jsonl"));
  assert.ok(!custom.startsWith(good.stateDir));
});
