/**
 * When the gateway runs as root, sandboxed commands run as the sandbox user
 * (docs/sandbox.md). So that those commands can still change what the file
 * tools write, a file or directory the gateway creates belongs to the owner
 * of the directory it is created in, and a rewritten file keeps its owner.
 * Under any other user nothing changes hands (the kernel would refuse anyway).
 */
import type { FileHandle } from "node:fs/promises";

export interface Owner {
  uid: number;
  gid: number;
}

/** The owner a new entry in `dir` should get, or undefined when it stays the gateway's. */
export async function ownerToInherit(dir: FileHandle, euid = process.geteuid?.()): Promise<Owner | undefined> {
  if (euid !== 0) return undefined;
  const st = await dir.stat();
  return keptOwner(st, euid);
}

/** The owner of an existing entry to keep when the gateway (root) replaces it, or undefined when it is root's. */
export function keptOwner(st: { uid: number; gid: number }, euid = process.geteuid?.()): Owner | undefined {
  if (euid !== 0 || (st.uid === 0 && st.gid === 0)) return undefined;
  return { uid: st.uid, gid: st.gid };
}
