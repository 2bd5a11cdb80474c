/**
 * A descriptor-based directory walk: every directory is opened relative to its
 * already-verified parent with O_NOFOLLOW, so symbolic links are never
 * followed (a symlinked directory is reported as a `symlink` entry, not
 * entered) and a directory swapped for a link mid-walk is skipped. Entries in
 * hidden paths are skipped. Entries come in byte order of their names.
 *
 * Synchronous: it runs only inside the walk workers (run-in-worker.ts), where a
 * blocking system call blocks nobody and costs microseconds instead of a
 * thread-pool round trip (open-beneath-sync.ts).
 */
import { closeSync, readdirSync } from "node:fs";
import type { Dirent } from "node:fs";
import path from "node:path";
import { isMainThread } from "node:worker_threads";
import { procFdPath } from "../sandbox/open-beneath.js";
import { openEntryAtSync, verifyFdSync } from "../sandbox/open-beneath-sync.js";
import { isHidden } from "../sandbox/paths.js";
import type { PathScope } from "../sandbox/paths.js";

export type EntryKind = "file" | "symlink" | "other";

export interface WalkEntry {
  /** Display path: workspace-relative POSIX, or absolute outside the workspace (host policy). */
  rel: string;
  name: string;
  kind: EntryKind;
  /** The open parent directory (an O_PATH descriptor), valid during the visit only. */
  dir: number;
}

export type WalkEnd = "done" | "stopped" | "deadline";

export interface WalkOptions {
  /** Epoch ms after which the walk ends with "deadline". */
  deadline: number;
  now?: () => number;
  /** Directories deeper than this are not entered (default 64). */
  maxDepth?: number;
  /** Prunes the walk: a directory (display path) is entered only when this says so. */
  enterDir?: (rel: string) => boolean;
}

/** Returns false to end the walk ("stopped"). */
export type Visitor = (entry: WalkEntry) => boolean;

function joinDisplay(prefix: string, name: string): string {
  if (prefix === "" || prefix === ".") return name;
  return prefix.endsWith("/") ? prefix + name : `${prefix}/${name}`;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function listDir(dir: number): Dirent[] {
  try {
    return readdirSync(procFdPath(dir), { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Opens and verifies a subdirectory; undefined (skipped) when it is refused or vanished. */
function enterSub(scope: PathScope, dir: number, name: string, rel: string): { fd: number; real: string } | undefined {
  let fd: number;
  try {
    fd = openEntryAtSync(dir, name, rel, true);
  } catch {
    return undefined;
  }
  try {
    return { fd, real: verifyFdSync(scope, fd, rel) };
  } catch {
    closeSync(fd);
    return undefined;
  }
}

export function walk(scope: PathScope, start: number, startDisplay: string, visit: Visitor, opts: WalkOptions): WalkEnd {
  // Blocking system calls are fine in a worker thread, never on the gateway's event loop.
  if (isMainThread) throw new Error("the file walk runs only in a walk worker thread");
  const now = opts.now ?? Date.now;
  const maxDepth = opts.maxDepth ?? 64;
  const startReal = verifyFdSync(scope, start, startDisplay);

  const walkDir = (dir: number, dirReal: string, display: string, depth: number): WalkEnd => {
    const entries = listDir(dir);
    entries.sort((a, b) => byteOrder(a.name, b.name));
    for (const e of entries) {
      if (now() > opts.deadline) return "deadline";
      const rel = joinDisplay(display, e.name);
      const real = path.join(dirReal, e.name);
      if (isHidden(scope, real)) continue;
      if (e.isDirectory()) {
        if (depth >= maxDepth || (opts.enterDir && !opts.enterDir(rel))) continue;
        const sub = enterSub(scope, dir, e.name, rel);
        if (!sub) continue;
        try {
          const end = walkDir(sub.fd, sub.real, rel, depth + 1);
          if (end !== "done") return end;
        } finally {
          closeSync(sub.fd);
        }
        continue;
      }
      const kind: EntryKind = e.isFile() ? "file" : e.isSymbolicLink() ? "symlink" : "other";
      if (!visit({ rel, name: e.name, kind, dir })) return "stopped";
    }
    return "done";
  };

  return walkDir(start, startReal, startDisplay, 0);
}
