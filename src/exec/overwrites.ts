/**
 * Rows of the class table for commands that write over files they are given
 * by name: destructive when a file they would write already exists, or when
 * that cannot be ruled out (a name that is not static, an unknown cwd, a
 * remote destination). A file that is certainly new is not destructive.
 */
import type { ClassCheck, ClassRule } from "./command-classes.js";
import { hasFlag, parseArgs } from "./flags.js";
import { literalWord } from "./words.js";
import type { ArgWord } from "./words.js";

/** The value of a canonical value flag (`-t=DIR` → DIR); null if absent, "" when not static. */
function flagValue(c: ClassCheck, flag: string): string | null {
  for (const f of c.args.flags) if (f.startsWith(`${flag}=`)) return f.slice(flag.length + 1);
  return null;
}

function basename(w: ArgWord): string | null {
  if (!w.literal || w.glob) return null;
  const t = w.text.replace(/\/+$/, "");
  return t.slice(t.lastIndexOf("/") + 1) || null;
}

/** Does `dir/basename(src)` exist (or is it unknown)? */
function existsIn(c: ClassCheck, dir: string, src: ArgWord): boolean {
  const base = basename(src);
  if (dir === "" || dir === "*" || base === null) return true;
  return c.exists(literalWord(`${dir}/${base}`));
}

/**
 * cp / mv / install / ln: the destination exists. With `-t DIR` each source
 * lands in DIR under its own name; ln with one operand links into the cwd.
 */
export function overwritesDestination(c: ClassCheck): boolean {
  if (hasFlag(c.args, "-n")) return false;
  const ops = c.args.operands;
  const dir = flagValue(c, "-t");
  if (dir !== null) return ops.some((src) => existsIn(c, dir, src));
  if (ops.length === 1 && c.cmd.program === "ln") return existsIn(c, ".", ops[0] as ArgWord);
  const dest = ops[ops.length - 1];
  return ops.length >= 2 && dest !== undefined && c.exists(dest);
}

/** A file named by a value flag exists (`sort -o FILE`, `curl -o FILE`). */
function flagFileExists(c: ClassCheck, flag: string): boolean {
  const v = flagValue(c, flag);
  if (v === null || v === "-") return false;
  return v === "" || v === "*" || c.exists(literalWord(v));
}

const TIMESTAMP_FLAGS = ["-d", "-t", "-r", "--date", "--reference", "--time"];

/** tar: extracting (`-x`, `x…` as the first word, `--extract`, `--get`) without keeping existing files. */
function tarExtracts(c: ClassCheck): boolean {
  const words = c.cmd.words.slice(1);
  const first = words[0];
  const oldStyle = first?.literal === true && !first.text.startsWith("-") && /x/.test(first.text);
  const extract = oldStyle || words.some((w) => w.literal && (/^-[A-Za-z]*x/.test(w.text) || w.text === "--extract" || w.text === "--get"));
  const keeps = words.some((w) => w.literal && (/^-[A-Za-z]*[kO]/.test(w.text) || ["--keep-old-files", "--skip-old-files", "--to-stdout"].includes(w.text)));
  return extract && !keeps;
}

const COMPRESSORS = ["gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "lzma", "unlzma", "lz4", "zstd", "unzstd", "compress", "uncompress", "pigz", "unpigz"];

/** Compressors replace each file operand with its (de)compressed form. */
function compressorReplaces(c: ClassCheck): boolean {
  const words = c.cmd.words.slice(1).filter((w) => w.literal);
  const short = words.filter((w) => /^-[^-]/.test(w.text)).map((w) => w.text.slice(1)).join("");
  const long = new Set(words.filter((w) => w.text.startsWith("--")).map((w) => w.text));
  if (/[ctlk]/.test(short) || ["--stdout", "--to-stdout", "--test", "--list", "--keep"].some((f) => long.has(f))) return false;
  if (/^(zstd|unzstd|lz4)$/.test(c.cmd.program) && !/f/.test(short) && !long.has("--rm") && !long.has("--force")) return false;
  return c.args.operands.some((w) => !(w.literal && w.text === "-"));
}

/** git subcommands that discard uncommitted work in files: checkout/restore of paths, rm, switch --discard-changes. */
function gitDiscards(sub: string, rest: ArgWord[]): boolean {
  const a = parseArgs("git", rest);
  const texts = rest.filter((w) => w.literal).map((w) => w.text);
  if (sub === "checkout") return texts.includes("--") || texts.includes(".") || hasFlag(a, "--force") || texts.includes("-p");
  if (sub === "restore") return !(texts.some((t) => t === "--staged" || /^-[^-]*S/.test(t)) && !texts.some((t) => t === "--worktree" || /^-[^-]*W/.test(t)));
  if (sub === "rm") return !texts.includes("--cached");
  if (sub === "switch") return hasFlag(a, "--force") || texts.includes("--discard-changes");
  return false;
}

export const OVERWRITE_RULES: readonly ClassRule[] = [
  {
    programs: ["mv", "cp", "install"],
    class: "destructive",
    when: "a destination exists (with `-t DIR`: DIR/NAME of each source), unless -n; `install -d` creates directories",
    why: "overwrites an existing file",
    test: (c) => !(c.cmd.program === "install" && hasFlag(c.args, "-d")) && overwritesDestination(c),
  },
  { programs: ["ln"], class: "destructive", when: "with -f and an existing destination (also `-t DIR`, one operand)", why: "replaces an existing file", test: (c) => hasFlag(c.args, "-f") && overwritesDestination(c) },
  { programs: ["sort"], class: "destructive", when: "-o/--output FILE onto an existing file", why: "overwrites the file it writes to", test: (c) => flagFileExists(c, "-o") },
  { programs: ["curl"], class: "destructive", when: "-o/--output FILE onto an existing file", why: "overwrites the file it downloads to", test: (c) => flagFileExists(c, "-o") },
  { programs: ["wget"], class: "destructive", when: "-O FILE onto an existing file", why: "overwrites the file it downloads to", test: (c) => flagFileExists(c, "-O") },
  {
    programs: ["sponge", "uniq"],
    class: "destructive",
    when: "its output file (sponge FILE, uniq IN OUT) exists",
    why: "overwrites the file it writes to",
    test: (c) => {
      const ops = c.args.operands;
      const out = c.cmd.program === "sponge" ? ops[0] : ops[1];
      return out !== undefined && c.exists(out);
    },
  },
  {
    programs: ["rsync"],
    class: "destructive",
    when: "the destination exists or is remote (not --dry-run, --ignore-existing, --list-only)",
    why: "overwrites files at the destination",
    test: (c) => {
      const ops = c.args.operands;
      const dest = ops[ops.length - 1];
      if (ops.length < 2 || dest === undefined || hasFlag(c.args, "-n", "--dry-run", "--ignore-existing", "--list-only")) return false;
      return (dest.literal && /^[^/]*:/.test(dest.text)) || c.exists(dest);
    },
  },
  { programs: ["patch"], class: "destructive", when: "unless --dry-run", why: "rewrites the files its patch names", test: (c) => !hasFlag(c.args, "--dry-run") },
  {
    programs: ["split"],
    class: "destructive",
    when: "its first output file (PREFIXaa or PREFIX00, default prefix x) exists, or the prefix is not static",
    why: "overwrites the files it writes",
    test: (c) => {
      const prefix = c.args.operands[1] ?? literalWord("x");
      if (!prefix.literal) return true;
      return ["aa", "00"].some((s) => c.exists(literalWord(prefix.text + s)));
    },
  },
  {
    programs: ["touch"],
    class: "destructive",
    when: "-d/-t/-r/--date/--reference onto an existing file",
    why: "rewrites the timestamps of an existing file (hides when it changed)",
    test: (c) => hasFlag(c.args, ...TIMESTAMP_FLAGS) && c.args.operands.some((w) => c.exists(w)),
  },
  { programs: ["tar", "bsdtar"], class: "destructive", when: "extracting (x, --extract) without -k/--keep-old-files/--skip-old-files/-O", why: "extracts over existing files", test: tarExtracts },
  { programs: ["unzip"], class: "destructive", when: "with -o (overwrite without asking)", why: "extracts over existing files", test: (c) => c.cmd.words.some((w) => w.literal && /^-[a-zA-Z]*o/.test(w.text)) },
  { programs: COMPRESSORS, class: "destructive", when: "with file operands, unless -c/-k/-t/-l (zstd and lz4: only with --rm or -f)", why: "replaces each file with its (de)compressed form", test: compressorReplaces },
];

export { gitDiscards };
