/**
 * Per-program option syntax: which flags are synonyms, which take a value,
 * whether combined short flags split (`-rf` = `-r -f`). Used by both the class
 * table and the blocklist so that `rm -Rf`, `rm -r --force` and
 * `rm --recursive -f` all read the same.
 */
import type { ArgWord } from "./words.js";

export interface FlagSpec {
  /** Combined short flags split (`-rf` → `-r`, `-f`). False for find-style single-dash long options. */
  split: boolean;
  /** Flag → canonical flag. */
  synonyms: Readonly<Record<string, string>>;
  /** Canonical flags that take the next word (or `=value`, or the rest of a short cluster) as a value. */
  valueFlags: readonly string[];
  /** Operands are `key=value` (dd); the value of `pathKeys` is a path. */
  keyValueOperands?: { pathKeys: readonly string[] };
}

const DEFAULT_SPEC: FlagSpec = { split: true, synonyms: {}, valueFlags: [] };

/** The per-program synonym table (documented in docs/exec-security.md). */
export const FLAG_SPECS: Readonly<Record<string, FlagSpec>> = {
  rm: {
    split: true,
    synonyms: { "-R": "-r", "--recursive": "-r", "--force": "-f", "--dir": "-d", "--verbose": "-v" },
    valueFlags: [],
  },
  rmdir: { split: true, synonyms: { "--parents": "-p", "--verbose": "-v" }, valueFlags: [] },
  cp: {
    split: true,
    synonyms: { "-R": "-r", "--recursive": "-r", "--force": "-f", "--no-clobber": "-n", "--target-directory": "-t", "--archive": "-a" },
    valueFlags: ["-t", "-S"],
  },
  mv: {
    split: true,
    synonyms: { "--force": "-f", "--no-clobber": "-n", "--target-directory": "-t" },
    valueFlags: ["-t", "-S"],
  },
  ln: { split: true, synonyms: { "--force": "-f", "--symbolic": "-s", "--target-directory": "-t" }, valueFlags: ["-t", "-S"] },
  chmod: { split: true, synonyms: { "--recursive": "-R" }, valueFlags: [] },
  chown: { split: true, synonyms: { "--recursive": "-R" }, valueFlags: [] },
  chgrp: { split: true, synonyms: { "--recursive": "-R" }, valueFlags: [] },
  shred: {
    split: true,
    synonyms: { "--remove": "-u", "--zero": "-z", "--force": "-f", "--iterations": "-n", "--size": "-s" },
    valueFlags: ["-n", "-s"],
  },
  truncate: { split: true, synonyms: { "--size": "-s", "--reference": "-r", "--no-create": "-c" }, valueFlags: ["-s", "-r"] },
  tee: { split: true, synonyms: { "--append": "-a" }, valueFlags: [] },
  dd: { split: false, synonyms: {}, valueFlags: [], keyValueOperands: { pathKeys: ["if", "of"] } },
  find: { split: false, synonyms: {}, valueFlags: [] },
  git: {
    split: true,
    synonyms: { "-f": "--force" },
    valueFlags: ["-C", "-c", "--git-dir", "--work-tree", "--namespace"],
  },
  rsync: { split: true, synonyms: { "--recursive": "-r", "--archive": "-a" }, valueFlags: ["-e", "--rsh"] },
  crontab: { split: true, synonyms: { "--remove": "-r" }, valueFlags: ["-u"] },
  mkfs: { split: true, synonyms: { "--type": "-t" }, valueFlags: ["-t"] },
  wget: { split: true, synonyms: { "--output-document": "-O", "--quiet": "-q" }, valueFlags: ["-O", "-o", "-P", "-e"] },
  curl: { split: true, synonyms: { "--output": "-o", "--silent": "-s", "--location": "-L", "--fail": "-f", "--show-error": "-S" }, valueFlags: ["-o", "-H", "-d", "-X", "-u", "-A", "-e", "-x", "-T", "-F"] },
  sort: { split: true, synonyms: { "--output": "-o" }, valueFlags: ["-o", "-k", "-t", "-S", "-T"] },
  install: { split: true, synonyms: { "--target-directory": "-t", "--mode": "-m", "--owner": "-o", "--group": "-g" }, valueFlags: ["-t", "-m", "-o", "-g", "-S"] },
  touch: { split: true, synonyms: { "--date": "-d", "--reference": "-r" }, valueFlags: ["-d", "-t", "-r"] },
  uniq: { split: true, synonyms: {}, valueFlags: ["-f", "-s", "-w"] },
  split: { split: true, synonyms: { "--lines": "-l", "--bytes": "-b", "--number": "-n", "--suffix-length": "-a" }, valueFlags: ["-l", "-b", "-C", "-n", "-a", "-t"] },
  sed: { split: true, synonyms: { "--in-place": "-i", "--expression": "-e", "--file": "-f" }, valueFlags: ["-e", "-f"] },
};

export function flagSpecFor(program: string): FlagSpec {
  return FLAG_SPECS[program] ?? DEFAULT_SPEC;
}

/** A command's arguments split into normalised flags and operands. */
export interface ParsedArgs {
  /** Canonical flags; a flag with a value reads `-t=DIR`. */
  flags: Set<string>;
  operands: ArgWord[];
  /** A word starting with a literal `-` but partly unknown: may be any flags. */
  wildFlags: boolean;
  /** Wholly unknown words before `--` (may be flags or operands). */
  unknown: ArgWord[];
  /** Some word contains an unquoted expansion: it may expand to any number of words. */
  anyWords: boolean;
}

function canonical(spec: FlagSpec, flag: string): string {
  return spec.synonyms[flag] ?? flag;
}

/** Splits `args` (argv without argv[0]) into flags and operands for `program`. GNU-style: flags may follow operands until `--`. */
export function parseArgs(program: string, args: ArgWord[]): ParsedArgs {
  const spec = flagSpecFor(program);
  const out: ParsedArgs = { flags: new Set(), operands: [], wildFlags: false, unknown: [], anyWords: false };
  let ended = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as ArgWord;
    if (!w.literal) {
      const first = w.pieces[0];
      if (w.pieces.some((p) => p.kind === "dyn" && p.splittable)) out.anyWords = true;
      if (ended) out.operands.push(w);
      else if (first?.kind === "lit" && first.text.startsWith("-")) out.wildFlags = true;
      else if (w.pieces.every((p) => p.kind === "dyn")) {
        out.unknown.push(w);
        out.operands.push(w);
      } else out.operands.push(w);
      continue;
    }
    const t = w.text;
    if (ended || t === "-" || !t.startsWith("-")) {
      out.operands.push(w);
      continue;
    }
    if (t === "--") {
      ended = true;
      continue;
    }
    const takeValue = (): string | null => {
      const next = args[i + 1];
      if (!next) return null;
      i++;
      return next.literal ? next.text : "*";
    };
    if (t.startsWith("--") || !spec.split) {
      const eq = t.indexOf("=");
      const name = canonical(spec, eq < 0 ? t : t.slice(0, eq));
      if (eq >= 0) out.flags.add(`${name}=${t.slice(eq + 1)}`);
      else if (spec.valueFlags.includes(name)) out.flags.add(`${name}=${takeValue() ?? ""}`);
      else out.flags.add(name);
      continue;
    }
    const letters = t.slice(1);
    for (let j = 0; j < letters.length; j++) {
      const name = canonical(spec, `-${letters[j]}`);
      if (spec.valueFlags.includes(name)) {
        const rest = letters.slice(j + 1);
        out.flags.add(`${name}=${rest !== "" ? rest : (takeValue() ?? "")}`);
        break;
      }
      out.flags.add(name);
    }
  }
  return out;
}

/** Is `flag` (canonical, no value) among the parsed flags, with or without a value? */
export function hasFlag(parsed: ParsedArgs, ...names: string[]): boolean {
  for (const f of parsed.flags) {
    const base = f.includes("=") ? f.slice(0, f.indexOf("=")) : f;
    if (names.includes(base)) return true;
  }
  return false;
}
