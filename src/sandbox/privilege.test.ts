/**
 * Attacks on the host from inside the sandbox, run as whoever runs the tests
 * (root in CI): kernel knobs, setuid/setgid/file capabilities, device nodes,
 * the gateway's process. Each must fail; knobs are written with their current
 * value, so a regression changes nothing on the host.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCommand } from "./bwrap.js";
import type { RunCommandOptions } from "./bwrap.js";
import { defaultSandboxSettings } from "./settings.js";
import { makeTempDirs } from "./temp-workspace.js";
import type { TempDirs } from "./temp-workspace.js";

const isRoot = process.geteuid?.() === 0;
/** The host uid commands must run as: the configured one under root, else ours. */
const expectedUid = isRoot ? defaultSandboxSettings.uid : process.geteuid?.();

/** Every writable kernel knob tried, each written with the value it has now. */
const KNOBS = [
  "/proc/sys/kernel/core_pattern",
  "/proc/sys/kernel/core_uses_pid",
  "/proc/sys/kernel/sysrq",
  "/proc/sys/kernel/modprobe",
  "/proc/sys/vm/overcommit_memory",
  "/proc/sys/fs/protected_symlinks",
  "/proc/sys/kernel/printk",
  "/sys/kernel/mm/transparent_hugepage/enabled",
  "/sys/kernel/uevent_helper",
];

async function readHost(p: string): Promise<string | undefined> {
  return fs.readFile(p, "utf8").catch(() => undefined);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

describe("sandbox privilege (run as root in CI)", () => {
  let t: TempDirs;
  let opts: (command: string, extra?: Partial<RunCommandOptions>) => RunCommandOptions;

  before(async () => {
    t = await makeTempDirs();
    await fs.chmod(t.base, 0o700); // like ~/.clawdbot: not traversable by others
    opts = (command, extra = {}) => ({
      command,
      cwd: t.workspace,
      workspace: t.workspace,
      policy: "sandbox",
      timeoutMs: 20_000,
      maxOutputBytes: 64 * 1024,
      hiddenPaths: [],
      ...extra,
    });
  });
  after(() => t.cleanup());

  it("runs as the unprivileged sandbox uid with no capabilities and no new privileges", async () => {
    const r = await runCommand(opts("id -u; id -g; id -G; grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status"));
    const [uid, gid, groups, ...status] = r.stdout.trim().split("\n");
    assert.equal(Number(uid), expectedUid);
    assert.notEqual(Number(gid), 0);
    assert.ok(!(groups ?? "").split(" ").includes("0"), `groups: ${groups}`);
    for (const line of status) {
      if (line.startsWith("NoNewPrivs")) assert.match(line, /\t1$/);
      else assert.match(line, /\t0+$/, line);
    }
  });

  it("cannot write kernel knobs in /proc/sys, /proc/sysrq-trigger or /sys", async () => {
    const before = new Map<string, string | undefined>();
    for (const k of KNOBS) before.set(k, await readHost(k));
    const script = [
      ...KNOBS.map((k) => `v=$(cat ${k} 2>/dev/null) && printf '%s\\n' "$v" > ${k} 2>/dev/null && echo "WROTE ${k}"`),
      // The spelling, with the current value: a regression must not change the host.
      `printf '%s' "$(cat /proc/sys/kernel/core_pattern)" > /proc/sys/kernel/core_pattern 2>/dev/null && echo "WROTE core_pattern"`,
      `sysctl -w kernel.core_uses_pid="$(cat /proc/sys/kernel/core_uses_pid)" >/dev/null 2>&1 && echo "WROTE sysctl"`,
      `test -w /proc/sysrq-trigger && echo "WRITABLE sysrq-trigger"`,
      `test -w /proc/sys/vm/drop_caches && echo "WRITABLE drop_caches"`,
      `mount -t sysfs sysfs /tmp 2>/dev/null && echo "MOUNTED sysfs"`,
      `mount -t proc proc /tmp 2>/dev/null && echo "MOUNTED proc"`,
      `echo done`,
    ].join("\n");
    const r = await runCommand(opts(script));
    assert.doesNotMatch(r.stdout, /WROTE|WRITABLE|MOUNTED/);
    assert.match(r.stdout, /done/);
    for (const k of KNOBS) assert.equal(await readHost(k), before.get(k), `${k} changed on the host`);
  });

  it("leaves no setuid/setgid-root binary, file capability or device node in the workspace", async () => {
    const su = existsSync("/usr/bin/su") ? "/usr/bin/su" : "/bin/su";
    const script = [
      "cp /usr/bin/true s1 && chmod 4755 s1",
      "install -m 6755 /usr/bin/true s2",
      `cp -p ${su} s3`,
      `cp --preserve=all ${su} s4`,
      "cp /usr/bin/true s5 && chown 0:0 s5; chmod 6755 s5",
      "mkdir d && chgrp 0 d; chmod 2775 d",
      "cp /usr/bin/true c1 && setcap cap_setuid,cap_net_raw+ep c1",
      "mknod n1 c 1 3; mknod n2 b 7 0; mknod n3 c 1 1",
      "true",
    ].join("; ");
    await runCommand(opts(script));
    const entries = await walk(t.workspace);
    assert.ok(entries.length > 0);
    for (const p of entries) {
      const st = await fs.lstat(p);
      assert.ok(!st.isCharacterDevice() && !st.isBlockDevice(), `${p} is a device node`);
      if (isRoot) assert.equal(st.uid, expectedUid, `${p} owned by ${st.uid}`);
      const privileged = (st.mode & 0o4000 && st.uid === 0) || (st.mode & 0o2000 && st.gid === 0);
      assert.ok(!privileged, `${p} is setuid/setgid root (mode ${st.mode.toString(8)})`);
    }
    if (existsSync("/usr/sbin/getcap")) {
      const caps = execFileSync("/usr/sbin/getcap", ["-r", t.workspace], { encoding: "utf8" });
      assert.equal(caps.trim(), "", "a file capability was set");
    }
  });

  it("cannot gain privilege through the host's setuid programs or a user namespace of its own", async () => {
    const r = await runCommand(
      opts("su -c 'id -u' root </dev/null 2>&1; unshare -U true 2>/dev/null && echo USERNS; unshare -r id -u 2>/dev/null; nsenter -t 1 -a true 2>/dev/null && echo ENTERED; echo done"),
    );
    assert.doesNotMatch(r.stdout, /^0$/m);
    assert.doesNotMatch(r.stdout, /USERNS|ENTERED/);
    assert.match(r.stdout, /done/);
  });

  it("cannot read the gateway's environment or signal the gateway or a host process of the same uid", async () => {
    const secret = randomBytes(12).toString("hex");
    process.env.CLAWDBOT_PRIV_TEST = secret;
    // A host process running as the very uid of the sandbox: only the PID namespace protects it.
    const canary = spawn("sleep", ["60"], { stdio: "ignore", ...(isRoot ? { uid: expectedUid, gid: defaultSandboxSettings.gid } : {}) });
    try {
      const pid = process.pid;
      const r = await runCommand(
        opts(`cat /proc/${pid}/environ /proc/1/environ 2>/dev/null | tr '\\0' '\\n'; kill -9 ${pid} ${canary.pid} 1 2>/dev/null; kill -9 -1; echo not-reached`),
      );
      assert.doesNotMatch(r.stdout, new RegExp(secret));
      assert.doesNotMatch(r.stdout, /CLAWDBOT_PRIV_TEST/);
      assert.equal(canary.exitCode, null, "the host process of the sandbox uid was killed");
      assert.equal(canary.signalCode, null);
      assert.equal(process.kill(canary.pid ?? 0, 0), true);
    } finally {
      delete process.env.CLAWDBOT_PRIV_TEST;
      canary.kill("SIGKILL");
    }
  });

  it("keeps the workspace usable: reads and writes what the operator put there, and hands its root over when run as root", async () => {
    await fs.writeFile(path.join(t.workspace, "given.txt"), "from the operator\n");
    const r = await runCommand(opts('cat given.txt; echo more >> made.txt; cd "$HOME" && pwd'));
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /from the operator/);
    assert.match(r.stdout, new RegExp(`^${t.workspace}$`, "m"));
    assert.equal(await fs.readFile(path.join(t.workspace, "made.txt"), "utf8"), "more\n");
    if (isRoot) assert.equal((await fs.stat(t.workspace)).uid, expectedUid);
  });
});
