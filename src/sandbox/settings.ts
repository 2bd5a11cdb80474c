/**
 * Who a sandboxed command runs as and what it may consume (config
 * `tools.sandbox`, docs/sandbox.md). The defaults equal the config schema's.
 */
export interface SandboxSettings {
  /** Host uid commands run as when the gateway runs as root (never 0). */
  uid: number;
  /** Host gid commands run as when the gateway runs as root (never 0). */
  gid: number;
  /** RLIMIT_NPROC: processes of the command's user inside one sandbox. */
  maxProcesses: number;
  /** RLIMIT_AS: address space of each process, bytes. */
  maxMemoryBytes: number;
  /** RLIMIT_CPU: CPU seconds of each process (SIGXCPU, then SIGKILL a second later). */
  maxCpuSeconds: number;
  /** RLIMIT_FSIZE: largest file a command may write, bytes (SIGXFSZ). */
  maxFileBytes: number;
  /** Size of the sandbox's private /tmp (a tmpfs), bytes. */
  maxTmpBytes: number;
}

export const defaultSandboxSettings: Readonly<SandboxSettings> = Object.freeze({
  uid: 65534,
  gid: 65534,
  maxProcesses: 256,
  maxMemoryBytes: 2 * 1024 ** 3,
  maxCpuSeconds: 600,
  maxFileBytes: 1024 ** 3,
  maxTmpBytes: 256 * 1024 ** 2,
});

/** The host identity bubblewrap is started as: the configured one when the gateway is root, else the gateway's own. */
export function sandboxIdentity(settings: SandboxSettings, euid = process.geteuid?.()): { uid: number; gid: number } | undefined {
  return euid === 0 ? { uid: settings.uid, gid: settings.gid } : undefined;
}

/** `prlimit` options setting soft and hard limits (CPU: hard one second above soft, so SIGXCPU comes first). */
export function prlimitArgs(s: SandboxSettings, opts: { nproc: boolean } = { nproc: true }): string[] {
  return [
    ...(opts.nproc ? [`--nproc=${s.maxProcesses}:${s.maxProcesses}`] : []),
    `--as=${s.maxMemoryBytes}:${s.maxMemoryBytes}`,
    `--cpu=${s.maxCpuSeconds}:${s.maxCpuSeconds + 1}`,
    `--fsize=${s.maxFileBytes}:${s.maxFileBytes}`,
    "--core=0:0",
  ];
}

/** Which limit a command's exit status says it ran into (signals SIGXCPU / SIGXFSZ), if any. */
export function limitFromExit(exitCode: number): "maxCpuSeconds" | "maxFileBytes" | undefined {
  if (exitCode === 128 + 24) return "maxCpuSeconds";
  if (exitCode === 128 + 25) return "maxFileBytes";
  return undefined;
}
