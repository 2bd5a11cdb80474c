/**
 * THE code-runner table: programs that run code given to them (inline on
 * the command line, in a script file, from stdin, or in a container or on
 * another machine) rather than a command the analyser can unwrap.
 *
 * Code the analyser cannot see is *unanalyzable* (both `elevated` and
 * `destructive`, see docs/exec-security.md). An invocation that only prints
 * information (`python3 --version`) is nothing. For awk and sed the program
 * text IS read: only what it can do decides (`awk '{print $1}'` is nothing,
 * `awk 'BEGIN{system("…")}'` is unanalyzable, `awk '{print > "f"}'` and
 * `sed -i` are destructive).
 */
import { inspectAwk, inspectSed } from "./awk-sed.js";
import type { RunnerVerdict } from "./types.js";
import type { ArgWord } from "./words.js";

export type { RunnerVerdict };


export interface CodeRunner {
  /** Program basenames; a trailing `*` is a prefix (`python3.*`). */
  programs: readonly string[];
  /** For the docs: what makes it run unseen code. */
  runs: string;
  /** For the docs: invocations that are nothing. */
  harmless: string;
  inspect: (name: string, args: ArgWord[]) => RunnerVerdict | null;
}

// ── generic interpreters ───────────────────────────────────────────────

interface InterpreterOptions {
  /** Flags whose value is inline code (`-c`, `--eval`). */
  code?: readonly string[];
  /** Flags whose value names a module to run (`python -m`). */
  module?: readonly string[];
  /** Flags whose value is a program file (`expect -f`, `julia -L`). */
  file?: readonly string[];
  /** Other flags that take a value (attached, `=value` or the next word). */
  value?: readonly string[];
  /** Short letters whose value is only the rest of their cluster (`perl -i.bak`, `-MFoo`). */
  attached?: string;
  /** Flags that print information and exit, when no program is given. */
  info?: readonly string[];
}

/**
 * An interpreter runs inline code, a module, a program file, a script
 * operand, or its stdin. Only an information flag with none of those is
 * nothing. Options are read until the first operand or `--`.
 */
function interpreter(o: InterpreterOptions): CodeRunner["inspect"] {
  const code = o.code ?? [];
  const module = o.module ?? [];
  const file = o.file ?? [];
  const value = o.value ?? [];
  const attached = o.attached ?? "";
  const info = o.info ?? [];
  const kindOf = (flag: string): "code" | "module" | "file" | "value" | null =>
    code.includes(flag) ? "code" : module.includes(flag) ? "module" : file.includes(flag) ? "file" : value.includes(flag) ? "value" : null;
  const verdict = (name: string, kind: "code" | "module" | "file", flag: string): RunnerVerdict => ({
    unanalyzable: kind === "code" ? `${name} ${flag} runs inline code` : kind === "module" ? `${name} ${flag} runs a module` : `${name} ${flag} runs a program file`,
  });
  return (name, args) => {
    let sawInfo = false;
    for (let i = 0; i < args.length; i++) {
      const w = args[i] as ArgWord;
      if (!w.literal) return { unanalyzable: `${name} arguments are not static` };
      const t = w.text;
      if (t === "-") return { unanalyzable: `${name} reads its program from stdin` };
      if (t === "--") return { unanalyzable: i + 1 < args.length ? `${name} runs a script file` : `${name} reads its program from stdin` };
      if (info.includes(t) || (t.startsWith("-V:") && info.includes("-V"))) {
        sawInfo = true;
        continue;
      }
      if (t.startsWith("--")) {
        const eq = t.indexOf("=");
        const flag = eq < 0 ? t : t.slice(0, eq);
        const kind = kindOf(flag);
        if (kind === "code" || kind === "module" || kind === "file") return verdict(name, kind, flag);
        if (kind === "value" && eq < 0) i++;
        continue;
      }
      if (t.startsWith("-") && t.length > 1) {
        for (let j = 1; j < t.length; j++) {
          const letter = t[j] as string;
          if (attached.includes(letter)) break;
          const kind = kindOf(`-${letter}`);
          if (kind === null) continue;
          if (kind !== "value") return verdict(name, kind, `-${letter}`);
          if (j + 1 === t.length) i++;
          break;
        }
        continue;
      }
      return { unanalyzable: `${name} runs a script file` };
    }
    return sawInfo ? null : { unanalyzable: `${name} reads its program from stdin` };
  };
}

/** Runs unseen code whatever its arguments, unless they are only information flags. */
function alwaysRuns(why: string, info: readonly string[]): CodeRunner["inspect"] {
  return (name, args) => (args.length > 0 && args.every((w) => w.literal && info.includes(w.text)) ? null : { unanalyzable: `${name} ${why}` });
}

// ── remote and container runners ──────────────────────────────────────

const SSH_VALUE = "BbcDEeFIiJLlmOopQRSWw";
const SSH_LOCAL_COMMAND = /^(ProxyCommand|LocalCommand|PermitLocalCommand|KnownHostsCommand|RemoteCommand)\b/i;

function inspectSsh(name: string, args: ArgWord[]): RunnerVerdict | null {
  let noCommand = false;
  let operands = 0;
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as ArgWord;
    if (!w.literal) return { unanalyzable: `${name} arguments are not static` };
    const t = w.text;
    if (t === "-V" && args.length === 1) return null;
    if (t.startsWith("-") && t.length > 1 && operands === 0) {
      for (let j = 1; j < t.length; j++) {
        const letter = t[j] as string;
        if (letter === "N") noCommand = true;
        if (!SSH_VALUE.includes(letter)) continue;
        const v = j + 1 < t.length ? t.slice(j + 1) : (args[++i]?.text ?? "");
        if (letter === "o" && SSH_LOCAL_COMMAND.test(v)) return { unanalyzable: `${name} -o ${v.split(/[= ]/)[0] ?? ""} runs a command` };
        break;
      }
      continue;
    }
    operands++;
  }
  if (operands > 1) return { unanalyzable: `${name} runs a command on another machine` };
  if (noCommand) return null;
  return { unanalyzable: `${name} opens a remote shell that reads its stdin` };
}

/** docker/podman subcommands that only read state. Anything else runs code or changes state as root. */
const CONTAINER_READ_ONLY = new Set(["version", "info", "ps", "images", "inspect", "logs", "stats", "top", "history", "search", "events", "port", "diff", "pull", "help", "ls"]);
const CONTAINER_GROUPS = new Set(["container", "image", "volume", "network", "system", "context", "compose", "buildx", "builder", "node", "service", "stack", "plugin", "secret", "config", "manifest", "trust", "pod", "machine"]);
const CONTAINER_GROUP_READ_ONLY = new Set([...CONTAINER_READ_ONLY, "list", "df", "show", "config", "images"]);
const CONTAINER_GLOBAL_VALUE = ["-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey", "--url", "--connection", "--root", "--runroot"];

function inspectContainer(name: string, args: ArgWord[]): RunnerVerdict | null {
  const subs: string[] = [];
  for (let i = 0; i < args.length && subs.length < 2; i++) {
    const w = args[i] as ArgWord;
    if (!w.literal) return { unanalyzable: `${name} arguments are not static` };
    const t = w.text;
    if (t.startsWith("-")) {
      if (subs.length === 0 && ["--version", "-v", "--help", "-h"].includes(t)) return null;
      if (subs.length === 0 && CONTAINER_GLOBAL_VALUE.includes(t)) i++;
      continue;
    }
    subs.push(t);
    if (!CONTAINER_GROUPS.has(t)) break;
  }
  const [sub, action] = subs;
  if (sub === undefined) return null;
  if (CONTAINER_GROUPS.has(sub) ? action === undefined || CONTAINER_GROUP_READ_ONLY.has(action) : CONTAINER_READ_ONLY.has(sub)) return null;
  const what = [sub, action].filter((x) => x !== undefined && CONTAINER_GROUPS.has(sub)).join(" ") || sub;
  const runs = ["run", "exec", "create", "start", "restart", "build", "up", "attach", "debug"].includes(action ?? sub);
  return {
    unanalyzable: runs ? `${name} ${what} runs code in a container (container access is root-equivalent)` : `${name} ${what} changes state as root (container access is root-equivalent)`,
  };
}

const KUBECTL_RUNS = new Set(["exec", "run", "debug", "attach"]);
const KUBECTL_GLOBAL_VALUE = ["-n", "--namespace", "--context", "--kubeconfig", "-s", "--server", "--cluster", "--user", "--token", "--as", "--as-group", "-l", "--selector"];

function inspectKubectl(name: string, args: ArgWord[]): RunnerVerdict | null {
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as ArgWord;
    if (!w.literal) return { unanalyzable: `${name} arguments are not static` };
    if (w.text.startsWith("-")) {
      if (KUBECTL_GLOBAL_VALUE.includes(w.text)) i++;
      continue;
    }
    return KUBECTL_RUNS.has(w.text) ? { unanalyzable: `${name} ${w.text} runs a command in a cluster` } : null;
  }
  return null;
}

// ── the table ─────────────────────────────────────────────────────────

const EDITOR_INFO = ["--version", "--help", "-h"];

export const CODE_RUNNERS: readonly CodeRunner[] = [
  {
    programs: ["python", "python2", "python3", "python2.*", "python3.*", "pypy", "pypy3"],
    runs: "`-c CODE`, `-m MODULE`, a script, stdin (`-`)",
    harmless: "`--version`, `-V`, `--help`",
    inspect: interpreter({ code: ["-c"], module: ["-m"], value: ["-W", "-X", "-Q"], info: ["--version", "-V", "-VV", "--help", "-h", "-?", "--help-all", "--help-env", "--help-xoptions"] }),
  },
  {
    programs: ["perl", "perl5*"],
    runs: "`-e`/`-E CODE`, a script, stdin",
    harmless: "`-v`, `-V`, `--version`, `--help`",
    inspect: interpreter({ code: ["-e", "-E"], attached: "iIlMmx0dDC", info: ["-v", "-V", "--version", "--help", "-h"] }),
  },
  {
    programs: ["ruby", "jruby", "truffleruby"],
    runs: "`-e CODE`, a script, stdin",
    harmless: "`-v`, `--version`, `--help`",
    inspect: interpreter({ code: ["-e"], value: ["-I", "-r", "-C", "-E", "--encoding"], attached: "0FKTWx", info: ["-v", "--version", "--help", "-h"] }),
  },
  {
    programs: ["irb", "jshell", "ghci", "php-cgi"],
    runs: "always (a REPL reading stdin, or a script)",
    harmless: "`--version`, `--help`",
    inspect: alwaysRuns("runs code from stdin or a script", ["--version", "-v", "--help", "-h"]),
  },
  {
    programs: ["node", "nodejs"],
    runs: "`-e`/`--eval`, `-p`/`--print CODE`, a script, stdin (also `--test`)",
    harmless: "`-v`, `--version`, `--help`",
    inspect: interpreter({
      code: ["-e", "--eval", "-p", "--print"],
      value: ["-r", "--require", "--import", "--loader", "--experimental-loader", "--input-type", "-C", "--conditions", "--title", "--env-file", "--inspect-port", "--stack-size"],
      info: ["-v", "--version", "-h", "--help", "--v8-options"],
    }),
  },
  {
    programs: ["php", "php5*", "php7*", "php8*"],
    runs: "`-r CODE`, `-B`/`-R`/`-E CODE`, `-F FILE`, a script, stdin, `-S` server",
    harmless: "`-v`, `--version`, `-h`, `-i`, `-m`",
    inspect: interpreter({ code: ["-r", "-B", "-R", "-E", "--run", "--process-begin", "--process-code", "--process-end"], file: ["-F", "-f", "--process-file", "--file"], value: ["-c", "-d", "-z", "-t", "-S", "--php-ini", "--define", "--zend-extension", "--docroot", "--server"], info: ["-v", "--version", "-h", "--help", "-i", "--info", "-m", "--modules"] }),
  },
  {
    programs: ["lua", "luajit", "lua5*"],
    runs: "`-e CODE`, `-l LIB`, a script, stdin",
    harmless: "`-v`",
    inspect: interpreter({ code: ["-e"], module: ["-l"], info: ["-v"] }),
  },
  {
    programs: ["tclsh", "tclsh*", "wish", "wish*", "jimsh"],
    runs: "always (a script or stdin)",
    harmless: "nothing",
    inspect: alwaysRuns("runs a script or its stdin", []),
  },
  {
    programs: ["expect"],
    runs: "`-c CMDS`, `-f FILE`, a script, stdin",
    harmless: "`-v`",
    inspect: interpreter({ code: ["-c"], file: ["-f"], info: ["-v"] }),
  },
  {
    programs: ["osascript"],
    runs: "`-e CODE`, a script, stdin",
    harmless: "nothing",
    inspect: interpreter({ code: ["-e"], value: ["-l", "-s"] }),
  },
  {
    programs: ["Rscript", "R"],
    runs: "`-e EXPR`, a script, stdin",
    harmless: "`--version`, `--help`",
    inspect: interpreter({ code: ["-e"], info: ["--version", "--help", "-h"] }),
  },
  {
    programs: ["julia"],
    runs: "`-e`/`-E`/`--eval`/`--print CODE`, `-L FILE`, a script, stdin",
    harmless: "`-v`, `--version`, `--help`",
    inspect: interpreter({ code: ["-e", "-E", "--eval", "--print"], file: ["-L", "--load"], value: ["-J", "-p", "-t", "--sysimage", "--procs", "--threads"], info: ["-v", "--version", "-h", "--help"] }),
  },
  {
    programs: ["groovy", "scala", "guile", "racket", "sbcl", "clisp", "gst", "swipl", "erl", "elixir", "iex", "ocaml", "bb", "nbb"],
    runs: "inline code (`-e`/`-c`/`--eval` …), a script, stdin",
    harmless: "`--version`, `--help`",
    inspect: alwaysRuns("runs inline code, a script or its stdin", ["--version", "-version", "-v", "--help", "-h"]),
  },
  {
    programs: ["awk", "gawk", "mawk", "nawk"],
    runs: "program text with `system(`, a `|` pipe (`\"cmd\" | getline`, `print | \"cmd\"`, `|&`), `@load`/`@include`; `-f`/`-E`/`-i`/`-l FILE`, `-W exec`. Destructive: `print`/`printf` with `>`/`>>`, `-d`/`-o`/`-p`",
    harmless: "programs that only read input and print (`'{print $1}'`, `'$3 > 100'`)",
    inspect: inspectAwk,
  },
  {
    programs: ["sed", "gsed"],
    runs: "script with the `e` command or `s///e`; `-f FILE` (unless `--sandbox`); a script it does not understand. Destructive: `-i`/`--in-place`, `w`/`W FILE`, `s///w FILE`",
    harmless: "`'s/a/b/'` without `-i`; `w /dev/stdout`",
    inspect: inspectSed,
  },
  {
    programs: ["vim", "vi", "nvim", "view", "vimdiff", "ex", "ed", "emacs", "gvim"],
    runs: "always: without a terminal they read keystrokes/commands from stdin, and `-c`/`+cmd`/`--cmd`/`-S`/`--eval` run commands",
    harmless: "`--version`, `--help`",
    inspect: alwaysRuns("runs editor commands (from -c/+cmd or stdin)", EDITOR_INFO),
  },
  {
    programs: ["ssh"],
    runs: "a remote command, a remote shell reading stdin, `-o ProxyCommand=`/`LocalCommand=`",
    harmless: "`-V`; `-N` (forwarding only)",
    inspect: inspectSsh,
  },
  {
    programs: ["docker", "podman", "nerdctl"],
    runs: "`run`, `exec`, `build`, `compose up` … every subcommand that is not read-only (container access is root-equivalent)",
    harmless: "`ps`, `images`, `inspect`, `logs`, `version`, `info`, `pull`, `… ls` and other read-only subcommands",
    inspect: inspectContainer,
  },
  {
    programs: ["kubectl", "oc"],
    runs: "`exec`, `run`, `debug`, `attach`",
    harmless: "other subcommands",
    inspect: inspectKubectl,
  },
];

function matches(pattern: string, name: string): boolean {
  if (pattern.endsWith("*")) return name.startsWith(pattern.slice(0, -1)) && name.length >= pattern.length;
  return name === pattern;
}

/** The code-runner row for a program basename, or null. */
export function codeRunner(name: string): CodeRunner | null {
  return CODE_RUNNERS.find((r) => r.programs.some((p) => matches(p, name))) ?? null;
}

/** The verdict for one invocation (`args` is argv without argv[0]), or null when it is not a code runner or runs nothing unseen. */
export function inspectCodeRunner(name: string, args: ArgWord[]): RunnerVerdict | null {
  const runner = codeRunner(name);
  return runner === null ? null : runner.inspect(name, args);
}
