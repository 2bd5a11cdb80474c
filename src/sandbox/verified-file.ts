/**
 * Reading and atomically writing regular files through verified descriptors.
 * Refused under every policy: symbolic links appearing after resolution
 * (path_changed) and fifos, devices and sockets (special_file: opening one can
 * block or have side effects). Refused under `sandbox` only: regular files with
 * more than one hard link (hardlink), since the other name may live outside.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, promises as fs, readlinkSync } from "node:fs";
import type { Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { GatewayError } from "../core/errors.js";
import { fromFsError, isErrno, pathMistake, sandboxDenied } from "./denial.js";
import { O_PATH, checkDescriptorTarget, componentsBelowRoot, fdPath, openDirBeneath, procFdPath, verifyHandle } from "./open-beneath.js";
import { openDirBeneathSync, openEntryAtSync } from "./open-beneath-sync.js";
import type { PathScope, ResolvedPath } from "./paths.js";
import { keptOwner, ownerToInherit } from "./inherit-owner.js";

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

/**
 * Given an O_PATH descriptor (opening one has no side effects, whatever it
 * names), checks what it really is and where it really is, then reopens the
 * same inode for reading. Closes `ref`.
 */
async function reopenVerified(scope: PathScope, ref: FileHandle, given: string): Promise<OpenedFile> {
  try {
    const realPath = await verifyHandle(scope, ref, given);
    const st = await ref.stat();
    checkRegularFile(scope, st, given);
    // Re-opening the O_PATH descriptor's magic link reaches the same inode, never a new path lookup.
    const handle = await fs.open(fdPath(ref), constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
    return { handle, stat: st, realPath };
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

/**
 * Opens a resolved file for reading. Reading needs no directory walk: one
 * O_PATH | O_NOFOLLOW open of the resolved path (no side effects, and a final
 * component swapped for a symlink fails with ELOOP), then the descriptor's real
 * path is read back from /proc/self/fd and checked against the scope before any
 * byte is read. A parent swapped for a symlink meanwhile can only change which
 * inode was opened, and that inode is what gets checked.
 */
export async function openFileForRead(scope: PathScope, resolved: ResolvedPath): Promise<OpenedFile> {
  if (!resolved.exists) throw pathMistake(resolved.given, "no such file or directory");
  splitParent(scope, resolved); // refuses a path outside the scope root or naming the root itself
  const ref = await fs.open(resolved.real, O_PATH | constants.O_NOFOLLOW).catch((e: unknown) => {
    throw isErrno(e, "ELOOP") ? sandboxDenied("path_changed", resolved.given) : fromFsError(e, resolved.given);
  });
  return reopenVerified(scope, ref, resolved.given);
}

export interface OpenedFd {
  /** A raw descriptor opened read-only; the caller closes it. */
  fd: number;
  stat: Stats;
  realPath: string;
}

/**
 * The synchronous twin of openFileForRead, with exactly the same checks in the
 * same order. Four metadata system calls on a verified descriptor cost a few
 * microseconds each done synchronously, against tens of microseconds each as
 * thread-pool round trips (measured in bench/: see docs/performance.md); the
 * read tool uses it so a read costs what a read should.
 */
export function openFileForReadSync(scope: PathScope, resolved: ResolvedPath): OpenedFd {
  const given = resolved.given;
  if (!resolved.exists) throw pathMistake(given, "no such file or directory");
  splitParent(scope, resolved);
  let ref: number;
  try {
    ref = openSync(resolved.real, O_PATH | constants.O_NOFOLLOW);
  } catch (e) {
    throw isErrno(e, "ELOOP") ? sandboxDenied("path_changed", given) : fromFsError(e, given);
  }
  return reopenVerifiedSync(scope, ref, given);
}

/** reopenVerified, synchronously: checks an O_PATH descriptor, reopens its inode for reading. Closes `ref`. */
function reopenVerifiedSync(scope: PathScope, ref: number, given: string): OpenedFd {
  try {
    const realPath = checkDescriptorTarget(scope, readlinkSync(procFdPath(ref)), given);
    const st = fstatSync(ref);
    checkRegularFile(scope, st, given);
    const fd = openSync(procFdPath(ref), constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
    return { fd, stat: st, realPath };
  } catch (e) {
    throw fromFsError(e, given);
  } finally {
    closeSync(ref);
  }
}

/** Opens `name` inside an open directory for reading, verified (worker threads only: see open-beneath-sync.ts). */
export function openRegularFileAtSync(scope: PathScope, dir: number, name: string, given: string): OpenedFd {
  return reopenVerifiedSync(scope, openEntryAtSync(dir, name, given), given);
}

/** Opens a resolved directory (O_PATH) through a verified descriptor walk (worker threads only); the caller closes it. */
export function openDirectorySync(scope: PathScope, resolved: ResolvedPath): number {
  if (!resolved.exists) throw pathMistake(resolved.given, "no such file or directory");
  return openDirBeneathSync(scope, componentsBelowRoot(scope, resolved.real, resolved.given), resolved.given);
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
      const owner = existing ? keptOwner(existing) : await ownerToInherit(dir);
      if (owner) await out.chown(owner.uid, owner.gid);
      if (existing || owner) await out.chmod(mode);
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

