import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { isGatewayError } from "../core/errors.js";
import { buildBwrapArgs } from "./bwrap-args.js";
import { runCommand, sandboxStartFailure } from "./bwrap.js";
import { checkSandboxAvailable } from "./probe.js";
import { defaultSandboxSettings } from "./settings.js";
import type { RunCommandOptions } from "./bwrap.js";
import { makeTempDirs } from "./temp-workspace.js";
import type { TempDirs } from "./temp-workspace.js";

const tag = () => `clawdbot-test-${randomBytes(6).toString("hex")}`;

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/** Host processes whose command line contains `marker`. */
async function processesWith(marker: string): Promise<number> {
  let n = 0;
  for (const pid of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await fs.readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmd.includes(marker)) n++;
  }
  return n;
}

describe("runCommand", () => {
  let t: TempDirs;
  let opts: (command: string, extra?: Partial<RunCommandOptions>) => RunCommandOptions;

  before(async () => {
    t = await makeTempDirs();
    await fs.writeFile(path.join(t.outside, "secret.txt"), "OUTSIDE-SECRET");
    await fs.mkdir(path.join(t.workspace, ".state"));
    await fs.writeFile(path.join(t.workspace, ".state", "token"), "STATE-TOKEN");
    opts = (command, extra = {}) => ({
      command,
      cwd: t.workspace,
      workspace: t.workspace,
      policy: "sandbox",
      timeoutMs: 10_000,
      maxOutputBytes: 64 * 1024,
      hiddenPaths: [path.join(t.workspace, ".state")],
      ...extra,
    });
  });
  after(() => t.cleanup());

  it("runs in the workspace, which is writable, and propagates the exit code", async () => {
    const r = await runCommand(opts("pwd; echo hello > made.txt; exit 7"));
    assert.equal(r.exitCode, 7);
    assert.equal(r.stdout.trim(), t.workspace);
    assert.equal(await fs.readFile(path.join(t.workspace, "made.txt"), "utf8"), "hello\n");
  });

  it("cannot write outside the workspace; nothing appears on the host", async () => {
    const name = tag();
    const r = await runCommand(
      opts(
        `echo x > /etc/${name}; touch /root/${name}; echo x > "$HOME/../${name}"; ` +
          `echo x > ${t.outside}/${name}; mkdir /${name}; echo x > /usr/${name}; true`,
      ),
    );
    assert.equal(r.exitCode, 0);
    for (const p of [`/etc/${name}`, `/root/${name}`, path.join(t.base, name), path.join(t.outside, name), `/${name}`, `/usr/${name}`]) {
      assert.equal(await exists(p), false, `${p} appeared on the host`);
    }
  });

  it("cannot read outside the workspace, secrets of /etc, or hidden paths", async () => {
    const r = await runCommand(
      opts(
        `cat ${t.outside}/secret.txt; cat /etc/shadow; ls /root; ls /etc/ssh; cat .state/token; ` +
          `ls -A .state | wc -l; echo y > .state/new; test -r /etc/passwd && echo passwd-ok`,
      ),
    );
    assert.doesNotMatch(r.stdout, /OUTSIDE-SECRET|STATE-TOKEN|root:/);
    assert.match(r.stdout, /^0$/m, "the hidden dir must look empty");
    assert.match(r.stdout, /passwd-ok/);
    assert.equal(await exists(path.join(t.workspace, ".state", "new")), false);
  });

  it("has no network, while the same connection works from the host policy", async () => {
    let connections = 0;
    const server = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const probe = `echo > /dev/tcp/127.0.0.1/${port} && echo connected`;
      const inside = await runCommand(opts(probe));
      assert.notEqual(inside.exitCode, 0);
      assert.doesNotMatch(inside.stdout, /connected/);
      assert.equal(connections, 0);
      const host = await runCommand(opts(probe, { policy: "host" }));
      assert.equal(host.exitCode, 0);
      assert.match(host.stdout, /connected/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("passes none of the gateway's environment (sandbox and host)", async () => {
    const secret = randomBytes(16).toString("hex");
    process.env.CLAWDBOT_TEST_SECRET = secret;
    try {
      for (const policy of ["sandbox", "host"] as const) {
        const r = await runCommand(opts("env", { policy }));
        assert.doesNotMatch(r.stdout, new RegExp(secret), policy);
        assert.doesNotMatch(r.stdout, /CLAWDBOT_TEST_SECRET/, policy);
        const names = r.stdout
          .split("\n")
          .filter(Boolean)
          .map((l) => l.split("=")[0])
          .sort();
        assert.deepEqual(names, ["HOME", "LANG", "PATH", "PWD", "SHLVL", "TERM", "_"], policy);
        assert.match(r.stdout, new RegExp(`^HOME=${t.workspace}$`, "m"));
      }
    } finally {
      delete process.env.CLAWDBOT_TEST_SECRET;
    }
  });

  it("has its own PID namespace: only the sandbox's processes are visible", async () => {
    const r = await runCommand(opts("ls /proc | grep -cE '^[0-9]+$'; ps -eo comm="));
    const [count, ...comms] = r.stdout.trim().split("\n");
    assert.ok(Number(count) <= 6, `saw ${count} processes`);
    assert.ok(!comms.some((c) => c.includes("node")), comms.join(","));
  });

  it("has a private /tmp", async () => {
    const name = tag();
    const r = await runCommand(opts(`echo hi > /tmp/${name} && cat /tmp/${name}`));
    assert.equal(r.stdout, "hi\n");
    assert.equal(await exists(path.join(os.tmpdir(), name)), false);
  });

  it("kills a command at the timeout, quickly, leaving no process behind (both policies)", async () => {
    for (const policy of ["sandbox", "host"] as const) {
      const marker = `30.${Math.floor(Math.random() * 1e6)}`;
      const started = Date.now();
      const r = await runCommand(opts(`sleep ${marker}`, { policy, timeoutMs: 300 }));
      assert.equal(r.timedOut, true, policy);
      assert.notEqual(r.exitCode, 0);
      assert.ok(Date.now() - started < 5000, `${policy} took ${Date.now() - started} ms`);
      assert.equal(await processesWith(`sleep\0${marker}`), 0, `${policy}: sleep survived`);
    }
  });

  it("background jobs do not outlive the command, even in a new session or double-forked (both policies)", async () => {
    const spellings = [
      (m: string) => `sleep ${m} &`,
      (m: string) => `setsid sleep ${m} &`,
      (m: string) => `nohup setsid sleep ${m} >/dev/null 2>&1 &`,
      (m: string) => `(setsid sleep ${m} &) ; disown -a`,
      (m: string) => `setsid -f sleep ${m} </dev/null >/dev/null 2>&1`,
      (m: string) => `bash -c 'trap "" HUP TERM; exec sleep ${m}' & disown`,
    ];
    for (const policy of ["sandbox", "host"] as const) {
      for (const spell of spellings) {
        const marker = `31.${Math.floor(Math.random() * 1e6)}`;
        const r = await runCommand(opts(`${spell(marker)}\necho started`, { policy }));
        assert.equal(r.stdout, "started\n");
        assert.equal(r.timedOut, false);
        assert.equal(await processesWith(`sleep\0${marker}`), 0, `${policy}: ${spell("N")} survived`);
      }
    }
  });

  it("caps stdout and stderr separately", async () => {
    const r = await runCommand(
      opts("head -c 100000 /dev/zero | tr '\\0' a; head -c 10 /dev/zero | tr '\\0' b >&2", { maxOutputBytes: 1000 }),
    );
    assert.equal(r.stdout, "a".repeat(1000));
    assert.equal(r.stderr, "b".repeat(10));
    assert.equal(r.truncated, true);
    const small = await runCommand(opts("echo ok", { maxOutputBytes: 1000 }));
    assert.equal(small.truncated, false);
  });

  it("aborting kills the command and rejects", async () => {
    const ac = new AbortController();
    const marker = `32.${Math.floor(Math.random() * 1e6)}`;
    const run = runCommand(opts(`sleep ${marker}`, { signal: ac.signal }));
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(run, (e) => isGatewayError(e) && e.code === "UNAVAILABLE");
    assert.equal(await processesWith(`sleep\0${marker}`), 0);
  });

  it("refuses, and runs nothing, when bubblewrap is missing", async () => {
    const marker = path.join(t.workspace, tag());
    await assert.rejects(
      runCommand(opts(`touch ${marker}`, { bwrapPath: "/nonexistent/bwrap" })),
      (e) => isGatewayError(e) && e.code === "UNAVAILABLE" && /bubblewrap/.test(e.message),
    );
    assert.equal(await exists(marker), false);
    assert.deepEqual(await checkSandboxAvailable("/nonexistent/bwrap"), {
      ok: false,
      reason: "bubblewrap (bwrap) not found or not executable: /nonexistent/bwrap",
    });
    const probe = await checkSandboxAvailable();
    assert.equal(probe.ok, true, probe.reason);
    const root = process.geteuid?.() === 0;
    assert.equal(probe.facts?.uid, root ? defaultSandboxSettings.uid : process.geteuid?.());
    assert.equal(probe.facts?.dropped, root);
    assert.deepEqual(probe.facts?.limits, {
      maxProcesses: defaultSandboxSettings.maxProcesses,
      maxMemoryBytes: defaultSandboxSettings.maxMemoryBytes,
      maxCpuSeconds: defaultSandboxSettings.maxCpuSeconds,
      maxFileBytes: defaultSandboxSettings.maxFileBytes,
    });
    assert.equal(probe.facts?.sandboxUserNamespaces, false);
  });

  it("refuses a working directory outside the workspace under sandbox", async () => {
    await assert.rejects(
      runCommand(opts("true", { cwd: t.outside })),
      (e) => isGatewayError(e) && e.code === "FORBIDDEN",
    );
  });
});

describe("sandboxStartFailure", () => {
  const base = { exitCode: 1, stdout: "", stderr: "", timedOut: false, truncated: false };
  const table: [string, typeof base, string | undefined][] = [
    ["bwrap setup error", { ...base, stderr: "bwrap: No permissions to create new namespace\n" }, "bwrap: No permissions to create new namespace"],
    ["setpriv could not drop", { ...base, exitCode: 127, stderr: "setpriv: setresuid failed: Invalid argument\n" }, "setpriv: setresuid failed: Invalid argument"],
    ["command failure", { ...base, stderr: "ls: cannot access\n" }, undefined],
    ["command printed something", { ...base, stdout: "x", stderr: "bwrap: x" }, undefined],
    ["other exit code", { ...base, exitCode: 2, stderr: "bwrap: x" }, undefined],
    ["timed out", { ...base, timedOut: true, stderr: "bwrap: x" }, undefined],
  ];
  for (const [name, result, want] of table) {
    it(name, () => assert.equal(sandboxStartFailure(result), want));
  }
});

describe("buildBwrapArgs", () => {
  it("isolates everything, binds /etc selectively and masks hidden paths after the workspace", async () => {
    const t = await makeTempDirs();
    try {
      await fs.mkdir(path.join(t.workspace, "state"));
      const args = await buildBwrapArgs({
        workspace: t.workspace,
        cwd: t.workspace,
        tmpBytes: 1 << 20,
        hiddenPaths: [path.join(t.workspace, "state"), t.outside, path.join(t.workspace, "missing")],
        argv: ["/bin/sh", "-c", "true"],
      });
      for (const flag of ["--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]) {
        assert.ok(args.includes(flag), flag);
      }
      assert.equal(args[args.indexOf("--cap-drop") + 1], "ALL");
      const joined = args.join(" ");
      for (const secret of ["/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh", "/etc/ssl/private", "/etc"]) {
        assert.ok(!new RegExp(`bind(-try)? ${secret} `).test(joined), secret);
      }
      const bind = joined.indexOf(`--bind ${t.workspace} ${t.workspace}`);
      const mask = joined.indexOf(`--tmpfs ${path.join(t.workspace, "state")}`);
      assert.ok(bind > joined.indexOf("--tmpfs /tmp") && mask > bind, "mask must follow the workspace bind");
      assert.ok(!joined.includes(t.outside), "an unbound hidden path needs no mask");
      assert.ok(joined.indexOf("--remount-ro /") > mask);
      assert.deepEqual(args.slice(-3), ["/bin/sh", "-c", "true"]);
    } finally {
      await t.cleanup();
    }
  });
});
