/**
 * Issue 10 item 12: the operational log through the real CLI — `--log-format json` makes every
 * stderr line a JSON object with start / listening / reload / stop events; `--log-level warn`
 * (or CLAWDBOT_LOG_LEVEL) leaves out info; a failure to start is JSON too; the token never shows.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { describe, test } from "node:test";
import { stringify } from "yaml";
import { makeStateDir } from "../helpers/harness.js";
import { runCli, spawnGateway } from "../helpers/cli.js";

const baseEnv = (stateDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: stateDir, CLAWDBOT_STATE_DIR: stateDir, ...extra });

interface LogLine {
  level: string;
  time: string;
  msg: string;
  event?: string;
  [k: string]: unknown;
}

/** Every stderr line, each of which must be one JSON object. */
function parseLines(stderr: string): LogLine[] {
  return stderr
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        return assert.fail(`stderr line is not JSON: ${l}`);
      }
    });
}

/** Resolves once a stderr line has the event (polling the child's captured output between events). */
async function untilEvent(read: () => string, event: string, exited: Promise<unknown>): Promise<LogLine> {
  let done = false;
  void exited.then(() => (done = true));
  for (;;) {
    const hit = parseLines(read()).find((l) => l.event === event);
    if (hit) return hit;
    if (done) assert.fail(`gateway exited before logging ${event}: ${read()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("clawdbot gateway --log-format json / --log-level", () => {
  test("json: every line parses; start, listening (with address), reload and stop are events with fields", async () => {
    const stateDir = await makeStateDir();
    const configPath = path.join(stateDir, "config.yaml");
    await fs.writeFile(configPath, stringify({ gateway: { rateLimit: { maxRequests: 100 } } }));
    const gw = await spawnGateway(["--port", "0", "--log-format", "json"], baseEnv(stateDir));
    try {
      const listening = await untilEvent(gw.stderr, "gateway.listening", gw.exited);
      assert.equal(listening.level, "info");
      assert.equal(listening.address, "127.0.0.1");
      assert.equal(listening.port, gw.port);
      assert.equal(listening.url, gw.url);
      assert.equal(listening.auth, "token");
      await fs.writeFile(configPath, stringify({ gateway: { rateLimit: { maxRequests: 50 } } }));
      const reload = await untilEvent(gw.stderr, "config.reload", gw.exited);
      assert.equal(reload.applied, true);
      assert.deepEqual(reload.changed, ["gateway.rateLimit.maxRequests"]);
      assert.equal(reload.file, configPath);
      gw.child.kill("SIGTERM");
      assert.equal(await gw.exited, 0, gw.stderr());
      const lines = parseLines(gw.stderr());
      const events = lines.map((l) => l.event).filter((e) => e !== undefined);
      assert.deepEqual(events, ["gateway.start", "gateway.listening", "config.reload", "gateway.stopping", "gateway.stop"]);
      const start = lines.find((l) => l.event === "gateway.start") as LogLine;
      assert.equal(start.stateDir, stateDir);
      assert.equal(start.config, configPath);
      assert.match(String(start.version), /^\d+\.\d+\.\d+/);
      assert.equal(lines.find((l) => l.event === "gateway.stopping")?.signal, "SIGTERM");
      for (const l of lines) {
        assert.ok(["info", "warn", "error"].includes(l.level), l.level);
        assert.equal(new Date(l.time).toISOString(), l.time);
        assert.equal(typeof l.msg, "string");
      }
      const token = (await fs.readFile(path.join(stateDir, "credentials", "gateway-token"), "utf8")).trim();
      assert.ok(!gw.stderr().includes(token), "the token is never logged");
    } finally {
      gw.child.kill("SIGKILL");
    }
  });

  test("CLAWDBOT_LOG_LEVEL=warn: warnings only, no info lines", async () => {
    const stateDir = await makeStateDir();
    // A missing bubblewrap is a start-up warning, so the run has something at warn to show.
    await fs.writeFile(path.join(stateDir, "config.yaml"), stringify({ tools: { exec: { bwrapPath: "/nonexistent/bwrap" } } }));
    const gw = await spawnGateway(["--port", "0", "--log-format", "json"], baseEnv(stateDir, { CLAWDBOT_LOG_LEVEL: "warn" }));
    try {
      await untilEvent(gw.stderr, "gateway.start_warning", gw.exited);
      gw.child.kill("SIGTERM");
      assert.equal(await gw.exited, 0, gw.stderr());
      const lines = parseLines(gw.stderr());
      assert.ok(lines.some((l) => l.level === "warn" && /bwrap/.test(l.msg)), gw.stderr());
      assert.deepEqual(lines.filter((l) => l.level !== "warn" && l.level !== "error"), []);
      assert.ok(!lines.some((l) => l.event === "gateway.listening" || l.event === "gateway.stop"));
    } finally {
      gw.child.kill("SIGKILL");
    }
  });

  test("--log-level silent: nothing on stderr, the readiness line still on stdout", async () => {
    const stateDir = await makeStateDir();
    const gw = await spawnGateway(["--port", "0", "--log-level", "silent"], baseEnv(stateDir));
    gw.child.kill("SIGTERM");
    assert.equal(await gw.exited, 0);
    assert.equal(gw.stderr(), "");
    assert.match(gw.stdout(), /"event":"listening"/);
  });

  test("json: a failure to start is a JSON error line naming the address; a bad level is a usage error", async () => {
    const stateDir = await makeStateDir();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    try {
      const port = (blocker.address() as net.AddressInfo).port;
      const r = await runCli(["gateway", "--port", String(port), "--log-format", "json"], baseEnv(stateDir));
      assert.equal(r.code, 1, r.stderr);
      const failed = parseLines(r.stderr).find((l) => l.event === "gateway.start_failed");
      assert.equal(failed?.level, "error");
      assert.match(String(failed?.msg), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`));
    } finally {
      blocker.close();
    }
    const bad = await runCli(["gateway", "--log-level", "verbose"], baseEnv(stateDir));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--log-level: expected one of trace, debug, info, warn, error, silent/);
    const badEnv = await runCli(["gateway"], baseEnv(stateDir, { CLAWDBOT_LOG_FORMAT: "xml" }));
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /CLAWDBOT_LOG_FORMAT: expected one of pretty, json/);
  });
});
