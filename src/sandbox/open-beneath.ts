/**
 * openat()-style descriptor walks, the TOCTOU defence of the file tools.
 *
 * Node has no openat(2), but on Linux `/proc/self/fd/<dirfd>/<name>` resolves
 * `<name>` inside the directory the descriptor refers to, whatever happened to
 * that directory's path since it was opened. Every component of a (symlink-free)
 * real path is opened that way with O_PATH | O_NOFOLLOW, so a component swapped
 * for a symbolic link after the check is refused instead of followed; the final
 * descriptor's real path is read back from `/proc/self/fd/<fd>` and checked
 * against the scope once more before any byte is read or written.
 */
import { constants, promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { isErrno, fromFsError, sandboxDenied } from "./denial.js";
import { assertAllowed } from "./paths.js";
import type { PathScope } from "./paths.js";
import { ownerToInherit, type Owner } from "./inherit-owner.js";

/** Linux O_PATH (x86-64, arm64): a descriptor that names a file without opening it. */
export const O_PATH = 0o10000000;
export const PATH_FLAGS = O_PATH | constants.O_NOFOLLOW;

/** The path through which a raw descriptor's target (or an entry inside it) is reached. */
export function procFdPath(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/** The path through which a descriptor's target (or an entry inside it) is reached. */
export function fdPath(handle: FileHandle, name?: string): string {
  return procFdPath(handle.fd, name);
}

/** Reads back where a descriptor really points and checks it against the scope. */
export async function verifyHandle(scope: PathScope, handle: FileHandle, given: string): Promise<string> {
  return checkDescriptorTarget(scope, await fs.readlink(fdPath(handle)), given);
}

/** Checks what `/proc/self/fd/<fd>` said a descriptor points at. */
export function checkDescriptorTarget(scope: PathScope, actual: string, given: string): string {
  if (!path.isAbsolute(actual) || actual.endsWith(" (deleted)")) throw sandboxDenied("path_changed", given);
  assertAllowed(scope, actual, given, "symlink_escape");
  return actual;
}

/** Opens the scope root as an O_PATH directory and checks it is still the root. */
export async function openRoot(scope: PathScope, given: string): Promise<FileHandle> {
  const h = await fs.open(scope.root, PATH_FLAGS | constants.O_DIRECTORY).catch((e: unknown) => {
    throw isErrno(e, "ENOTDIR", "ELOOP", "ENOENT") ? sandboxDenied("path_changed", given) : fromFsError(e, given);
  });
  try {
    if ((await fs.readlink(fdPath(h))) !== scope.root) throw sandboxDenied("path_changed", given);
    return h;
  } catch (e) {
    await h.close();
    throw e;
  }
}

/** Opens an entry of an open directory without following a final symbolic link. */
export async function openEntryAt(dir: FileHandle, name: string, given: string, directory = false): Promise<FileHandle> {
  try {
    return await fs.open(fdPath(dir, name), PATH_FLAGS | (directory ? constants.O_DIRECTORY : 0));
  } catch (e) {
    if (directory && isErrno(e, "ENOTDIR")) {
      const st = await fs.lstat(fdPath(dir, name)).catch(() => undefined);
      if (st?.isSymbolicLink()) throw sandboxDenied("path_changed", given);
    }
    throw fromFsError(e, given);
  }
}

/**
 * Gives a directory just made its inherited owner, through a descriptor: never
 * by path, since a command sharing the workspace could swap the name for a
 * hard link to a file elsewhere (which `lchown` would then re-own). Opening
 * with O_DIRECTORY | O_NOFOLLOW reaches only a directory, and directories
 * cannot be hard-linked.
 */
export async function chownNewDirectory(parent: FileHandle, name: string, owner: Owner, given: string): Promise<void> {
  const dir = await fs.open(fdPath(parent, name), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch((e: unknown) => {
    throw isErrno(e, "ELOOP", "ENOTDIR") ? sandboxDenied("path_changed", given) : fromFsError(e, given);
  });
  try {
    await dir.chown(owner.uid, owner.gid);
  } finally {
    await dir.close();
  }
}

/**
 * Walks `components` (plain names, no `.`/`..`) down from the scope root and
 * returns an O_PATH descriptor of the directory reached. With `create`,
 * missing directories are made on the way, each inside its verified parent.
 */
export async function openDirBeneath(
  scope: PathScope,
  components: readonly string[],
  given: string,
  create = false,
): Promise<FileHandle> {
  let cur = await openRoot(scope, given);
  try {
    for (const name of components) {
      checkComponent(name, given);
      if (create) {
        const made = await fs.mkdir(fdPath(cur, name)).then(
          () => true,
          (e: unknown) => {
            if (!isErrno(e, "EEXIST")) throw fromFsError(e, given);
            return false;
          },
        );
        const owner = made ? await ownerToInherit(cur) : undefined;
        if (owner) await chownNewDirectory(cur, name, owner, given);
      }
      const next = await openEntryAt(cur, name, given, true);
      await cur.close();
      cur = next;
    }
    await verifyHandle(scope, cur, given);
    return cur;
  } catch (e) {
    await cur.close().catch(() => undefined);
    throw e;
  }
}

/** A component of a descriptor walk is one plain name: never empty, `.`, `..` or containing `/`. */
export function checkComponent(name: string, given: string): void {
  if (name === "" || name === "." || name === ".." || name.includes("/")) throw sandboxDenied("path_changed", given);
}

/** Splits a real path into the components below the scope root. */
export function componentsBelowRoot(scope: PathScope, real: string, given: string): string[] {
  const rel = path.relative(scope.root, real);
  if (rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw sandboxDenied("path_outside_workspace", given);
  }
  return rel === "" ? [] : rel.split(path.sep);
}
