/**
 * Crash-safe file writes for state files (pairings, credentials, ...).
 *
 * `writeFileAtomic` writes a fresh temp file next to the target (created with
 * O_EXCL and the final mode, so it is never readable by others, even briefly),
 * fsyncs it, renames it over the target and fsyncs the directory. A reader or a
 * crash therefore sees either the whole old content or the whole new content,
 * never a torn mix.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";

const TEMP_FLAGS = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY;

/** The temp-file name used for `target`; exported so tests can spot leftovers. */
export function isAtomicTempName(name: string): boolean {
  return /^\..+\.[0-9a-f]{16}\.tmp$/.test(name);
}

async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, constants.O_RDONLY);
    await fh.sync();
  } catch (err) {
    // Some platforms/filesystems cannot fsync a directory; the rename is still atomic.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EINVAL" && code !== "EPERM" && code !== "EBADF") throw err;
  } finally {
    await fh?.close();
  }
}

/** Atomically replaces `target` with `data`; the file ends up with exactly `mode`. */
export async function writeFileAtomic(target: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${randomBytes(8).toString("hex")}.tmp`);
  const fh = await open(tmp, TEMP_FLAGS, mode);
  let renamed = false;
  try {
    try {
      await fh.chmod(mode); // the umask may have removed bits we asked for
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
    renamed = true;
    await fsyncDir(dir);
  } finally {
    if (!renamed) await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Reads and parses a JSON file. Resolves undefined when the file does not
 * exist; rejects when it exists but is not valid JSON (the error names the
 * path, never the content).
 */
export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
}

/** `mkdir -p` then force the directory to mode 0700. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}
