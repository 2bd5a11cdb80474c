/**
 * Issue 10 items 6, 7 and 13: what the operator sees when starting and running the
 * gateway — warnings from doctor's checks, waiting approvals and pairings in the log,
 * error messages that name the address or path, doctor's exit codes, and no EPIPE.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { describe, test } from "node:test";
import { stringify } from "yaml";
import { openAuditLog } from "../../src/audit/audit-log.js";
import { startGateway } from "../../src/app/gateway.js";
import { RawWs, connectParams, invokeHttp, makeStateDir, randomToken } from "../helpers/harness.js";
import { TestDevice } from "../helpers/device.js";
import { BIN, spawnGateway } from "../helpers/cli.js";
import { cli } from "../helpers/cli-inproc.js";

const sh = promisify(execFile);
const baseEnv = (stateDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: stateDir, CLAWDBOT_STATE_DIR: stateDir, ...extra });

/** Resolves once `read()` matches `re` (polling the child's captured output between events). */
async function until(read: () => string, re: RegExp, exited: Promise<unknown>): Promise<string> {
  let done = false;
  void exited.then(() => (done = true));
  for (;;) {
    const text = read();
    if (re.test(text)) return text;
    if (done) assert.fail(`process exited before ${re}: ${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("gateway start: warnings from doctor, waiting requests in the log", () => {
  test("a bad tools.exec.bwrapPath and a non-loopback bind without TLS each print one warning line at start", async () => {
    const stateDir = await makeStateDir();
    await fs.writeFile(path.join(stateDir, "config.yaml"), stringify({ tools: { exec: { bwrapPath: "/nonexistent/bwrap" } } }));
    const gw = await spawnGateway(["--port", "0", "--bind", "0.0.0.0"], baseEnv(stateDir));
    try {
      const err = await until(gw.stderr, /problem\(s\) found at start/, gw.exited);
      const warnings = err.split("\n").filter((l) => / warn doctor: /.test(l));
      assert.ok(warnings.some((l) => /\[sandbox\] tools\.exec\.bwrapPath — /.test(l)), err);
      assert.ok(warnings.some((l) => /\[network\] gateway\.bind — bound to 0\.0\.0\.0 with no .*trusted proxy/.test(l)), err);
      assert.equal(new Set(warnings).size, warnings.length, "one line per problem");
    } finally {
      gw.child.kill("SIGTERM");
      assert.equal(await gw.exited, 0);
    }
    // A healthy default start prints no doctor warning.
    const ok = await spawnGateway(["--port", "0"], baseEnv(await makeStateDir()));
    ok.child.kill("SIGTERM");
    assert.equal(await ok.exited, 0);
    assert.doesNotMatch(ok.stderr(), /warn doctor:/);
  });

  test("the log says when an approval or a pairing request is waiting, and how to decide it", async () => {
    const stateDir = await makeStateDir();
    const dev = randomToken();
    await fs.writeFile(
      path.join(stateDir, "config.yaml"),
      stringify({
        gateway: { auth: { users: [{ id: "dev@company.com", token: "${DEV_TOKEN}" }] } },
        rbac: { enabled: true, defaultRole: "viewer", assignments: { "dev@company.com": "user" } },
        approvals: { exec: { enabled: true, timeoutMs: 60000 } },
      }),
    );
    const gw = await spawnGateway(["--port", "0"], baseEnv(stateDir, { DEV_TOKEN: dev }));
    try {
      const pending = invokeHttp(gw.url, dev, { tool: "bash", args: { command: "rm -r secret-named-dir" } });
      const err = await until(gw.stderr, /approval \S+ waiting/, gw.exited);
      const line = err.split("\n").find((l) => /approval \S+ waiting/.test(l)) as string;
      assert.match(line, / info approval [0-9a-f-]{36} waiting: dev@company\.com on agent main \(destructive\); decide with: clawdbot approvals list, then clawdbot approvals approve\|reject [0-9a-f-]{36}$/);
      assert.ok(!err.includes("secret-named-dir"), "the command line is not logged");
      const d = new TestDevice();
      const c = await RawWs.open(gw.url.replace("http", "ws"));
      const { nonce } = await c.challenge();
      await c.request("connect", connectParams({ device: d.sign({ nonce }) }));
      const err2 = await until(gw.stderr, /pairing request \S+ waiting/, gw.exited);
      assert.match(err2, /pairing request \S+ waiting: device [0-9a-f]{16} \(client test-client\) from 127\.0\.0\.1; decide with: clawdbot devices approve \S+ --as PRINCIPAL/);
      gw.child.kill("SIGTERM");
      assert.equal((await pending).status, 403, "shutdown rejects the waiting request");
    } finally {
      gw.child.kill("SIGTERM");
      await gw.exited;
    }
  });
});

describe("refusals in the operator's log", () => {
  test("summarised, never one line per request (the interval itself: src/app/operator-notices.test.ts)", async () => {
    const stateDir = await makeStateDir();
    const viewer = randomToken();
    const configPath = path.join(stateDir, "config.yaml");
    await fs.writeFile(
      configPath,
      stringify({
        gateway: { port: 0, auth: { users: [{ id: "viewer@company.com", token: "${VIEWER_TOKEN}" }] } },
        rbac: { enabled: true, defaultRole: "viewer" },
      }),
    );
    const lines: string[] = [];
    const logger = { info: () => undefined, warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    // The default interval (60 s) is far longer than this test: all refusals land in one summary, written at the latest on close.
    const gw = await startGateway({ stateDir, configPath, configExplicit: true, env: { VIEWER_TOKEN: viewer }, logger, watch: false });
    const N = 30;
    try {
      for (let i = 0; i < N; i++) assert.equal((await invokeHttp(gw.url, viewer, { tool: "bash", args: { command: "echo hi" } })).status, 403);
    } finally {
      await gw.close();
    }
    const summaries = lines.filter((l) => l.startsWith("refused "));
    assert.deepEqual(summaries, [
      "refused 30 request(s) in the last 60s: rbac.denied 30 (from 1 address(es)); details: clawdbot audit query --outcome denied --since 60s",
    ]);
  });
});

describe("error messages an operator can act on", () => {
  test("port in use names the real bind:port and the likely cause", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await cli(["gateway", "--port", String(port)], baseEnv(await makeStateDir()));
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: address already in use — another clawdbot gateway \\(or another program\\) may be running there`));
      assert.doesNotMatch(r.stderr, /configured (bind|port)/);
    } finally {
      blocker.close();
    }
  });

  test("a state dir that cannot be created names the path and CLAWDBOT_STATE_DIR", async () => {
    const base = await makeStateDir();
    const file = path.join(base, "not-a-dir");
    await fs.writeFile(file, "");
    const stateDir = path.join(file, "state");
    const r = await cli(["gateway", "--port", "0"], baseEnv(stateDir));
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot use the state directory ${stateDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .* \\(ENOTDIR\\)`));
    assert.match(r.stderr, /set CLAWDBOT_STATE_DIR to a directory this user owns/);
    // The same for any command that writes there.
    const rotate = await cli(["token", "rotate"], baseEnv(stateDir));
    assert.equal(rotate.code, 1);
    assert.match(rotate.stderr, /^clawdbot: cannot use the state directory .*\(ENOTDIR\).*CLAWDBOT_STATE_DIR/);
  });

  test("an audit log that cannot be opened names its path and the reason", async () => {
    const stateDir = await makeStateDir();
    await fs.mkdir(path.join(stateDir, "audit.jsonl"));
    const r = await cli(["gateway", "--port", "0"], baseEnv(stateDir));
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`audit log cannot be opened: ${path.join(stateDir, "audit.jsonl").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: EISDIR`));
  });

  test("a YAML syntax error shows the parser's message and the line; config validate without a file says the defaults are in use", async () => {
    const stateDir = await makeStateDir();
    await fs.writeFile(path.join(stateDir, "config.yaml"), "gateway:\n  port: 18789\n  bind: 127.0.0.1: 8080\n");
    const r = await cli(["gateway", "--port", "0"], baseEnv(stateDir));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(yaml\): syntax error at line 3, column \d+: Nested mappings are not allowed in compact mappings; line 3: " {2}bind: 127\.0\.0\.1: 8080"/);
    const v = await cli(["config", "validate"], baseEnv(stateDir));
    assert.equal(v.code, 1);
    assert.match(v.stderr, /Nested mappings/);
    const empty = await makeStateDir();
    const none = await cli(["config", "validate"], baseEnv(empty));
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no config file at .*config\.yaml; the built-in defaults are in use/);
    const json = JSON.parse((await cli(["config", "validate", "--json"], baseEnv(empty))).stdout) as { ok: boolean; file: string | null; defaults: boolean };
    assert.deepEqual(json, { ok: true, file: null, defaults: true, issues: [] });
    const withFile = await cli(["config", "validate"], baseEnv(empty, { CLAWDBOT_CONFIG: path.join(empty, "missing.yaml") }));
    assert.equal(withFile.code, 1, "an explicitly named file must exist");
    assert.match(withFile.stderr, /config file not found/);
  });

  test("`clawdbot audit query --json | head -n 1` ends quietly (no EPIPE crash)", async () => {
    const stateDir = await makeStateDir();
    const log = await openAuditLog({ path: path.join(stateDir, "audit.jsonl") });
    // Well over a pipe buffer (64 KiB), so the writer meets the closed pipe.
    await Promise.all(Array.from({ length: 3000 }, (_, i) => log.append({ type: "auth.failure", actor: { type: "anonymous", id: "anonymous", remoteIp: "127.0.0.1" }, outcome: "failure", metadata: { i, pad: "x".repeat(40) } })));
    await log.close();
    for (const args of [["audit", "query", "--json"], ["audit", "query"], ["audit", "tail", "-n", "3000"]]) {
      const r = await sh("bash", ["-c", `set -o pipefail; "${process.execPath}" "${BIN}" ${args.join(" ")} | head -n 1 >/dev/null`], { env: baseEnv(stateDir) }).then(
        () => ({ code: 0, stderr: "" }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /EPIPE|Error/);
    }
  });
});

describe("clawdbot doctor as a systemd ExecStartPre", () => {
  test("exit 0 on a healthy default setup, 1 when a check fails, 2 on a usage error", async () => {
    const healthy = await makeStateDir();
    const ok = await cli(["doctor"], baseEnv(path.join(healthy, "state")));
    assert.equal(ok.code, 0, ok.stdout);
    // Also after the first start created the token, the audit log and the workspace.
    const gw = await spawnGateway(["--port", "0"], baseEnv(path.join(healthy, "state")));
    gw.child.kill("SIGTERM");
    assert.equal(await gw.exited, 0, gw.stderr());
    const again = await cli(["doctor"], baseEnv(path.join(healthy, "state")));
    assert.equal(again.code, 0, again.stdout);
    const failing = await makeStateDir();
    await fs.writeFile(path.join(failing, "config.yaml"), stringify({ tools: { exec: { bwrapPath: "/nonexistent/bwrap" } } }));
    const bad = await cli(["doctor"], baseEnv(failing));
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stdout, /✖ \[sandbox\]/);
    const invalid = await makeStateDir();
    await fs.writeFile(path.join(invalid, "config.yaml"), "gateway:\n  bogus: 1\n");
    assert.equal((await cli(["doctor"], baseEnv(invalid))).code, 1);
    assert.equal((await cli(["doctor", "--check", "nope"], baseEnv(invalid))).code, 2);
  });
});
