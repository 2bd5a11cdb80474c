/**
 * Synchronous twins of the read side of open-beneath.ts, for worker threads
 * only (the glob/search walk workers, where a blocking system call blocks
 * nobody; never the gateway's event loop). Same checks in the same order with
 * the same refusals; descriptors are plain numbers the caller closes. Each
 * async step costs a thread-pool round trip; done synchronously the same
 * system call costs a few microseconds (docs/performance.md).
 */
import { closeSync, constants, lstatSync, openSync, readlinkSync } from "node:fs";
import type { Stats } from "node:fs";
import { fromFsError, isErrno, sandboxDenied } from "./denial.js";
import { PATH_FLAGS, checkComponent, checkDescriptorTarget, procFdPath } from "./open-beneath.js";
import type { PathScope } from "./paths.js";

/** verifyHandle: reads back where a descriptor really points and checks it against the scope. */
export function verifyFdSync(scope: PathScope, fd: number, given: string): string {
  return checkDescriptorTarget(scope, readlinkSync(procFdPath(fd)), given);
}

/** openRoot: the scope root as an O_PATH directory, checked to still be the root. */
export function openRootSync(scope: PathScope, given: string): number {
  let fd: number;
  try {
    fd = openSync(scope.root, PATH_FLAGS | constants.O_DIRECTORY);
  } catch (e) {
    throw isErrno(e, "ENOTDIR", "ELOOP", "ENOENT") ? sandboxDenied("path_changed", given) : fromFsError(e, given);
  }
  try {
    if (readlinkSync(procFdPath(fd)) !== scope.root) throw sandboxDenied("path_changed", given);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** openEntryAt: an entry of an open directory, a final symbolic link never followed. */
export function openEntryAtSync(dir: number, name: string, given: string, directory = false): number {
  try {
    return openSync(procFdPath(dir, name), PATH_FLAGS | (directory ? constants.O_DIRECTORY : 0));
  } catch (e) {
    if (directory && isErrno(e, "ENOTDIR") && lstatOrUndefined(procFdPath(dir, name))?.isSymbolicLink()) {
      throw sandboxDenied("path_changed", given);
    }
    throw fromFsError(e, given);
  }
}

/** openDirBeneath without `create`: walks `components` down from the scope root, verified. */
export function openDirBeneathSync(scope: PathScope, components: readonly string[], given: string): number {
  let cur = openRootSync(scope, given);
  try {
    for (const name of components) {
      checkComponent(name, given);
      const next = openEntryAtSync(cur, name, given, true);
      closeSync(cur);
      cur = next;
    }
    verifyFdSync(scope, cur, given);
    return cur;
  } catch (e) {
    try {
      closeSync(cur);
    } catch {
      // already closed
    }
    throw e;
  }
}
