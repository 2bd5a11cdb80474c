/** The analysis result types shared by the analyser, the class table and the blocklist. */
import type { ArgWord } from "./words.js";

export type CommandClass = "elevated" | "destructive";

export interface RedirectInfo {
  /** The operator: `>`, `>>`, `>|`, `&>`, `&>>`, `<`, `<>`, `<&`, `>&`, `<<`, `<<-`, `<<<`. */
  op: string;
  /** The file descriptor written before the operator (`2>`), if any. */
  fd?: string;
  /** The target as written after quote removal; null when not statically known. */
  target: string | null;
}

export interface SimpleCommand {
  argv: string[];
  /** Basename of argv[0] after unwrapping (`rm`), or the word's source text when it is not static. */
  program: string;
  /** Some word is not statically known. */
  dynamic: boolean;
  /** Wrappers peeled off, outermost first (`["sudo", "env"]`). */
  wrappers: string[];
  redirects: RedirectInfo[];
  /** Effective working directory (after a literal `cd` earlier in the list), else opts.cwd. */
  cwd: string;
  /** False when a `cd` to something not static (or a conditional `cd`) preceded it: `cwd` is then only the last known one. */
  cwdKnown: boolean;
  /** The analysed words of argv (pieces, quoting, globs) for matching. */
  words: ArgWord[];
  /** Redirection targets as analysed words, parallel to `redirects`. */
  redirectWords: (ArgWord | null)[];
  /** A shell that runs a script the analyser cannot read: its stdin, a file, or a `-c` string that is not static. */
  runsInput?: boolean;
  /**
   * For `runsInput`: where the commands whose output can be that script are
   * in `CommandAnalysis.commands`, as [from, to) index ranges (earlier
   * pipeline stages; substitutions in its words and redirects).
   */
  inputFrom?: [number, number][];
}

export interface ClassReason {
  class: CommandClass;
  program: string;
  why: string;
}

export interface FunctionInfo {
  name: string;
  /** The body runs the function itself in a pipeline, in the background or in a subshell (fork pattern). */
  forksItself: boolean;
}

export interface CommandAnalysis {
  ok: boolean;
  parseError?: string;
  commands: SimpleCommand[];
  classes: CommandClass[];
  reasons: ClassReason[];
  unanalyzable: { why: string }[];
  /** Functions defined anywhere in the command line. */
  functions: FunctionInfo[];
}

export type PathExists = (absPath: string) => boolean;

/** What one invocation of a code runner (interpreters.ts) does, as far as the analyser can tell. */
export interface RunnerVerdict {
  /** Runs code the analyser cannot see: why. */
  unanalyzable?: string;
  /** Writes or replaces files named by its program or flags: why. */
  destructive?: string;
}
