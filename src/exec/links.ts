/**
 * Symbolic links in the words of a command: each word that names a path gets
 * the physical path the kernel reaches (paths.ts physicalPath), read once per
 * analysis; and the rule for programs run by path.
 */
import { physicalPath, resolvePath } from "./paths.js";
import type { ReadLink } from "./paths.js";
import type { ArgWord } from "./words.js";

/** Directories a program may be run from by path without being a file the analyser cannot read. */
export const SYSTEM_BIN_DIRS: ReadonlySet<string> = new Set(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);

export class LinkResolver {
  private readonly links = new Map<string, string | null>();

  constructor(private readonly readLink: ReadLink) {}

  /**
   * The word with the path its symbolic links lead to, when that differs:
   * words that name a path (with `/`, `.`, `..`; for a glob, its literal
   * directory part), and a bare program name found as a link in a system
   * binary directory.
   */
  physical(w: ArgWord, cwd: string | null, isProgram = false): ArgWord {
    if (!w.literal) return w;
    const readLink = (abs: string): string | null => {
      if (!this.links.has(abs)) this.links.set(abs, this.readLink(abs));
      return this.links.get(abs) ?? null;
    };
    if (isProgram && !w.glob && !w.text.includes("/")) {
      for (const dir of SYSTEM_BIN_DIRS) {
        const p = readLink(`${dir}/${w.text}`) === null ? null : physicalPath(`${dir}/${w.text}`, readLink);
        if (p !== null) return { ...w, physical: p };
      }
      return w;
    }
    if (!(w.text.includes("/") || w.text === "." || w.text === "..")) return w;
    const raw = w.text.startsWith("/") ? w.text : cwd === null ? null : `${cwd}/${w.text}`;
    if (raw === null) return w;
    if (w.glob) {
      const at = raw.search(/[*?[]|@\(/);
      if (at < 0) return w;
      const cut = raw.slice(0, at).lastIndexOf("/");
      const dir = physicalPath(raw.slice(0, cut + 1), readLink);
      return dir === null ? w : { ...w, physical: dir.replace(/\/$/, "") + raw.slice(cut) };
    }
    const p = physicalPath(raw, readLink);
    return p === null || p === resolvePath(raw, "/") ? w : { ...w, physical: p };
  }
}

/** A program run by path from a system binary directory, as written (`/bin/rm`, `/proc/self/root/bin/rm`; not `./rm`). */
export function systemProgram(w: ArgWord, cwd: string | null): boolean {
  if (!w.text.startsWith("/") && cwd === null) return false;
  const abs = resolvePath(w.text, cwd ?? "/");
  return SYSTEM_BIN_DIRS.has(abs.slice(0, abs.lastIndexOf("/")) || "/");
}
