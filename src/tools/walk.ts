/**
 * A descriptor-based directory walk: every directory is opened relative to its
 * already-verified parent with O_NOFOLLOW, so symbolic links are never
 * followed (a symlinked directory is reported as a `symlink` entry, not
 * entered) and a directory swapped for a link mid-walk is skipped. Entries in
 * hidden paths are skipped. Entries come in byte order of their names.
 */
import { promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { fdPath, openEntryAt, verifyHandle } from "../sandbox/open-beneath.js";
import { isHidden } from "../sandbox/paths.js";
import type { PathScope } from "../sandbox/paths.js";

export type EntryKind = "file" | "symlink" | "other";

export interface WalkEntry {
  /** Display path: workspace-relative POSIX, or absolute outside the workspace (host policy). */
  rel: string;
  name: string;
  kind: EntryKind;
  /** The open parent directory (O_PATH), valid during the visit only. */
  dir: FileHandle;
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
export type Visitor = (entry: WalkEntry) => Promise<boolean> | boolean;

function joinDisplay(prefix: string, name: string): string {
  if (prefix === "" || prefix === ".") return name;
  return prefix.endsWith("/") ? prefix + name : `${prefix}/${name}`;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function walk(
  scope: PathScope,
  start: FileHandle,
  startDisplay: string,
  visit: Visitor,
  opts: WalkOptions,
): Promise<WalkEnd> {
  const now = opts.now ?? Date.now;
  const maxDepth = opts.maxDepth ?? 64;
  const startReal = await verifyHandle(scope, start, startDisplay);

  const walkDir = async (dir: FileHandle, dirReal: string, display: string, depth: number): Promise<WalkEnd> => {
    const entries = await fs.readdir(fdPath(dir), { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => byteOrder(a.name, b.name));
    for (const e of entries) {
      if (now() > opts.deadline) return "deadline";
      const rel = joinDisplay(display, e.name);
      const real = path.join(dirReal, e.name);
      if (isHidden(scope, real)) continue;
      if (e.isDirectory()) {
        if (depth >= maxDepth || (opts.enterDir && !opts.enterDir(rel))) continue;
        const sub = await openEntryAt(dir, e.name, rel, true).catch(() => undefined);
        if (!sub) continue;
        try {
          const subReal = await verifyHandle(scope, sub, rel).catch(() => undefined);
          if (subReal === undefined) continue;
          const end = await walkDir(sub, subReal, rel, depth + 1);
          if (end !== "done") return end;
        } finally {
          await sub.close();
        }
        continue;
      }
      const kind: EntryKind = e.isFile() ? "file" : e.isSymbolicLink() ? "symlink" : "other";
      if (!(await visit({ rel, name: e.name, kind, dir }))) return "stopped";
    }
    return "done";
  };

  return walkDir(start, startReal, startDisplay, 0);
}
