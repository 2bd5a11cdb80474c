/**
 * Variables whose value makes a shell or a program run code, load code, or
 * look commands up somewhere else. Assigning one (prefix `X=… cmd`, plain
 * `X=…`, declare/export/local/readonly/typeset, `env X=…`, `sudo X=…`,
 * read/mapfile/printf -v/getopts/for, a nameref to it) makes the command line
 * unanalyzable. Documented in docs/exec-security.md ("Hidden commands").
 */
/** Exact names, with why. */
const DANGEROUS: Readonly<Record<string, string>> = {
  BASH_ENV: "a new bash sources the file it names",
  ENV: "a new sh/posix shell sources the file it names",
  PS0: "prompt strings are expanded and can run command substitutions",
  PS1: "prompt strings are expanded and can run command substitutions",
  PS2: "prompt strings are expanded and can run command substitutions",
  PS3: "prompt strings are expanded and can run command substitutions",
  PS4: "`set -x` expands PS4 before every command, running its command substitutions",
  SHELLOPTS: "turns on shell options (xtrace, …) in every child shell",
  BASHOPTS: "turns on shell options (expand_aliases, extdebug, …) in every child shell",
  BASH_LOADABLES_PATH: "where `enable -f` loads builtins from",
  BASH_XTRACEFD: "redirects the xtrace output to another file descriptor",
  HISTFILE: "names a file the shell writes its history to",
  HOME: "programs read their configuration (which can run commands: git, ssh, npm) from it",
  ZDOTDIR: "zsh sources its startup files from it",
  XDG_CONFIG_HOME: "programs read their configuration (which can run commands) from it",
  XDG_CONFIG_DIRS: "programs read their configuration (which can run commands) from it",
  INPUTRC: "readline runs bindings from the file it names",
  LESSOPEN: "less runs it as a command",
  LESSCLOSE: "less runs it as a command",
  VISUAL: "programs run it as the editor",
  BROWSER: "programs run it as a command",
  NODE_OPTIONS: "node loads the modules it names (--require/--import)",
  PYTHONSTARTUP: "python runs the file it names",
  PYTHONPATH: "python imports modules from it before the standard library",
  PYTHONHOME: "python loads its standard library from it",
  PERL5OPT: "perl applies its switches (-M, -e …) to every run",
  PERL5LIB: "perl loads modules from it first",
  RUBYOPT: "ruby applies its switches (-r …) to every run",
  RUBYLIB: "ruby loads libraries from it first",
  GCONV_PATH: "glibc loads conversion modules from it",
  GIT_DIR: "git reads a repository configuration (which can run commands) from it",
  GIT_EXEC_PATH: "git runs its subcommands from it",
  GIT_TEMPLATE_DIR: "git copies hooks from it",
  GIT_EXTERNAL_DIFF: "git runs it as a command",
  GIT_SSH: "git runs it as a command",
};

/** Name patterns, with why. */
const DANGEROUS_PATTERNS: readonly [RegExp, string][] = [
  [/^BASH_FUNC_/, "imports a shell function that shadows a command in the next bash"],
  [/^LD_/, "the dynamic loader loads code into every program it starts"],
  [/_COMMAND$/, "run as a command (PROMPT_COMMAND, GIT_SSH_COMMAND, …)"],
  [/PAGER$/, "programs run it as a command"],
  [/EDITOR$/, "programs run it as a command"],
  [/ASKPASS$/, "programs run it as a command"],
  [/^GIT_CONFIG/, "git takes configuration (which can run commands) from it"],
];

/** The directories a PATH may hold before its inherited value without changing what a name runs. */
const STANDARD_DIRS = new Set(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);

/** Why assigning `name` hides code from the analyser, or null. */
export function dangerousVariable(name: string): string | null {
  const exact = DANGEROUS[name];
  if (exact !== undefined) return exact;
  for (const [re, why] of DANGEROUS_PATTERNS) if (re.test(name)) return why;
  return null;
}

/**
 * Why assigning `value` (its source text, null when unknown) to `name` hides
 * code, or null. PATH is allowed when it keeps the inherited value first
 * (`$PATH:/opt/x`) or lists only the standard system directories; anything
 * else can put another `ls` before the real one.
 */
export function dangerousAssignment(name: string, value: string | null): string | null {
  if (name !== "PATH") return dangerousVariable(name);
  const text = (value ?? "").replace(/["']/g, "");
  if (/^(\$PATH|\$\{PATH\})(:|$)/.test(text)) return null;
  if (!/[$`\\]/.test(text) && text.split(":").every((d) => STANDARD_DIRS.has(d.replace(/\/+$/, "")))) return null;
  return "PATH puts directories before the system ones: a name may run another program";
}

/** The names listed in the docs. */
export const DANGEROUS_VARIABLE_NAMES: readonly string[] = Object.keys(DANGEROUS);
export const DANGEROUS_VARIABLE_PATTERNS: readonly string[] = DANGEROUS_PATTERNS.map(([re]) => re.source);
