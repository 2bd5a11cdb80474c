/**
 * Resource limits inside the sandbox (tools.sandbox.*): each attack runs with
 * a low test limit so it stays cheap on a small CI machine, and must end
 * bounded, reported, with the host (this process) alive.
 */
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCommand } from "./bwrap.js";
import type { RunCommandOptions } from "./bwrap.js";
import { defaultSandboxSettings, limitFromExit, prlimitArgs } from "./settings.js";
import type { SandboxSettings } from "./settings.js";
import { makeTempDirs } from "./temp-workspace.js";
import type { TempDirs } from "./temp-workspace.js";

const LIMIT = 24;
/**
 * A sandbox uid of this test's own (as root): where commands cannot have a user
 * namespace each, RLIMIT_NPROC counts every process of the uid on the host, and
 * other tests' sandboxes (running in parallel as the default uid) stay out of
 * this small budget. Below 2^31: bubblewrap cannot map larger ids.
 */
const testId = 2_000_000_000 + Math.floor(Math.random() * 1_000_000);
const low: SandboxSettings = {
  ...defaultSandboxSettings,
  uid: testId,
  gid: testId,
  maxProcesses: LIMIT,
  maxMemoryBytes: 256 * 1024 ** 2,
  maxCpuSeconds: 1,
  maxFileBytes: 1024 ** 2,
  maxTmpBytes: 1024 ** 2,
};

/** Before the bomb: a fifo to wait on (`read -t` on it sleeps without forking or spinning). */
const PREPARE = "mkfifo /tmp/w && exec 9<>/tmp/w";
/** Bash builtins only (no fork): waits until the sandbox holds `want` processes or 5 s passed, then prints the most seen. */
const countProcesses = (want: number) =>
  `max=0; while (( SECONDS < 5 )); do p=(/proc/[0-9]*); n=\${#p[@]}; (( n > max )) && max=$n; (( n >= ${want} )) && break; read -t 0.02 -u 9; done; echo "max=$max"`;

describe("sandbox resource limits", () => {
  let t: TempDirs;
  let opts: (command: string, extra?: Partial<RunCommandOptions>) => RunCommandOptions;

  before(async () => {
    t = await makeTempDirs();
    opts = (command, extra = {}) => ({
      command,
      cwd: t.workspace,
      workspace: t.workspace,
      policy: "sandbox",
      timeoutMs: 30_000,
      maxOutputBytes: 64 * 1024,
      hiddenPaths: [],
      sandbox: low,
      ...extra,
    });
  });
  after(() => t.cleanup());

  it("sets every limit, soft and hard, as configured", async () => {
    const r = await runCommand(opts("ulimit -Su; ulimit -Hu; ulimit -Sv; ulimit -Hv; ulimit -St; ulimit -Sf; ulimit -Hf; df -k /tmp | tail -1"));
    const [su, hu, sv, hv, st, sf, hf, df] = r.stdout.trim().split("\n");
    assert.deepEqual([su, hu], [String(LIMIT), String(LIMIT)]);
    assert.deepEqual([sv, hv], [String(low.maxMemoryBytes / 1024), String(low.maxMemoryBytes / 1024)]);
    assert.equal(st, "1");
    assert.deepEqual([sf, hf], [String(low.maxFileBytes / 1024), String(low.maxFileBytes / 1024)]);
    assert.equal(df?.split(/\s+/)[1], String(low.maxTmpBytes / 1024));
    const raise = await runCommand(opts("ulimit -Hu 100000 && echo raised"));
    assert.doesNotMatch(raise.stdout, /raised/);
  });

  for (const bomb of ["f(){ f|f& };f", "bomb(){ bomb | bomb & }; bomb", "_(){ _ & _ & }; _"]) {
    it(`a fork bomb spelled ${JSON.stringify(bomb)} stays within maxProcesses and ends with the command`, async () => {
      const r = await runCommand(opts(`${PREPARE}\n${bomb}\n${countProcesses(LIMIT)}`, { sandbox: { ...low, maxCpuSeconds: 30 } }));
      const max = Number(/max=(\d+)/.exec(r.stdout)?.[1]);
      // Beyond the limit, for an instant: the /proc entry of a bomb process already reaped (its count
      // is released just before its entry goes). Unbounded, a bomb reaches thousands here.
      assert.ok(max >= 2 && max <= LIMIT + 4, `saw ${max} processes`);
      assert.match(r.stderr, /Resource temporarily unavailable/);
      const after = await runCommand(opts("echo alive"));
      assert.equal(after.stdout, "alive\n");
    });
  }

  it("one command's fork bomb does not starve another command of the same sandbox user", async () => {
    // Under a non-root gateway every command has its own user namespace; as root, the init takes one.
    const bomb = runCommand(
      opts(`${PREPARE}\nf(){ f|f& };f\n${countProcesses(LIMIT)}\n: > saturated\nwhile [ ! -e release ]; do read -t 0.02 -u 9; done`, {
        sandbox: { ...low, maxCpuSeconds: 30 },
      }),
    );
    for (const end = Date.now() + 30_000; !(await fs.stat(path.join(t.workspace, "saturated")).then(() => true, () => false)); ) {
      if (Date.now() > end) throw new Error("the bomb did not saturate");
      await new Promise((r) => setTimeout(r, 20));
    }
    const other = await runCommand(opts("for i in $(seq 10); do sleep 0.01 & done; wait; echo forked-ten"));
    await fs.writeFile(path.join(t.workspace, "release"), "");
    const r = await bomb;
    assert.match(r.stderr, /Resource temporarily unavailable/);
    assert.equal(other.stdout, "forked-ten\n", other.stderr);
    await fs.rm(path.join(t.workspace, "release"));
    await fs.rm(path.join(t.workspace, "saturated"));
  });

  it("a perl fork loop (thousands of processes) gets EAGAIN at maxProcesses", async () => {
    const r = await runCommand(
      opts(`perl -e 'my $n = 0; while ($n < 5000) { my $p = fork; if (!defined $p) { print "failed after $n: $!\\n"; last } if ($p == 0) { sleep 30; exit } $n++ } print "forked $n\\n"'`),
    );
    const n = Number(/failed after (\d+)/.exec(r.stdout)?.[1]);
    assert.match(r.stdout, /Resource temporarily unavailable/);
    assert.ok(n > 0 && n < LIMIT, `forked ${n}`);
  });

  it("a memory hog fails at maxMemoryBytes", async () => {
    const r = await runCommand(opts(`perl -e '$x = "a" x (1024 * 1024 * 1024); print "allocated\\n"'; x=$(head -c 600000000 /dev/zero | tr '\\0' a); echo "bash got \${#x}"`));
    assert.doesNotMatch(r.stdout, /allocated/);
    assert.doesNotMatch(r.stdout, /bash got 600000000/);
    assert.match(r.stderr, /Out of memory|cannot allocate/i);
  });

  it("a CPU spinner is stopped at maxCpuSeconds and the call says so", async () => {
    const r = await runCommand(opts("while :; do :; done"));
    assert.equal(r.timedOut, false);
    assert.equal(r.exitCode, 128 + 24);
    assert.equal(r.limitExceeded, "maxCpuSeconds");
  });

  it("a disk filler is stopped at maxFileBytes in the workspace and at maxTmpBytes in /tmp", async () => {
    const r = await runCommand(opts("head -c 5000000 /dev/zero > big"));
    assert.equal(r.limitExceeded, "maxFileBytes");
    assert.ok((await fs.stat(path.join(t.workspace, "big"))).size <= low.maxFileBytes);
    const tmp = await runCommand(opts("for i in 1 2 3; do head -c 900000 /dev/zero > /tmp/f$i || exit 9; done"));
    assert.equal(tmp.exitCode, 9);
    assert.match(tmp.stderr, /No space left on device/);
  });

  it("limitFromExit and prlimitArgs", () => {
    assert.equal(limitFromExit(152), "maxCpuSeconds");
    assert.equal(limitFromExit(153), "maxFileBytes");
    assert.equal(limitFromExit(137), undefined);
    assert.deepEqual(prlimitArgs(low), [`--nproc=${LIMIT}:${LIMIT}`, `--as=${low.maxMemoryBytes}:${low.maxMemoryBytes}`, "--cpu=1:2", "--fsize=1048576:1048576", "--core=0:0"]);
    assert.deepEqual(prlimitArgs(low, { nproc: false })[0], `--as=${low.maxMemoryBytes}:${low.maxMemoryBytes}`);
  });
});
