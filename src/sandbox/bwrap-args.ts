/**
 * The bubblewrap command line. See docs/sandbox.md for why each flag is there.
 * Every bind keeps its host path, so paths mean the same inside and outside.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { ETC_ALLOWLIST } from "./etc-allowlist.js";
import { minimalEnv } from "./minimal-env.js";
import { isWithin } from "./paths.js";

/** Top-level system directories bound read-only (or recreated as the same symlink). */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

export const SANDBOX_HOSTNAME = "clawdbot-sandbox";

export interface SandboxPlan {
  /** Real path of the workspace (bound read-write). */
  workspace: string;
  /**
   * Set when the gateway is root: bubblewrap keeps only CAP_SETUID, CAP_SETGID, CAP_SETPCAP and CAP_DAC_READ_SEARCH (to enter the workspace)
   * (no user namespace, which would map the sandbox to host root) and `argv`
   * must start with setpriv dropping to this unprivileged host uid (dropArgs).
   */
  dropTo?: { uid: number; gid: number };
  /** Size of the private /tmp (tmpfs), bytes. */
  tmpBytes: number;
  /** Real path of the working directory, inside the workspace. */
  cwd: string;
  /** Paths to mask (absolute). */
  hiddenPaths: readonly string[];
  /** Shell inside the sandbox and its arguments. */
  argv: readonly string[];
}

async function lstatOrUndefined(p: string) {
  return fs.lstat(p).catch(() => undefined);
}

async function systemMounts(): Promise<{ args: string[]; sources: string[] }> {
  const args: string[] = [];
  const sources: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const st = await lstatOrUndefined(dir);
    if (st?.isSymbolicLink()) args.push("--symlink", await fs.readlink(dir), dir);
    else if (st?.isDirectory()) {
      args.push("--ro-bind", dir, dir);
      sources.push(dir);
    }
  }
  // bwrap would create /etc like its first entry's parent, possibly 0700: unreadable to an unprivileged sandbox user.
  args.push("--perms", "0755", "--dir", "/etc");
  for (const entry of ETC_ALLOWLIST) {
    if (!(await lstatOrUndefined(entry))) continue;
    // --ro-bind-try: an entry removed since the check is skipped, not an error.
    args.push("--ro-bind-try", entry, entry);
    sources.push(entry);
  }
  return { args, sources };
}

/** Masks a hidden path that would otherwise be visible through a bind. */
async function maskArgs(hidden: string, sources: readonly string[], workspace: string): Promise<string[]> {
  const real = await fs.realpath(hidden).catch(() => undefined);
  if (real === undefined) return []; // nothing there to hide
  if (isWithin(workspace, real)) return []; // contains the workspace: only the workspace is bound
  if (!sources.some((s) => isWithin(real, s))) return []; // not visible at all
  const st = await fs.stat(real);
  return st.isDirectory() ? ["--tmpfs", real, "--remount-ro", real] : ["--ro-bind", "/dev/null", real];
}

/** setpriv: become the sandbox user with no groups, no capabilities and no way to gain privilege (setuid, file caps). */
export function dropArgs(setpriv: string, id: { uid: number; gid: number }): string[] {
  return [setpriv, `--reuid=${id.uid}`, `--regid=${id.gid}`, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--pdeathsig=SIGKILL", "--"];
}

/**
 * Creates the workspace's ancestors in the sandbox's own root as plain 0755
 * directories (empty: nothing of the host is in them). bwrap would copy the
 * host's modes, and a 0700 parent (the default ~/.clawdbot) would make the
 * workspace unreachable by path for an unprivileged sandbox user.
 */
function ancestorDirs(workspace: string, sources: readonly string[]): string[] {
  const out: string[] = [];
  for (let dir = path.dirname(workspace); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (dir === "/tmp" || sources.some((s) => isWithin(dir, s))) break; // exists already, as mounted
    out.unshift("--perms", "0755", "--dir", dir);
  }
  return out;
}

export async function buildBwrapArgs(plan: SandboxPlan): Promise<string[]> {
  const system = await systemMounts();
  const sources = [...system.sources, plan.workspace];
  const masks: string[] = [];
  for (const h of plan.hiddenPaths) masks.push(...(await maskArgs(path.resolve(h), sources, plan.workspace)));
  const env = minimalEnv(plan.workspace);
  return [
    // As root, every namespace but the user one (whose only mapping would be host root); setpriv drops the uid instead.
    ...(plan.dropTo ? ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"] : ["--unshare-all", "--unshare-user", "--disable-userns"]),
    "--die-with-parent",
    // The command is the PID namespace's init: when it exits, the kernel kills what is left, and bwrap
    // exits only after that (with bwrap's own init, it could report the exit before its namespace was empty).
    "--as-pid-1",
    "--new-session",
    "--cap-drop",
    "ALL",
    ...(plan.dropTo ? ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP", "--cap-add", "CAP_DAC_READ_SEARCH"] : []),
    "--hostname",
    SANDBOX_HOSTNAME,
    "--clearenv",
    ...Object.entries(env).flatMap(([k, v]) => ["--setenv", k, v]),
    ...system.args,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    String(plan.tmpBytes),
    "--perms",
    "1777",
    "--tmpfs",
    "/tmp",
    ...ancestorDirs(plan.workspace, system.sources),
    "--bind",
    plan.workspace,
    plan.workspace,
    ...masks,
    "--remount-ro",
    "/",
    "--chdir",
    plan.cwd,
    ...plan.argv,
  ];
}
