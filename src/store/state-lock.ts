/**
 * One gateway per state directory. Node 20 has no flock, so the lock is a file,
 * `<state>/gateway.lock`, created atomically with link(2) from a fully written
 * temp file (so it is never seen half-written) holding the owner's pid, its
 * start time as the kernel reports it (/proc/<pid>/stat field 22, to tell a
 * reused pid from the owner), the host name and a random token.
 *
 * A lock is stale when its pid is gone (ESRCH), is a zombie, is our own pid
 * (a restarted container's pid 1) without being held by this process, or runs
 * with a different kernel start time (the pid was reused). A stale lock is
 * moved aside under a unique name, checked to be the one judged stale (a live
 * lock moved by a racing starter is linked back), and removed. A lock written
 * on another host is never judged stale: the error says so. See docs/audit.md,
 * "One gateway per state directory".
 */
import { randomBytes } from "node:crypto";
import { constants, readFileSync } from "node:fs";
import { link, open, readFile, rename, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const LOCK_FILE = "gateway.lock";

export interface LockInfo {
  pid: number;
  startedAt: string;
  /** Kernel start time of the process in clock ticks since boot (Linux); null elsewhere. */
  procStart: number | null;
  host: string;
  token: string;
}

export class StateDirLockedError extends Error {
  constructor(
    message: string,
    readonly holder: LockInfo | undefined,
  ) {
    super(message);
    this.name = "StateDirLockedError";
  }
}

export interface StateDirLock {
  readonly path: string;
  /** A stale lock that was recovered on the way (for the start log). */
  readonly recovered: { pid: number; reason: string } | undefined;
  /** Removes the lock if it is still ours. */
  release(): Promise<void>;
}

/** Tokens of locks this process holds (a second gateway in the same process is refused too). */
const heldHere = new Set<string>();

/** Field 22 of /proc/<pid>/stat and the state letter; undefined when the process is gone or there is no /proc. */
export function procStat(pid: number): { start: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0] ?? "?", start: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Why a lock no longer protects anything, or undefined when its owner is running. */
export function staleReason(info: LockInfo): string | undefined {
  if (info.host !== os.hostname()) return undefined;
  if (info.pid === process.pid) return heldHere.has(info.token) ? undefined : "its pid is this process";
  if (!alive(info.pid)) return "its process is gone";
  const st = procStat(info.pid);
  if (st?.state === "Z") return "its process is a zombie";
  if (st && info.procStart !== null && st.start !== info.procStart) return "its pid now belongs to another process";
  return undefined;
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid === "number" && Number.isInteger(v.pid) && v.pid > 0 && typeof v.token === "string" && typeof v.host === "string")
      return { pid: v.pid, startedAt: String(v.startedAt), procStart: typeof v.procStart === "number" ? v.procStart : null, host: v.host, token: v.token };
  } catch {
    // fall through
  }
  return undefined;
}

async function readLock(file: string): Promise<LockInfo | undefined | "missing"> {
  try {
    return parseLock(await readFile(file, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw e;
  }
}

/** Writes our lock content to a temp file and links it into place; false when a lock exists. */
async function tryCreate(file: string, info: LockInfo): Promise<boolean> {
  const tmp = `${file}.${info.token}.tmp`;
  const fh = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(info)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP") return createExclusive(file, info); // no hard links here
    throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** For filesystems without hard links: O_EXCL create, then write (a reader may briefly see it empty). */
async function createExclusive(file: string, info: LockInfo): Promise<boolean> {
  let fh;
  try {
    fh = await open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    await fh.writeFile(`${JSON.stringify(info)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return true;
}

/** Moves a lock judged stale out of the way, unless it was replaced by a live one meanwhile. */
async function removeStale(file: string, judged: LockInfo): Promise<void> {
  const aside = `${file}.stale-${randomBytes(8).toString("hex")}`;
  try {
    await rename(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  const moved = await readLock(aside);
  if (moved !== "missing" && moved?.token !== judged.token) await link(aside, file).catch(() => {}); // someone else's fresh lock: put it back
  await unlink(aside).catch(() => {});
}

function describe(h: LockInfo): string {
  return `pid ${h.pid}${h.host !== os.hostname() ? ` on host ${h.host}` : ""}, started ${h.startedAt}`;
}

/** Takes the state directory's lock or throws StateDirLockedError naming the holder. */
export async function lockStateDir(stateDir: string, now: () => number = Date.now): Promise<StateDirLock> {
  const file = path.join(stateDir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    startedAt: new Date(now()).toISOString(),
    procStart: procStat(process.pid)?.start ?? null,
    host: os.hostname(),
    token: randomBytes(16).toString("hex"),
  };
  let recovered: { pid: number; reason: string } | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreate(file, info)) {
      heldHere.add(info.token);
      return {
        path: file,
        recovered,
        release: async () => {
          heldHere.delete(info.token);
          const cur = await readLock(file).catch(() => undefined);
          if (cur !== "missing" && cur?.token === info.token) await unlink(file).catch(() => {});
        },
      };
    }
    const holder = await readLock(file);
    if (holder === "missing") continue;
    if (holder === undefined) {
      throw new StateDirLockedError(`state directory ${stateDir} is locked by ${file}, which is not a lock this gateway wrote; if no gateway runs, remove it`, undefined);
    }
    const stale = staleReason(holder);
    if (stale === undefined) {
      const where = holder.host !== os.hostname() ? " (written on another host: it cannot be checked from here; remove it only if that gateway is stopped)" : "";
      throw new StateDirLockedError(
        `state directory ${stateDir} is in use by another gateway (${describe(holder)})${where}; stop it first, or set CLAWDBOT_STATE_DIR to another directory. Lock file: ${file}`,
        holder,
      );
    }
    await removeStale(file, holder);
    recovered = { pid: holder.pid, reason: stale };
  }
  throw new StateDirLockedError(`state directory ${stateDir}: could not take ${file} (it keeps changing)`, undefined);
}
