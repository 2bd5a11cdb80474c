/**
 * The wrapper table: programs that run another command given in their
 * arguments, and how their options look (which flags take a value, how many
 * operands come before the command). Shells whose `-c` is analysed, and those
 * whose syntax is not, are listed here too.
 */

export interface WrapperSpec {
  /** Short flags that take a value (attached `-uroot` or separate `-u root`). */
  valueShort?: string;
  /** Long flags that take a separate value when written without `=`. */
  valueLong?: readonly string[];
  /** Operands consumed before the command (timeout DURATION, chroot NEWROOT). */
  skipOperands?: number;
  /** `-5` style numeric flags (nice). */
  numericFlags?: boolean;
  /** `NAME=value` operands are skipped (env). */
  assignments?: boolean;
  /** Flags whose value is the working directory of the command. */
  chdir?: readonly string[];
}

/** Generic wrappers: skip their options, the rest is the command. */
export const WRAPPERS: Readonly<Record<string, WrapperSpec>> = {
  env: { valueShort: "uCS", valueLong: ["--unset", "--chdir", "--split-string"], assignments: true, chdir: ["-C", "--chdir"] },
  command: {},
  builtin: {},
  exec: { valueShort: "a" },
  nice: { valueShort: "n", valueLong: ["--adjustment"], numericFlags: true },
  nohup: {},
  timeout: { valueShort: "ks", valueLong: ["--kill-after", "--signal"], skipOperands: 1 },
  time: { valueShort: "fo", valueLong: ["--format", "--output"] },
  stdbuf: { valueShort: "ioe", valueLong: ["--input", "--output", "--error"] },
  ionice: { valueShort: "cnpPu", valueLong: ["--class", "--classdata", "--pid", "--pgid", "--uid"] },
  setsid: {},
  sudo: {
    valueShort: "ugCDprtTUR",
    valueLong: ["--user", "--group", "--close-from", "--chdir", "--prompt", "--role", "--type", "--command-timeout", "--other-user", "--chroot", "--host"],
    chdir: ["-D", "--chdir"],
    assignments: true,
  },
  doas: { valueShort: "uC" },
  pkexec: { valueLong: ["--user"] },
  run0: {
    valueShort: "ugD",
    valueLong: ["--user", "--group", "--chdir", "--nice", "--setenv", "--property", "--unit", "--description", "--slice", "--background", "--machine"],
    chdir: ["-D", "--chdir"],
  },
  chroot: { valueLong: ["--userspec", "--groups"], skipOperands: 1 },
  nsenter: { valueShort: "tSG", valueLong: ["--target", "--setuid", "--setgid"] },
  setpriv: {
    valueLong: ["--reuid", "--regid", "--ruid", "--euid", "--rgid", "--egid", "--groups", "--inh-caps", "--ambient-caps", "--bounding-set", "--securebits", "--pdeathsig", "--selinux-label", "--apparmor-profile"],
  },
  "systemd-run": {
    valueShort: "pEMH",
    valueLong: ["--unit", "--property", "--description", "--slice", "--setenv", "--uid", "--gid", "--working-directory", "--nice", "--machine", "--host", "--service-type"],
    chdir: ["--working-directory"],
  },
  taskset: { skipOperands: 1 },
  chrt: { skipOperands: 1 },
  numactl: { valueShort: "CNmMpiP", valueLong: ["--cpunodebind", "--membind", "--preferred", "--interleave", "--physcpubind"] },
  prlimit: { valueShort: "p", valueLong: ["--pid"] },
  strace: { valueShort: "eoOpPsSuXbEI", valueLong: ["--output", "--user", "--env"] },
  ltrace: { valueShort: "eoOpsuEnAlL" },
  unbuffer: {},
  firejail: {},
  torsocks: {},
  proxychains: { valueShort: "f" },
  proxychains4: { valueShort: "f" },
  busybox: {},
  toybox: {},
  catchsegv: {},
  chronic: {},
  ifne: {},
  fakeroot: { valueShort: "lis", valueLong: ["--lib", "--faked", "-s", "-i"] },
  faketime: { skipOperands: 1 },
  "systemd-inhibit": { valueLong: ["--what", "--who", "--why", "--mode"] },
  "dbus-run-session": { valueLong: ["--config-file", "--dbus-daemon"] },
};

/** Shells whose `-c STRING` is parsed as shell and analysed recursively. */
export const SHELLS: ReadonlySet<string> = new Set(["sh", "bash", "dash", "zsh", "ksh", "mksh", "lksh", "ash", "rbash", "yash", "posh"]);
/** Shells with a different syntax: their `-c` cannot be analysed. */
export const FOREIGN_SHELLS: ReadonlySet<string> = new Set(["fish", "csh", "tcsh", "nu", "xonsh", "elvish", "pwsh", "powershell"]);
