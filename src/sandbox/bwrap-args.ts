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

export async function buildBwrapArgs(plan: SandboxPlan): Promise<string[]> {
  const system = await systemMounts();
  const sources = [...system.sources, plan.workspace];
  const masks: string[] = [];
  for (const h of plan.hiddenPaths) masks.push(...(await maskArgs(path.resolve(h), sources, plan.workspace)));
  const env = minimalEnv(plan.workspace);
  return [
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--hostname",
    SANDBOX_HOSTNAME,
    "--clearenv",
    ...Object.entries(env).flatMap(([k, v]) => ["--setenv", k, v]),
    ...system.args,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
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
