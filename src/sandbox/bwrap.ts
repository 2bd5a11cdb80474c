/**
 * Runs a shell command under policy `sandbox` (bubblewrap) or `host`
 * (unconfined, but still with a minimal environment). Under `sandbox` a
 * missing or broken bubblewrap refuses the command: there is no fallback to
 * running it unsandboxed.
 */
import { constants, promises as fs } from "node:fs";
import path from "node:path";
import { GatewayError } from "../core/errors.js";
import { buildBwrapArgs, dropArgs } from "./bwrap-args.js";
import { sandboxDenied } from "./denial.js";
import { minimalEnv } from "./minimal-env.js";
import { isWithin } from "./paths.js";
import { runProcess } from "./process-runner.js";
import type { CommandResult } from "./process-runner.js";
import { defaultSandboxSettings, limitFromExit, prlimitArgs, sandboxIdentity } from "./settings.js";
import type { SandboxSettings } from "./settings.js";

export type { CommandResult } from "./process-runner.js";

export interface RunCommandOptions {
  command: string;
  cwd: string;
  workspace: string;
  policy: "sandbox" | "host";
  timeoutMs: number;
  maxOutputBytes: number;
  hiddenPaths: string[];
  signal?: AbortSignal;
  /** Absolute path, or a bare name looked up in PATH and the usual bin dirs (default "bwrap"). */
  bwrapPath?: string;
  /** Sandbox user and resource limits (config `tools.sandbox`; default defaultSandboxSettings). */
  sandbox?: SandboxSettings;
}

const STANDARD_BIN_DIRS = ["/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin", "/sbin"];

async function isExecutableFile(p: string): Promise<boolean> {
  try {
    await fs.access(p, constants.X_OK);
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Finds the bubblewrap binary; undefined when there is none that can be executed. */
export async function findBwrap(bwrapPath = "bwrap"): Promise<string | undefined> {
  if (bwrapPath.includes("/")) {
    return (await isExecutableFile(path.resolve(bwrapPath))) ? path.resolve(bwrapPath) : undefined;
  }
  const dirs = [...(process.env.PATH ?? "").split(":").filter((d) => path.isAbsolute(d)), ...STANDARD_BIN_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, bwrapPath);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** A system program in the standard bin dirs (all visible inside the sandbox), or undefined. */
export async function findSystemProgram(name: string): Promise<string | undefined> {
  for (const dir of STANDARD_BIN_DIRS) {
    const candidate = path.join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

async function requireSystemProgram(name: string, why: string): Promise<string> {
  const found = await findSystemProgram(name);
  if (found === undefined) throw new GatewayError("UNAVAILABLE", `${name} (util-linux) is not installed; it is needed ${why}; commands are refused`);
  return found;
}

/** bash when installed, else /bin/sh (the same path exists inside the sandbox: /usr and /bin are bound). */
export async function shellPath(): Promise<string> {
  for (const candidate of ["/usr/bin/bash", "/bin/bash"]) {
    if (await isExecutableFile(candidate)) return candidate;
  }
  return "/bin/sh";
}

function unavailable(bwrapPath: string): GatewayError {
  return new GatewayError(
    "UNAVAILABLE",
    `sandbox unavailable: bubblewrap (bwrap) is not installed or not executable (${bwrapPath}); ` +
      "commands are refused rather than run unsandboxed",
  );
}

async function confinedCwd(opts: RunCommandOptions): Promise<{ workspace: string; cwd: string }> {
  let workspace: string;
  let cwd: string;
  try {
    workspace = await fs.realpath(opts.workspace);
    cwd = await fs.realpath(path.resolve(workspace, opts.cwd));
  } catch (e) {
    throw new GatewayError("UNAVAILABLE", "agent workspace is not an existing directory", { cause: e });
  }
  if (opts.policy === "sandbox" && !isWithin(cwd, workspace)) throw sandboxDenied("path_outside_workspace", opts.cwd);
  return { workspace, cwd };
}

/**
 * PID 1 of a command's PID namespace (bwrap --as-pid-1, or unshare's forked child under host): a shell that runs the command as its
 * child and exits with its status. The command so keeps ordinary signal
 * semantics (a PID 1 ignores SIGXCPU, SIGTERM, ...), orphans are reaped, and
 * when PID 1 exits the kernel kills what is left before bwrap returns.
 */
const SANDBOX_INIT = '"$0" -c "$1"\nexit $?';

/**
 * SANDBOX_INIT for a root gateway, whose bubblewrap makes no user namespace
 * (so `--disable-userns` is not available to it): once running as the sandbox
 * user, it re-enters bubblewrap ($2) with a user namespace of its own that
 * maps only that uid and forbids further ones, around everything as it is
 * (`--dev-bind / /` keeps the mounts and their read-only flags). Where the
 * sandbox user cannot make a user namespace at all, there is nothing to
 * forbid, and the command runs directly. Either way it sets RLIMIT_NPROC
 * ($3 is prlimit, $4 the limit) once inside.
 */
/** Where a bwrap binary is also visible inside the sandbox (bound read-only, or the same symlink). */
const VISIBLE_BIN_ROOTS = ["/usr", "/bin", "/sbin"];

const ROOT_SANDBOX_INIT = [
  'if "$2" --unshare-user --disable-userns --dev-bind / / -- /bin/true 2>/dev/null; then',
  '  "$2" --unshare-user --disable-userns --die-with-parent --dev-bind / / -- "$3" --nproc="$4:$4" -- "$0" -c "$1"',
  "else",
  '  "$3" --nproc="$4:$4" -- "$0" -c "$1"',
  "fi",
  "exit $?",
].join("\n");

export async function runCommand(opts: RunCommandOptions): Promise<CommandResult> {
  if (opts.command.includes("\0")) throw new GatewayError("INVALID_REQUEST", "command must not contain NUL bytes");
  const { workspace, cwd } = await confinedCwd(opts);
  const shell = await shellPath();
  const common = {
    timeoutMs: opts.timeoutMs,
    maxOutputBytes: opts.maxOutputBytes,
    env: minimalEnv(workspace),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  if (opts.policy === "host") {
    // A PID namespace whose init is the shell: when it exits, the kernel kills every process left in it (setsid or not).
    const unshare = await requireSystemProgram("unshare", "to end background jobs with the command");
    const userns = process.geteuid?.() === 0 ? [] : ["--map-current-user"];
    const args = [...userns, "--pid", "--fork", "--kill-child", "--", shell, "-c", SANDBOX_INIT, shell, opts.command];
    return runProcess({ ...common, file: unshare, args, cwd });
  }
  const requested = opts.bwrapPath ?? "bwrap";
  const bwrap = await findBwrap(requested);
  if (bwrap === undefined) throw unavailable(requested);
  const settings = opts.sandbox ?? defaultSandboxSettings;
  const prlimit = await requireSystemProgram("prlimit", "to set the sandbox's resource limits");
  const dropTo = sandboxIdentity(settings);
  const drop: string[] = [];
  if (dropTo) {
    drop.push(...dropArgs(await requireSystemProgram("setpriv", "to run sandboxed commands as an unprivileged user"), dropTo));
    await handOverWorkspace(workspace, dropTo);
  }
  // As root, RLIMIT_NPROC is set inside the command's own user namespace (ROOT_SANDBOX_INIT), where the
  // kernel counts the processes of that namespace only: one command's fork bomb does not starve the others.
  const rootInit = dropTo !== undefined && VISIBLE_BIN_ROOTS.some((d) => isWithin(bwrap, d));
  const args = await buildBwrapArgs({
    workspace,
    tmpBytes: settings.maxTmpBytes,
    cwd,
    hiddenPaths: opts.hiddenPaths,
    argv: [
      ...drop,
      prlimit,
      ...prlimitArgs(settings, { nproc: !rootInit }),
      "--",
      shell,
      "-c",
      ...(rootInit ? [ROOT_SANDBOX_INIT, shell, opts.command, bwrap, prlimit, String(settings.maxProcesses)] : [SANDBOX_INIT, shell, opts.command]),
    ],
    ...(dropTo ? { dropTo } : {}),
  });
  let result: CommandResult;
  try {
    result = await runProcess({ ...common, file: bwrap, args: ["--info-fd", "3", ...args], cwd: "/", bwrapInfoFd: true });
  } catch (e) {
    if (e instanceof GatewayError && e.message === "command could not be started") throw unavailable(requested);
    throw e;
  }
  const failure = sandboxStartFailure(result);
  if (failure !== undefined) throw new GatewayError("UNAVAILABLE", `sandbox failed to start: ${failure}`);
  const limit = limitFromExit(result.exitCode);
  return limit ? { ...result, limitExceeded: limit } : result;
}


/**
 * When the gateway is root, commands run as the sandbox user: a workspace
 * directory still owned by root (as the gateway created it) is handed to that
 * user — the directory itself, never its contents (docs/sandbox.md).
 */
async function handOverWorkspace(workspace: string, id: { uid: number; gid: number }): Promise<void> {
  const st = await fs.lstat(workspace);
  if (st.uid === 0) await fs.lchown(workspace, id.uid, id.gid);
}

/**
 * bubblewrap reports a sandbox it could not set up (no user namespaces, a bind
 * that failed) as exit code 1 with "bwrap: ..." on stderr and no output, and
 * setpriv a user it could not become as "setpriv: ..."; the command never ran.
 * Returns that message in either case.
 */
export function sandboxStartFailure(r: CommandResult): string | undefined {
  if (r.timedOut || r.stdout !== "") return undefined;
  const setup = (r.exitCode === 1 && r.stderr.startsWith("bwrap: ")) || (r.exitCode !== 0 && r.stderr.startsWith("setpriv: "));
  if (!setup) return undefined;
  return (r.stderr.split("\n")[0] ?? "").slice(0, 300);
}
