/**
 * Inspects (and with --fix tightens) the permissions of one sensitive path.
 * Symlinks are never followed and never fixed: a link where a secret file
 * belongs may point anywhere, so it is a failure for a human to look at.
 * Fixing opens the path with O_NOFOLLOW and chmods the open handle, so a path
 * swapped for a link between the check and the fix is not touched.
 */
import { constants } from "node:fs";
import fs from "node:fs/promises";
import type { CheckName, DoctorContext, Finding } from "./types.js";

export interface ModeTarget {
  check: CheckName;
  /** Finding id for a mode problem, e.g. `credentials.file-mode`. */
  id: string;
  path: string;
  kind: "dir" | "file";
  /** Permission bits that must be clear: 0o077 for "owner only". */
  forbidden: number;
  /** What the path is, for messages: "state dir", "credential file". */
  label: string;
  /** Severity of loose bits; default fail. */
  severity?: "fail" | "warn";
  /** Extra words for the mode message (why it matters). */
  why?: string;
}

export interface ModeInspection {
  exists: boolean;
  /** Problems (and fixes) found; empty when the path is fine or absent. */
  findings: Finding[];
}

export function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

export async function inspectMode(ctx: DoctorContext, t: ModeTarget): Promise<ModeInspection> {
  let st;
  try {
    st = await fs.lstat(t.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { exists: false, findings: [] };
    return {
      exists: true,
      findings: [fail(t, `${t.check}.unreadable`, `cannot inspect the ${t.label} (${code ?? "error"})`, "check the path and its parent directories")],
    };
  }
  if (st.isSymbolicLink()) {
    return {
      exists: true,
      findings: [
        fail(t, "credentials.symlink", `the ${t.label} is a symbolic link; doctor does not follow or fix it`, `replace the link with a real ${t.kind === "dir" ? "directory" : "file"} owned by you`),
      ],
    };
  }
  if (t.kind === "dir" ? !st.isDirectory() : !st.isFile()) {
    return {
      exists: true,
      findings: [fail(t, `${t.check}.file-type`, `the ${t.label} is not a regular ${t.kind === "dir" ? "directory" : "file"}`, `remove it and let the gateway recreate it`)],
    };
  }
  const findings: Finding[] = [];
  if (ctx.uid !== undefined && st.uid !== ctx.uid) {
    findings.push(fail(t, "credentials.owner", `the ${t.label} is owned by uid ${st.uid}, not by the current user (uid ${ctx.uid})`, `chown ${ctx.uid} ${t.path}`));
  }
  const loose = st.mode & t.forbidden;
  if (loose !== 0) {
    const target = st.mode & 0o777 & ~t.forbidden;
    const fixText = `chmod ${octal(target)} ${t.path}`;
    const base = `the ${t.label} has mode ${octal(st.mode)}${t.why ? ` (${t.why})` : ""}`;
    if (ctx.fix && (await chmodNoFollow(t.path, t.kind, st.ino, target))) {
      findings.push({ check: t.check, id: t.id, status: "fixed", subject: t.path, message: `mode was ${octal(st.mode)}, now ${octal(target)}` });
    } else {
      findings.push({
        check: t.check,
        id: t.id,
        status: t.severity ?? "fail",
        subject: t.path,
        message: `${base}; group/others must have no access${ctx.fix ? " (could not fix it)" : ""}`,
        fix: `${fixText} (or clawdbot doctor --fix)`,
      });
    }
  }
  return { exists: true, findings };
}

async function chmodNoFollow(p: string, kind: "dir" | "file", ino: number, mode: number): Promise<boolean> {
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | (kind === "dir" ? constants.O_DIRECTORY : constants.O_NONBLOCK);
  let fh;
  try {
    fh = await fs.open(p, flags);
    const st = await fh.stat();
    if (st.ino !== ino) return false;
    await fh.chmod(mode);
    return true;
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

function fail(t: ModeTarget, id: string, message: string, fix: string): Finding {
  return { check: t.check, id, status: "fail", subject: t.path, message, fix };
}
