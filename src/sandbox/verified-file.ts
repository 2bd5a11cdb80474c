/**
 * Reading and atomically writing regular files through verified descriptors.
 * Refused under every policy: symbolic links appearing after resolution
 * (path_changed) and fifos, devices and sockets (special_file: opening one can
 * block or have side effects). Refused under `sandbox` only: regular files with
 * more than one hard link (hardlink), since the other name may live outside.
 */
import { randomBytes } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import type { Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { GatewayError } from "../core/errors.js";
import { fromFsError, isErrno, pathMistake, sandboxDenied } from "./denial.js";
import { componentsBelowRoot, fdPath, openDirBeneath, openEntryAt, verifyHandle } from "./open-beneath.js";
import type { PathScope, ResolvedPath } from "./paths.js";

export interface OpenedFile {
  /** Opened read-only; the caller closes it. */
  handle: FileHandle;
  stat: Stats;
  /** Where the descriptor really points. */
  realPath: string;
}

/** Refuses anything but a plain regular file (see the module comment). */
export function checkRegularFile(scope: PathScope, st: Stats, given: string): void {
  if (st.isSymbolicLink()) throw sandboxDenied("path_changed", given);
  if (st.isDirectory()) throw pathMistake(given, "is a directory");
  if (!st.isFile()) throw sandboxDenied("special_file", given);
  if (scope.policy === "sandbox" && st.nlink > 1) throw sandboxDenied("hardlink", given);
}

/** Opens `name` inside an open directory for reading, verified. */
export async function openRegularFileAt(
  scope: PathScope,
  dir: FileHandle,
  name: string,
  given: string,
): Promise<OpenedFile> {
  const ref = await openEntryAt(dir, name, given);
  try {
    const st = await ref.stat();
    checkRegularFile(scope, st, given);
    const realPath = await verifyHandle(scope, ref, given);
    // Re-opening the O_PATH descriptor's magic link reaches the same inode, never a new path lookup.
    const handle = await fs.open(fdPath(ref), constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
    const opened = await handle.stat();
    if (opened.ino !== st.ino || opened.dev !== st.dev) {
      await handle.close();
      throw sandboxDenied("path_changed", given);
    }
    return { handle, stat: opened, realPath };
  } catch (e) {
    throw fromFsError(e, given);
  } finally {
    await ref.close();
  }
}

function splitParent(scope: PathScope, resolved: ResolvedPath): { parent: string[]; name: string } {
  const components = componentsBelowRoot(scope, resolved.real, resolved.given);
  const name = components.pop();
  if (name === undefined) throw pathMistake(resolved.given, "is a directory");
  return { parent: components, name };
}

/** Opens a resolved file for reading through a verified descriptor walk. */
export async function openFileForRead(scope: PathScope, resolved: ResolvedPath): Promise<OpenedFile> {
  if (!resolved.exists) throw pathMistake(resolved.given, "no such file or directory");
  const { parent, name } = splitParent(scope, resolved);
  const dir = await openDirBeneath(scope, parent, resolved.given);
  try {
    return await openRegularFileAt(scope, dir, name, resolved.given);
  } finally {
    await dir.close();
  }
}

/** Opens a resolved directory (O_PATH) through a verified descriptor walk. */
export async function openDirectory(scope: PathScope, resolved: ResolvedPath): Promise<FileHandle> {
  if (!resolved.exists) throw pathMistake(resolved.given, "no such file or directory");
  return openDirBeneath(scope, componentsBelowRoot(scope, resolved.real, resolved.given), resolved.given);
}

export interface AtomicWriteOptions {
  /** Refuse unless the target is still this inode (edit: nobody replaced it meanwhile). */
  expect?: { dev: number; ino: number };
}

/**
 * Writes `data` to a temp file in the verified parent directory (created if
 * missing), fsyncs it, verifies the directory again and renames over the
 * target. An existing target keeps its permission bits.
 */
export async function writeFileAtomic(
  scope: PathScope,
  resolved: ResolvedPath,
  data: Buffer,
  opts: AtomicWriteOptions = {},
): Promise<{ created: boolean }> {
  const given = resolved.given;
  const { parent, name } = splitParent(scope, resolved);
  const dir = await openDirBeneath(scope, parent, given, true);
  const tmp = `.${name.slice(0, 64)}.${randomBytes(6).toString("hex")}.tmp`;
  let tmpCreated = false;
  try {
    const existing = await fs.lstat(fdPath(dir, name)).catch((e: unknown) => {
      if (isErrno(e, "ENOENT")) return undefined;
      throw e;
    });
    if (existing) checkRegularFile(scope, existing, given);
    if (opts.expect && (existing?.ino !== opts.expect.ino || existing.dev !== opts.expect.dev)) {
      throw new GatewayError("INVALID_REQUEST", "the file changed while it was being edited; retry");
    }
    const mode = existing ? existing.mode & 0o777 : 0o666;
    const out = await fs.open(
      fdPath(dir, tmp),
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    );
    tmpCreated = true;
    try {
      if (existing) await out.chmod(mode);
      await out.writeFile(data);
      await out.sync();
    } finally {
      await out.close();
    }
    await verifyHandle(scope, dir, given);
    await fs.rename(fdPath(dir, tmp), fdPath(dir, name));
    tmpCreated = false;
    await syncDirectory(dir);
    return { created: existing === undefined };
  } catch (e) {
    if (tmpCreated) await fs.unlink(fdPath(dir, tmp)).catch(() => undefined);
    throw fromFsError(e, given);
  } finally {
    await dir.close();
  }
}

async function syncDirectory(dir: FileHandle): Promise<void> {
  const h = await fs.open(fdPath(dir), constants.O_RDONLY | constants.O_DIRECTORY).catch(() => undefined);
  if (!h) return;
  await h.sync().catch(() => undefined);
  await h.close();
}

