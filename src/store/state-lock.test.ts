import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { LOCK_FILE, StateDirLockedError, lockStateDir, procStat, type LockInfo } from "./state-lock.js";

const tmp = (): Promise<string> => mkdtemp(path.join(os.tmpdir(), "state-lock-"));

function lockOf(pid: number, over: Partial<LockInfo> = {}): string {
  return JSON.stringify({ pid, startedAt: "2024-01-01T00:00:00.000Z", procStart: procStat(pid)?.start ?? null, host: os.hostname(), token: "f".repeat(32), ...over });
}

/** A process that has exited: its pid is free. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  return child.pid as number;
}

test("a second lock on the same state dir is refused, naming the holder's pid; release frees it", async () => {
  const dir = await tmp();
  const first = await lockStateDir(dir);
  await assert.rejects(lockStateDir(dir), (e: unknown) => e instanceof StateDirLockedError && e.message.includes(`pid ${process.pid}`) && e.message.includes(path.join(dir, LOCK_FILE)));
  await first.release();
  const again = await lockStateDir(dir);
  await again.release();
  assert.deepEqual(await readdir(dir), []);
});

test("a lock held by another live process is refused", async () => {
  const dir = await tmp();
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  try {
    await writeFile(path.join(dir, LOCK_FILE), lockOf(child.pid as number));
    await assert.rejects(lockStateDir(dir), new RegExp(`in use by another gateway \\(pid ${child.pid},`));
  } finally {
    child.kill("SIGKILL");
  }
});

test("stale locks are recovered: a dead pid, a reused pid, our own pid from a previous life", async () => {
  const cases: [string, string][] = [
    [lockOf(await deadPid()), "its process is gone"],
    [lockOf(process.ppid, { procStart: (procStat(process.ppid)?.start ?? 0) + 12345 }), "its pid now belongs to another process"],
    [lockOf(process.pid), "its pid is this process"],
  ];
  for (const [content, reason] of cases) {
    const dir = await tmp();
    await writeFile(path.join(dir, LOCK_FILE), content);
    const lock = await lockStateDir(dir);
    assert.equal(lock.recovered?.reason, reason);
    assert.equal((JSON.parse(await readFile(lock.path, "utf8")) as LockInfo).pid, process.pid);
    await lock.release();
    assert.deepEqual(await readdir(dir), [], "no leftovers");
  }
});

test("a lock from another host or not written by a gateway is never taken over", async () => {
  const dir = await tmp();
  await writeFile(path.join(dir, LOCK_FILE), lockOf(await deadPid(), { host: "some-other-host" }));
  await assert.rejects(lockStateDir(dir), /on host some-other-host.*written on another host/);
  await writeFile(path.join(dir, LOCK_FILE), "garbage");
  await assert.rejects(lockStateDir(dir), /not a lock this gateway wrote/);
});

test("release leaves a lock that is not ours alone", async () => {
  const dir = await tmp();
  const lock = await lockStateDir(dir);
  const other = lockOf(process.ppid);
  await writeFile(lock.path, other);
  await lock.release();
  assert.equal(await readFile(lock.path, "utf8"), other);
});
