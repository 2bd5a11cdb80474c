import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { PassThrough } from "node:stream";
import { modeOf, tempStates, writeWithMode } from "../doctor/doctor-fixture.js";
import { parseChecks, runDoctorCommand } from "./doctor.js";

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

async function run(args: string[], env: NodeJS.ProcessEnv, configFlag?: string) {
  const out = capture();
  const err = capture();
  const code = await runDoctorCommand(args, { env, stdout: out.stream, stderr: err.stream, ...(configFlag ? { configFlag } : {}) });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe("clawdbot doctor command", () => {
  const { state, cleanup } = tempStates();
  after(cleanup);

  it("parses --check lists", () => {
    assert.deepEqual(parseChecks([]), []);
    assert.deepEqual(parseChecks(["auth,network", "auth"]), ["auth", "network"]);
    assert.deepEqual(parseChecks(["all"]), []);
    assert.equal(parseChecks(["auth,bogus"]), "bogus");
    assert.equal(parseChecks(["all,bogus"]), "bogus");
  });

  const usage: string[][] = [["--check", "nonsense"], ["--bogus"], ["positional"], ["--check"]];
  for (const args of usage) {
    it(`exit 2 on usage error: ${args.join(" ")}`, async () => {
      const r = await run(args, { CLAWDBOT_STATE_DIR: await state() });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /usage: clawdbot doctor/);
      assert.equal(r.stdout, "");
    });
  }

  it("exit 0 and one line per finding plus a summary when nothing fails", async () => {
    const d = await state();
    const r = await run(["--check", "network,audit"], { CLAWDBOT_STATE_DIR: d });
    assert.equal(r.code, 0, r.stdout);
    const lines = r.stdout.trimEnd().split("\n");
    assert.ok(lines.length >= 4);
    for (const l of lines.slice(0, -1)) assert.match(l, /^[✔!✖✚] \[(network|audit)\] \S.* — /);
    assert.match(lines.at(-1) ?? "", /^doctor: \d+ passed, \d+ warning\(s\), 0 failed, 0 fixed/);
  });

  it("exit 1 when something fails, with the fix on the line", async () => {
    const d = await state();
    await writeWithMode(path.join(d, "config.yaml"), "gateway:\n  audit:\n    enabled: false\n", 0o600);
    const r = await run(["--check=audit"], { CLAWDBOT_STATE_DIR: d });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^✖ \[audit\] gateway\.audit\.enabled — .* \(fix: set gateway\.audit\.enabled: true\)$/m);
  });

  it("--json prints { ok, findings } with the documented finding shape", async () => {
    const d = await state();
    const r = await run(["--json", "--check", "rbac"], { CLAWDBOT_STATE_DIR: d });
    assert.equal(r.code, 0);
    const parsed = JSON.parse(r.stdout) as { ok: boolean; findings: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(parsed), ["ok", "findings"]);
    assert.equal(parsed.ok, true);
    assert.ok(parsed.findings.length > 0);
    for (const f of parsed.findings) {
      assert.equal(f.check, "rbac");
      for (const k of ["id", "status", "subject", "message"]) assert.equal(typeof f[k], "string");
      assert.ok(["pass", "warn", "fail", "fixed"].includes(f.status as string));
      for (const k of Object.keys(f)) assert.ok(["check", "id", "status", "subject", "message", "fix"].includes(k));
    }
  });

  it("--fix repairs modes and reports ✚", async () => {
    const d = await state();
    const f = path.join(d, "credentials", "gateway-token");
    await writeWithMode(f, `${randomBytes(32).toString("base64")}\n`, 0o644);
    const r = await run(["--check", "credentials", "--fix"], { CLAWDBOT_STATE_DIR: d });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, new RegExp(`^✚ \\[credentials\\] ${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} — mode was 0644, now 0600$`, "m"));
    assert.equal(await modeOf(f), 0o600);
  });

  it("honours --config (from the main CLI or its own flag)", async () => {
    const d = await state();
    const cfg = path.join(d, "elsewhere.yaml");
    await writeWithMode(cfg, "gateway:\n  auth:\n    mode: none\n", 0o600);
    for (const [args, flag] of [[["--check", "auth"], cfg], [["--check", "auth", "--config", cfg], undefined]] as const) {
      const r = await run([...args], { CLAWDBOT_STATE_DIR: d }, flag);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /✖ \[auth\] gateway\.auth\.mode/);
    }
  });

  it("never prints a secret planted in the config and the token file (human or JSON)", async () => {
    const d = await state();
    const secret = `Sup3rS3cret-${randomBytes(12).toString("hex")}`;
    const yaml = [
      "gateway:",
      "  bind: 0.0.0.0",
      "  auth:",
      `    token: "${secret}"`,
      "    users:",
      "      - id: ci@company.com",
      `        token: "${secret}-ci"`,
      "      - id: bob@company.com",
      `        password: "${secret.slice(0, 10)}"`,
      "models:",
      "  anthropic:",
      `    apiKey: "${secret}-api"`,
      "",
    ].join("\n");
    await writeWithMode(path.join(d, "config.yaml"), yaml, 0o644);
    await writeWithMode(path.join(d, "credentials", "gateway-token"), `${secret}\n`, 0o644);
    const env = { CLAWDBOT_STATE_DIR: d };
    const invalid = yaml.replace("  bind: 0.0.0.0", `  bind: 0.0.0.0\n  notAKey: "${secret}"`).replace(`token: "${secret}-ci"`, `token: "${secret.slice(0, 8)}"`);
    const cfg2 = path.join(d, "invalid.yaml");
    await writeWithMode(cfg2, invalid, 0o644);
    const outputs = [
      await run([], env),
      await run(["--json"], env),
      await run(["--json", "--fix"], env),
      await run([], env, cfg2),
      await run(["--json"], env, cfg2),
    ];
    assert.equal(outputs[0]?.code, 1);
    assert.match(outputs[0]?.stdout ?? "", /auth\.literal-secret|gateway\.auth\.token/);
    assert.match(outputs[3]?.stdout ?? "", /config\] gateway\.notAKey/);
    for (const o of outputs) {
      const all = o.stdout + o.stderr;
      assert.ok(!all.includes(secret), `secret leaked in: ${all}`);
      assert.ok(!all.includes(secret.slice(0, 8)), "no prefix of the secret either");
    }
  });
});
