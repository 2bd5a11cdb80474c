/**
 * Claiming the state directory at start: create it private, take the
 * one-gateway lock (src/store/state-lock.ts), then remove temp files that
 * killed writers left behind (src/store/stale-temps.ts).
 */
import path from "node:path";
import { credentialsDir } from "../auth/credentials.js";
import { ensurePrivateDir } from "../store/atomic-file.js";
import { removeStaleTempFiles } from "../store/stale-temps.js";
import { lockStateDir, type StateDirLock } from "../store/state-lock.js";
import type { Logger } from "./logger.js";

export async function claimStateDir(stateDir: string, log: Logger): Promise<StateDirLock> {
  await ensurePrivateDir(stateDir);
  const lock = await lockStateDir(stateDir);
  if (lock.recovered) log.warn(`recovered a stale state-directory lock from pid ${lock.recovered.pid} (${lock.recovered.reason})`);
  try {
    const removed = await removeStaleTempFiles([stateDir, credentialsDir(stateDir), path.join(stateDir, "devices")]);
    if (removed.length > 0) log.info(`removed ${removed.length} temp file(s) left by an interrupted write: ${removed.map((f) => path.basename(f)).join(", ")}`);
  } catch (e) {
    await lock.release();
    throw e;
  }
  return lock;
}
