import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { makeStateDir } from "../helpers/harness.js";
import { runCli, spawnGateway } from "../helpers/cli.js";

const env = (stateDir: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: stateDir, CLAWDBOT_STATE_DIR: stateDir });

describe("one gateway per state directory (issue 10.2)", () => {
  test("a second real gateway on the same state dir refuses, naming the holder's pid; after kill -9 the stale lock is recovered", async () => {
    const stateDir = path.join(await makeStateDir(), "state");
    const first = await spawnGateway(["--port", "0"], env(stateDir));
    try {
      const second = await runCli(["gateway", "--port", "0"], env(stateDir));
      assert.equal(second.code, 1, second.stderr);
      assert.match(second.stderr, new RegExp(`in use by another gateway \\(pid ${first.child.pid},`));
      assert.ok(second.stderr.includes(path.join(stateDir, "gateway.lock")));
      assert.ok(!second.stdout.includes("listening"));
    } finally {
      first.child.kill("SIGKILL");
      await first.exited;
    }
    // The audit log of the first is intact: the second never opened it.
    assert.equal((await runCli(["audit", "verify"], env(stateDir))).code, 0);

    const third = await spawnGateway(["--port", "0"], env(stateDir));
    try {
      assert.match(third.stderr(), new RegExp(`recovered a stale state-directory lock from pid ${first.child.pid} \\(its process is gone\\)`));
      // A response proves the child's event loop ran past printing the listening line (its SIGTERM handler is set).
      await (await fetch(`${third.url}/tools/invoke`)).text();
    } finally {
      third.child.kill("SIGTERM");
      assert.equal(await third.exited, 0);
    }
    await assert.rejects(fs.stat(path.join(stateDir, "gateway.lock")), /ENOENT/, "a clean stop removes the lock");
  });
});

describe("temp files of interrupted writes (issue 9.24)", () => {
  test("stale temp files of ours are removed at start; fresh ones, foreign names and symlinks are not", async () => {
    const stateDir = path.join(await makeStateDir(), "state");
    const creds = path.join(stateDir, "credentials");
    const devices = path.join(stateDir, "devices");
    await fs.mkdir(creds, { recursive: true, mode: 0o700 });
    await fs.mkdir(devices, { recursive: true, mode: 0o700 });
    const old = new Date(Date.now() - 10 * 60_000);
    const stale = [
      path.join(devices, ".paired.json.0123456789abcdef.tmp"),
      path.join(devices, ".pending.json.fedcba9876543210.tmp"),
      path.join(creds, ".gateway-token.a1b2c3d4e5f60718.tmp"),
      path.join(stateDir, `gateway.lock.${"ab".repeat(16)}.tmp`),
    ];
    const fresh = path.join(devices, ".paired.json.1111111111111111.tmp");
    const foreign = [path.join(stateDir, ".notes.tmp"), path.join(devices, "paired.json.0123456789abcdef.tmp")];
    const target = path.join(await makeStateDir(), "keep-me");
    await fs.writeFile(target, "x");
    const link = path.join(creds, ".gateway-token.2222222222222222.tmp");
    for (const f of [...stale, ...foreign]) {
      await fs.writeFile(f, "half-written");
      await fs.utimes(f, old, old);
    }
    await fs.writeFile(fresh, "being written");
    await fs.symlink(target, link);

    const gw = await spawnGateway(["--port", "0"], env(stateDir));
    try {
      assert.match(gw.stderr(), /removed 4 temp file\(s\) left by an interrupted write/);
    } finally {
      gw.child.kill("SIGTERM");
      await gw.exited;
    }
    for (const f of stale) await assert.rejects(fs.lstat(f), /ENOENT/, f);
    for (const f of [fresh, ...foreign, link, target]) await fs.lstat(f);
  });
});
