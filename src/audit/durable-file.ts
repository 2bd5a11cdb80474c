import { constants } from "node:fs";
import { mkdir, open, readdir, stat, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { CommitFile } from "./group-commit.js";

/** An open audit file: its handle, the group-commit view of it, and its size at open. */
export interface OpenedFile {
  fh: FileHandle;
  file: CommitFile;
  size: number;
  /** False for devices and the like: no chmod, no repair, no retention. */
  regular: boolean;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Creates the directory (0700) when it is missing; an existing one is left as it is. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await stat(dir);
  } catch {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
  }
}

/** fsync a directory so a created or renamed entry survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function commitFileOf(fh: FileHandle): CommitFile {
  return {
    async write(buf, position) {
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
        if (bytesWritten <= 0) throw new Error("short write");
        off += bytesWritten;
      }
    },
    datasync: () => fh.datasync(),
    truncate: (length) => fh.truncate(length),
  };
}

/**
 * Opens (creating 0600) the log for positional read/write. Refuses a symlink as
 * the final path component. A regular file looser than 0600 is chmod'ed.
 */
export async function openLogFile(path: string): Promise<OpenedFile> {
  const flags = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW;
  const fh = await open(path, flags, FILE_MODE);
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new Error("audit log path is a directory");
    const regular = st.isFile();
    if (regular && (st.mode & 0o777) !== FILE_MODE) await fh.chmod(FILE_MODE);
    return { fh, file: commitFileOf(fh), size: regular ? st.size : 0, regular };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Temp-file name used by retention rewrites; stale ones are removed at open. */
export function purgeTempPrefix(path: string): string {
  return `.${basename(path)}.purge-`;
}

/** Removes temp files left by a retention rewrite that crashed before its rename. */
export async function removeStaleTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = purgeTempPrefix(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => n.startsWith(prefix) && n.endsWith(".tmp")).map((n) => unlink(join(dir, n)).catch(() => {})),
  );
}
