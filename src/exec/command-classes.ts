/**
 * THE command class table. One row per program (or program family) that
 * makes a command `elevated` (runs with more privilege) or `destructive`
 * (deletes or overwrites). Conditions are code, with the rule in words next
 * to it; docs/exec-security.md renders the same table.
 */
import { hasFlag, parseArgs } from "./flags.js";
import type { ParsedArgs } from "./flags.js";
import { CODE_RUNNERS, inspectCodeRunner } from "./interpreters.js";
import { OVERWRITE_RULES, gitDiscards } from "./overwrites.js";
import { resolvePath } from "./paths.js";
import type { ClassReason, CommandClass, PathExists, SimpleCommand } from "./types.js";
import type { ArgWord } from "./words.js";

export interface ClassCheck {
  cmd: SimpleCommand;
  args: ParsedArgs;
  /** Does this operand name an existing path? Unknown (non-static path or cwd) counts as existing. */
  exists: (word: ArgWord) => boolean;
}

export interface ClassRule {
  /** Program basenames; a trailing `*` is a prefix (`mkfs.*`). */
  programs: readonly string[];
  class: CommandClass;
  /** The condition in words ("always", "with -R", …) for the docs. */
  when: string;
  why: string;
  /** Absent: always. */
  test?: (c: ClassCheck) => boolean;
  /** A more specific reason for this command than `why`, when there is one. */
  explain?: (c: ClassCheck) => string | undefined;
}

const always = undefined;

function operandTexts(c: ClassCheck): string[] {
  return c.args.operands.map((w) => w.text);
}

/** Subcommand of git after its global options (`git -C dir push` → push). */
function gitSub(c: ClassCheck): { sub: string; rest: ArgWord[] } | null {
  const words = c.cmd.words.slice(1);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as ArgWord;
    if (!w.literal) return null;
    if (["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path"].includes(w.text)) {
      i++;
      continue;
    }
    if (w.text.startsWith("-")) continue;
    return { sub: w.text, rest: words.slice(i + 1) };
  }
  return null;
}

function gitRule(test: (sub: string, args: ParsedArgs) => boolean): (c: ClassCheck) => boolean {
  return (c) => {
    const g = gitSub(c);
    return g !== null && test(g.sub, parseArgs("git", g.rest));
  };
}

export const COMMAND_CLASS_TABLE: readonly ClassRule[] = [
  // ── elevated: runs something with more privilege or as another identity ──
  { programs: ["sudo", "sudoedit", "doas", "pkexec", "run0"], class: "elevated", when: "always", why: "runs a command as another (usually root) user", test: always },
  { programs: ["su", "runuser"], class: "elevated", when: "always", why: "switches user identity", test: always },
  { programs: ["runas"], class: "elevated", when: "always", why: "runs a program as another user", test: always },
  { programs: ["chroot"], class: "elevated", when: "always", why: "needs root; runs a command in another root", test: always },
  { programs: ["nsenter"], class: "elevated", when: "always", why: "enters other namespaces (needs privilege)", test: always },
  { programs: ["setpriv", "capsh"], class: "elevated", when: "always", why: "changes uid/gid/capabilities", test: always },
  {
    programs: ["machinectl"],
    class: "elevated",
    when: "shell or login",
    why: "opens a (root by default) shell in a machine",
    test: (c) => ["shell", "login"].includes(operandTexts(c)[0] ?? ""),
  },
  {
    programs: ["systemd-run"],
    class: "elevated",
    when: "without --user",
    why: "runs a command as a system service (root)",
    test: (c) => !hasFlag(c.args, "--user"),
  },
  // ── destructive: deletes or overwrites ──
  { programs: ["rm", "rmdir", "unlink", "srm"], class: "destructive", when: "always", why: "deletes files", test: always },
  { programs: ["shred", "wipe"], class: "destructive", when: "always", why: "overwrites file contents irrecoverably", test: always },
  { programs: ["dd"], class: "destructive", when: "always", why: "raw block copy; can overwrite files and devices", test: always },
  { programs: ["truncate"], class: "destructive", when: "always", why: "cuts file contents", test: always },
  {
    programs: ["mkfs", "mkfs.*", "mke2fs", "mkswap", "mkdosfs", "mkntfs", "wipefs", "blkdiscard"],
    class: "destructive",
    when: "always",
    why: "formats or wipes a filesystem or device",
    test: always,
  },
  { programs: ["fdisk", "sfdisk", "cfdisk", "gdisk", "sgdisk", "parted"], class: "destructive", when: "always", why: "rewrites partition tables", test: always },
  { programs: ["lvremove", "vgremove", "pvremove"], class: "destructive", when: "always", why: "removes LVM volumes", test: always },
  {
    programs: ["zfs", "zpool"],
    class: "destructive",
    when: "destroy or labelclear",
    why: "destroys a ZFS dataset or pool",
    test: (c) => ["destroy", "labelclear"].includes(operandTexts(c)[0] ?? ""),
  },
  { programs: ["find"], class: "destructive", when: "with -delete", why: "deletes every file it finds", test: (c) => hasFlag(c.args, "-delete") },
  {
    programs: ["find"],
    class: "destructive",
    when: "-fprint/-fprint0/-fprintf/-fls onto an existing file",
    why: "truncates the file it prints to",
    test: (c) => c.cmd.words.some((w, i) => w.literal && FIND_FILE_OUTPUTS.has(w.text) && c.cmd.words[i + 1] !== undefined && c.exists(c.cmd.words[i + 1] as ArgWord)),
  },
  {
    programs: ["git"],
    class: "destructive",
    when: "clean -f; reset --hard; push --force/-f/--force-with-lease/--mirror/--delete or +refspec; branch -D; stash drop|clear",
    why: "discards work or rewrites history",
    test: gitRule((sub, a) => {
      const ops = a.operands.map((w) => w.text);
      if (sub === "clean") return hasFlag(a, "--force");
      if (sub === "reset") return hasFlag(a, "--hard");
      if (sub === "push") {
        return hasFlag(a, "--force", "--force-with-lease", "--force-if-includes", "--mirror", "--delete", "-d") || ops.some((o) => o.startsWith("+") || o.startsWith(":"));
      }
      if (sub === "branch") return hasFlag(a, "-D") || (hasFlag(a, "--delete", "-d") && hasFlag(a, "--force"));
      if (sub === "stash") return ["drop", "clear"].includes(ops[0] ?? "");
      return false;
    }),
  },
  {
    programs: ["git"],
    class: "destructive",
    when: "checkout with `--`, `.`, -f or -p; restore (not only --staged); rm (not --cached); switch -f/--discard-changes",
    why: "discards uncommitted changes in the working tree",
    test: (c) => {
      const g = gitSub(c);
      return g !== null && gitDiscards(g.sub, g.rest);
    },
  },
  ...OVERWRITE_RULES,
  {
    programs: ["tee"],
    class: "destructive",
    when: "without -a, onto an existing file",
    why: "overwrites an existing file",
    test: (c) => !hasFlag(c.args, "-a") && c.args.operands.some((w) => c.exists(w)),
  },
  {
    programs: ["chmod", "chown", "chgrp"],
    class: "destructive",
    when: "with -R",
    why: "recursive permission/ownership change is not undoable",
    test: (c) => hasFlag(c.args, "-R"),
  },
  { programs: ["rsync"], class: "destructive", when: "with --delete*/--remove-source-files", why: "deletes files", test: (c) => [...c.args.flags].some((f) => /^--(delete|del\b|remove-source-files)/.test(f)) },
  { programs: ["crontab"], class: "destructive", when: "with -r", why: "removes the crontab", test: (c) => hasFlag(c.args, "-r") },
  {
    programs: CODE_RUNNERS.flatMap((r) => r.programs),
    class: "destructive",
    when: "its program or flags write files: awk `print >`/`>>`, `-o`/`-p`/`-d`; sed `-i`, `w`, `s///w` (see the code-runner table)",
    why: "its program writes or edits files",
    test: (c) => inspectCodeRunner(c.cmd.program, c.cmd.words.slice(1))?.destructive !== undefined,
    explain: (c) => inspectCodeRunner(c.cmd.program, c.cmd.words.slice(1))?.destructive,
  },
];

/** find primaries that truncate the file named after them. */
const FIND_FILE_OUTPUTS = new Set(["-fprint", "-fprint0", "-fprintf", "-fls"]);

/** Device paths that are safe redirect targets. */
const HARMLESS_DEVICES = /^\/dev\/(null|zero|full|random|urandom|tty|pts\/\d+)$/;
/**
 * The standard streams by path. Opening them opens whatever the descriptor
 * points at (with `>` truncating it): harmless while they are the tool's
 * pipes, not once the script pointed a descriptor at a file (`exec 1>>f`,
 * `3>f`); `/dev/fd/N` for N > 2 and `/proc/…/fd/N` are always some file.
 */
const STD_STREAMS = /^\/dev\/(stdin|stdout|stderr|fd\/[012])$/;
/** Block devices and memory: writing there destroys data whatever the operator. */
const BLOCK_DEVICES = /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|loop|md|dm-|sr|mapper\/|disk\/|mem$|kmem$|port$)/;
/** Operators that truncate their target. */
const OVERWRITE_OPS = new Set([">", ">|", "&>", "<>"]);
const WRITE_OPS = new Set([">", ">|", "&>", ">>", "&>>", "<>"]);

function ruleApplies(rule: ClassRule, program: string): boolean {
  return rule.programs.some((p) => (p.endsWith("*") ? program.startsWith(p.slice(0, -1)) : program === p));
}

/** Classifies one simple command. Unanalyzable commands are handled by the analyser (both classes). */
export function classifyCommand(cmd: SimpleCommand, pathExists: PathExists, opts: { fdsToFiles?: boolean } = {}): { classes: CommandClass[]; reasons: ClassReason[] } {
  const reasons: ClassReason[] = [];
  const resolve = (word: ArgWord): string | null => {
    if (!word.literal || word.glob) return null;
    if (word.text.startsWith("/")) return resolvePath(word.text, "/");
    return cmd.cwdKnown ? resolvePath(word.text, cmd.cwd) : null;
  };
  const exists = (word: ArgWord): boolean => {
    const p = resolve(word);
    if (p !== null && HARMLESS_DEVICES.test(p)) return false;
    if (p !== null && STD_STREAMS.test(p)) return opts.fdsToFiles === true;
    return p === null || pathExists(p) || (word.physical !== undefined && pathExists(word.physical));
  };
  const check: ClassCheck = { cmd, args: parseArgs(cmd.program, cmd.words.slice(1)), exists };
  for (const w of cmd.wrappers) {
    for (const rule of COMMAND_CLASS_TABLE) {
      // A wrapper that ran a command is elevated by name (its conditions are about its own flags, settled by unwrap).
      if (rule.class === "elevated" && ruleApplies(rule, w)) reasons.push({ class: "elevated", program: w, why: rule.why });
    }
  }
  // A program reached through a symbolic link is also classified as what the link leads to (`./x` → /bin/rm).
  const viaLink = cmd.words[0]?.physical?.split("/").pop();
  for (const rule of COMMAND_CLASS_TABLE) {
    if (!ruleApplies(rule, cmd.program) && !(viaLink !== undefined && ruleApplies(rule, viaLink))) continue;
    if (rule.test === undefined || rule.test(check)) reasons.push({ class: rule.class, program: cmd.program, why: rule.explain?.(check) ?? rule.why });
  }
  cmd.redirects.forEach((r, i) => {
    const word = cmd.redirectWords[i] ?? null;
    const isFileDup = r.op === ">&" && word !== null && !(word.literal && /^(\d+|-)$/.test(word.text));
    if (!WRITE_OPS.has(r.op) && !isFileDup) return;
    const lexical = word === null ? null : resolve(word);
    const target = word?.physical !== undefined && lexical !== null && BLOCK_DEVICES.test(word.physical) ? word.physical : lexical;
    const label = cmd.program || "(redirect)";
    if (target !== null && HARMLESS_DEVICES.test(target)) return;
    const fileOnStream = opts.fdsToFiles === true || cmd.redirects.some((o) => o !== r && o.op !== ">&" && o.op !== "<&" && !(o.target !== null && /^\/dev\//.test(o.target)));
    if (target !== null && STD_STREAMS.test(target) && !fileOnStream) return;
    if (target !== null && (STD_STREAMS.test(target) || /^\/(dev\/fd|proc\/[^/]+\/fd)\//.test(target)) && OVERWRITE_OPS.has(r.op)) {
      reasons.push({ class: "destructive", program: label, why: `overwriting redirect to ${target}, which may be a file the script opened` });
      return;
    }
    if (target !== null && BLOCK_DEVICES.test(target)) {
      reasons.push({ class: "destructive", program: label, why: `writes to a block device (${target})` });
      return;
    }
    if (!OVERWRITE_OPS.has(r.op) && !isFileDup) return;
    if (target === null) reasons.push({ class: "destructive", program: label, why: `overwriting redirect to a target that is not static (${r.op})` });
    else if (pathExists(target) || (word?.physical !== undefined && pathExists(word.physical))) reasons.push({ class: "destructive", program: label, why: r.op === "<>" ? `read-write redirect writes over an existing file in place (${target})` : `overwriting redirect onto an existing file (${target})` });
  });
  const classes = (["elevated", "destructive"] as CommandClass[]).filter((c) => reasons.some((r) => r.class === c));
  return { classes, reasons };
}
