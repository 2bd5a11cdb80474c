/**
 * Bash builtins that run code given as text, or change how later commands are
 * found or run. Bash's builtins are a closed set; this table says, for each
 * one that can do either, whether the analyser reads what it runs (`trap`:
 * the action is analysed like `eval`) or gives up (unanalyzable). Builtins
 * not listed only act on data, the shell's own state that the analyser tracks
 * (cd, pushd, popd) or print. `eval`, `source`/`.`, `command`, `builtin` and
 * `exec` are in wrappers.ts / ast-walk.ts; variable names in shell-facts.ts.
 */
import type { ArgWord } from "./words.js";

export interface BuiltinVerdict {
  /** Runs code the analyser cannot see: why. */
  unanalyzable?: string;
  /** `trap ACTION SIG…`: the action, analysed as a script that may run before any later command. */
  trapAction?: ArgWord;
}

/** `shopt` options whose effect the analyser accounts for (cdable_vars: see ShellFacts). */
const SHOPT_UNDERSTOOD = new Set([
  "assoc_expand_once", "autocd", "cdable_vars", "cdspell", "checkhash", "checkjobs", "checkwinsize", "cmdhist", "compat31", "compat32", "compat40",
  "compat41", "compat42", "compat43", "compat44", "complete_fullquote", "direxpand", "dirspell", "dotglob", "execfail", "expand_aliases", "extglob",
  "extquote", "failglob", "force_fignore", "globasciiranges", "globskipdots", "globstar", "gnu_errfmt", "histappend", "histreedit", "histverify",
  "hostcomplete", "huponexit", "inherit_errexit", "interactive_comments", "lithist", "localvar_inherit", "localvar_unset", "login_shell", "mailwarn",
  "no_empty_cmd_completion", "nocasematch", "noexpand_translation", "nullglob", "patsub_replacement", "progcomp", "progcomp_alias", "promptvars",
  "restricted_shell", "shift_verbose", "sourcepath", "varredir_close", "xpg_echo",
]);

/** `set -o` names and single letters whose effect the analyser accounts for. */
const SET_UNDERSTOOD = new Set([
  "allexport", "braceexpand", "emacs", "errexit", "errtrace", "functrace", "hashall", "histexpand", "history", "ignoreeof", "interactive-comments",
  "monitor", "noclobber", "noexec", "noglob", "nolog", "notify", "nounset", "onecmd", "pipefail", "posix", "privileged", "verbose", "vi", "xtrace",
]);
const SET_LETTERS_UNDERSTOOD = "abefhmnptuvxBCEHT";

function lit(w: ArgWord | undefined): string | null {
  return w && w.literal ? w.text : null;
}

/** What a builtin invocation (after unwrapping) does that the walk must know. */
export function inspectBuiltin(name: string, args: ArgWord[]): BuiltinVerdict | null {
  switch (name) {
    case "alias":
      return args.some((w) => !w.literal || w.text.includes("=")) ? { unanalyzable: "alias definitions expand into commands the analyser does not read" } : null;
    case "hash":
      return args.some((w) => !w.literal || /^-[a-z]*p/.test(w.text)) ? { unanalyzable: "hash -p binds a command name to another program" } : null;
    case "enable":
      return args.some((w) => !w.literal || !/^-[aspn]*$/.test(w.text) || w.text.includes("n")) ? { unanalyzable: "enable loads, enables or disables builtins, changing what a name runs" } : null;
    case "complete":
    case "compgen":
      return args.some((w) => !w.literal || /^-[a-zA-Z]*C/.test(w.text)) ? { unanalyzable: `${name} -C runs a command string` } : null;
    case "mapfile":
    case "readarray":
      return args.some((w) => !w.literal || /^-[a-zA-Z]*C/.test(w.text)) ? { unanalyzable: `${name} -C runs a callback string` } : null;
    case "bind":
      return args.some((w) => !w.literal || /^-[a-zA-Z]*x/.test(w.text)) ? { unanalyzable: "bind -x runs a command string" } : null;
    case "fc":
      return args.every((w) => w.literal && /^-[lnr]+$/.test(w.text)) && args.length > 0 ? null : { unanalyzable: "fc runs commands from the history" };
    case "shopt":
      return shopt(args);
    case "set":
      return setOptions(args);
    case "trap":
      return trap(args);
  }
  return null;
}

function shopt(args: ArgWord[]): BuiltinVerdict | null {
  let changes = false;
  let setNames = false;
  for (const w of args) {
    const t = lit(w);
    if (t === null) return { unanalyzable: "shopt with an option that is not static" };
    if (/^-[a-z]*[su]/.test(t)) changes = true;
    if (/^-[a-z]*o/.test(t)) setNames = true;
    if (t.startsWith("-")) continue;
    const understood = setNames ? SET_UNDERSTOOD.has(t) : SHOPT_UNDERSTOOD.has(t);
    if (changes && !understood) return { unanalyzable: `shopt ${t} changes how later commands run in a way the analyser does not model` };
  }
  return null;
}

function setOptions(args: ArgWord[]): BuiltinVerdict | null {
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as ArgWord;
    const t = lit(w);
    if (t === null) {
      const first = w.pieces[0];
      if (first?.kind === "lit" && !/^[-+]/.test(first.text)) break;
      return { unanalyzable: "set with options that are not static" };
    }
    if (t === "--" || t === "-" || !/^[-+]/.test(t)) break;
    if (t === "-o" || t === "+o") {
      const opt = lit(args[i + 1]);
      if (args[i + 1] === undefined) continue;
      if (opt === null || !SET_UNDERSTOOD.has(opt)) return { unanalyzable: `set -o ${opt ?? "…"} changes how later commands run in a way the analyser does not model` };
      i++;
      continue;
    }
    const bad = [...t.slice(1)].find((l) => !SET_LETTERS_UNDERSTOOD.includes(l) && l !== "o");
    if (bad !== undefined) return { unanalyzable: `set -${bad} changes how later commands run in a way the analyser does not model` };
    if (t.includes("o")) {
      const opt = lit(args[i + 1]);
      if (opt !== null && !SET_UNDERSTOOD.has(opt)) return { unanalyzable: `set -o ${opt} changes how later commands run in a way the analyser does not model` };
      i++;
    }
  }
  return null;
}

/** `trap [-lp] [[ACTION] SIG…]`: a literal ACTION is analysed; `-`, `''` and listing run nothing. */
function trap(args: ArgWord[]): BuiltinVerdict | null {
  let i = 0;
  while (i < args.length && lit(args[i]) !== null && /^-[lp]+$/.test(lit(args[i]) as string)) i++;
  if (lit(args[i]) === "--") i++;
  const rest = args.slice(i);
  if (rest.length < 2) return null;
  const action = rest[0] as ArgWord;
  if (!action.literal) return { unanalyzable: "trap with an action that is not static" };
  if (action.text === "-" || action.text === "" || /^\d+$/.test(action.text)) return null;
  return { trapAction: action };
}
