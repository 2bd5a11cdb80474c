/**
 * Temp files our atomic writes leave behind when the process is killed between
 * creating and renaming them (`.paired.json.<16 hex>.tmp`,
 * `.gateway-token.<16 hex>.tmp`, the lock's own temp and stale-lock files).
 * Removed at start, while the state-directory lock is held: only names of
 * ours, only regular files (never a symlink) owned by the gateway's user, only
 * ones older than `minAgeMs` (a CLI command writing right now keeps its file).
 */
import { lstat, readdir, unlink } from "node:fs/promises";
import path from "node:path";
import { isAtomicTempName } from "./atomic-file.js";
import { LOCK_FILE } from "./state-lock.js";

/** Older than this, a temp file of ours belongs to a write that can no longer finish. */
export const STALE_TEMP_AGE_MS = 60_000;

const LOCK_LEFTOVER = new RegExp(`^${LOCK_FILE.replace(".", "\\.")}\\.([0-9a-f]{32}\\.tmp|stale-[0-9a-f]{16})$`);

export function isOurTempName(name: string): boolean {
  return isAtomicTempName(name) || LOCK_LEFTOVER.test(name);
}

/** Removes stale temp files of ours from `dirs`; returns the paths removed. */
export async function removeStaleTempFiles(dirs: readonly string[], opts: { nowMs?: number; minAgeMs?: number } = {}): Promise<string[]> {
  const now = opts.nowMs ?? Date.now();
  const minAge = opts.minAgeMs ?? STALE_TEMP_AGE_MS;
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter(isOurTempName)) {
      const file = path.join(dir, name);
      const st = await lstat(file).catch(() => undefined);
      if (!st?.isFile() || (uid !== undefined && st.uid !== uid) || now - st.mtimeMs < minAge) continue;
      await unlink(file).then(
        () => removed.push(file),
        () => undefined,
      );
    }
  }
  return removed;
}
