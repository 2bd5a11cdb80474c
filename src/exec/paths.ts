/**
 * Path reasoning for operands: normalisation against a cwd, glob coverage,
 * and "could this partly unknown word be that path?".
 */
import type { ArgWord, Piece } from "./words.js";

/** Normalises an absolute path: `//`, `/./`, `..`, trailing slash. `/..` is `/`. */
export function normalizeAbsolute(path: string): string {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return "/" + out.join("/");
}

/** Normalises a relative path without a base: `a/./b/../c/` → `a/c`, `./` → `.`, keeps leading `..`. */
export function normalizeRelative(path: string): string {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else out.push(seg);
  }
  return out.length === 0 ? "." : out.join("/");
}

/** Resolves `path` against `cwd` (an absolute path). */
export function resolvePath(path: string, cwd: string): string {
  return normalizeAbsolute(path.startsWith("/") ? path : `${cwd}/${path}`);
}

function segmentsOf(abs: string): string[] {
  return abs.split("/").filter((s) => s !== "");
}

/**
 * Could a word whose pieces contain unknown (dynamic) parts evaluate to the
 * absolute path `target` (after normalisation)? Sound over-approximation: only
 * the literal tail after the last unknown part constrains the result, because
 * an unknown part may itself contain `/` and `..`.
 */
export function couldEqualPath(pieces: Piece[], target: string): boolean {
  let last = -1;
  pieces.forEach((p, i) => {
    if (p.kind === "dyn") last = i;
  });
  if (last < 0) return false;
  const lastDyn = pieces[last];
  if (lastDyn?.kind === "dyn" && lastDyn.descendsOnly && last === pieces.length - 1 && pieces.slice(0, last).every((p) => p.kind === "lit")) {
    const prefix = normalizeAbsolute(pieces.slice(0, last).map((p) => (p.kind === "lit" ? p.text : "")).join(""));
    const t = normalizeAbsolute(target);
    return t === prefix || t.startsWith(prefix === "/" ? "/" : `${prefix}/`);
  }
  const tailPieces = pieces.slice(last + 1);
  if (tailPieces.some((p) => p.kind === "lit" && (p.extglob === true || (!p.quoted && hasGlobChars(p.text))))) return true;
  const tail = tailPieces.map((p) => (p.kind === "lit" ? p.text : "")).join("");
  const targetSegs = segmentsOf(normalizeAbsolute(target));
  const lastTargetSeg = targetSegs[targetSegs.length - 1] ?? "";
  const slash = tail.indexOf("/");
  if (slash < 0) {
    if (tail === "" || tail === "." || tail === "..") return true;
    return lastTargetSeg.endsWith(tail);
  }
  const partial = tail.slice(0, slash);
  const named: string[] = [];
  let leadingUp = 0;
  for (const seg of tail.slice(slash + 1).split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (named.length > 0) named.pop();
      else leadingUp++;
    } else named.push(seg);
  }
  if (named.length === 0) return true;
  if (targetSegs.length < named.length) return false;
  const suffix = targetSegs.slice(targetSegs.length - named.length);
  if (suffix.some((s, i) => s !== named[i])) return false;
  if (leadingUp > 0 || partial === "" || partial === "." || partial === "..") return true;
  const before = targetSegs[targetSegs.length - named.length - 1];
  return before !== undefined && before.endsWith(partial);
}

/** Unquoted glob characters: `*`, `?`, or a `[` closed by a later `]`. */
export function hasGlobChars(text: string): boolean {
  return /[*?]/.test(text) || /\[.*\]/.test(text);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** A glob word as a pattern string where quoted glob characters are backslash-escaped. */
function patternText(word: ArgWord): string {
  return word.pieces
    .map((p) => (p.kind === "lit" ? (p.quoted ? p.text.replace(/[*?[\]\\]/g, "\\$&") : p.text) : "*"))
    .join("");
}

function segmentIsGlob(seg: string): boolean {
  const unescaped = seg.replace(/\\./g, "");
  return hasGlobChars(unescaped) || /@\(/.test(unescaped);
}

export interface GlobInfo {
  /** The directory the glob lists: the literal path before its first glob segment. */
  coveredDir: string;
  regex: RegExp;
}

/** Compiles a glob word resolved against `cwd` (absolute). */
export function compileGlob(word: ArgWord, cwd: string): GlobInfo {
  const raw = patternText(word);
  const full = raw.startsWith("/") ? raw : `${cwd}/${raw}`;
  const segs: string[] = [];
  let sawGlob = false;
  const covered: string[] = [];
  for (const seg of full.split("/")) {
    if (seg === "" || seg === ".") continue;
    const isGlob = segmentIsGlob(seg);
    if (seg === ".." && !sawGlob) {
      segs.pop();
      covered.pop();
      continue;
    }
    segs.push(seg);
    if (isGlob) sawGlob = true;
    if (!sawGlob) covered.push(seg.replace(/\\(.)/g, "$1"));
  }
  const body = segs.map(globSegmentRegex).join("\\/");
  return { coveredDir: "/" + covered.join("/"), regex: new RegExp(`^\\/${body}$`) };
}

function globSegmentRegex(seg: string): string {
  let out = "";
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] as string;
    if (c === "\\" && i + 1 < seg.length) {
      out += escapeRegex(seg[i + 1] as string);
      i++;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const close = seg.indexOf("]", i + 2);
      if (close < 0) {
        out += "\\[";
        continue;
      }
      let cls = seg.slice(i + 1, close);
      if (cls.startsWith("!")) cls = "^" + cls.slice(1);
      out += `[${cls.replace(/\\/g, "\\\\")}]`;
      i = close;
    } else if (c === "@" && seg[i + 1] === "(") {
      const close = seg.indexOf(")", i);
      if (close < 0) {
        out += "@";
        continue;
      }
      out += "[^/]*";
      i = close;
    } else out += escapeRegex(c);
  }
  return out;
}

/**
 * Does a command operand stand for the absolute path `target`? `cwd` null =
 * the command's working directory is not statically known.
 */
export function operandCouldBePath(word: ArgWord, target: string, cwd: string | null): boolean {
  const wanted = normalizeAbsolute(target);
  if (!word.literal) return couldEqualPath(word.pieces, wanted);
  const relative = !word.text.startsWith("/");
  if (relative && cwd === null) {
    return couldEqualPath([{ kind: "dyn", splittable: false, what: "cwd" }, ...asTail(word)], wanted);
  }
  const base = cwd ?? "/";
  if (word.glob) {
    const g = compileGlob(word, base);
    return g.coveredDir === wanted || g.regex.test(wanted);
  }
  return resolvePath(word.text, base) === wanted;
}

function asTail(word: ArgWord): Piece[] {
  const first = word.pieces[0];
  const slashFirst: Piece = { kind: "lit", text: "/", quoted: true };
  return first ? [slashFirst, ...word.pieces] : [slashFirst];
}

/** What a path through a kernel "magic" link stands for. */
export type MagicPath = { kind: "path"; path: string } | { kind: "cwd"; rest: string } | { kind: "unknown"; rest: string } | { kind: "shell" };

/**
 * Resolves the /proc and /dev links that name another path: `/proc/self/root`
 * (also `thread-self`, `<pid>`, `…/task/<tid>/root`) is `/`;
 * `/proc/self/cwd` is the command's working directory; `/proc/<pid>/cwd`,
 * `/proc/*\/fd/N`, `/dev/fd/N`, `/dev/stdin|stdout|stderr` and
 * `/proc/*\/map_files` are some unknown file; `/proc/self/exe` run as a
 * program is the shell. Null when the path has none of these.
 */
export function resolveMagic(path: string): MagicPath | null {
  if (!path.startsWith("/") || !/^\/+(proc|dev)\b/.test(path)) return null;
  const out: string[] = [];
  const segs = path.split("/");
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as string;
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      out.pop();
      continue;
    }
    out.push(seg);
    const rest = () => "/" + segs.slice(i + 1).join("/");
    const joined = out.join("/");
    const proc = /^proc\/(self|thread-self|\d+)(\/task\/\d+)?\/(root|cwd|fd\/\d+|fd|map_files\/[^/]+|exe)$/.exec(joined);
    if (proc) {
      const own = proc[1] === "self" || proc[1] === "thread-self";
      if (proc[3] === "root") {
        out.length = 0;
        continue;
      }
      if (proc[3] === "fd") continue;
      if (proc[3] === "exe") return own && i === segs.length - 1 ? { kind: "shell" } : { kind: "unknown", rest: rest() };
      if (proc[3] === "cwd" && own) return { kind: "cwd", rest: rest() };
      return { kind: "unknown", rest: rest() };
    }
    if (/^dev\/(fd\/\d+|stdin|stdout|stderr)$/.test(joined)) {
      // The standard streams themselves stay as written (a write to them is not a file overwrite unless the script pointed them at one).
      if (i === segs.length - 1 && /^dev\/(fd\/[012]|stdin|stdout|stderr)$/.test(joined)) return null;
      return { kind: "unknown", rest: rest() };
    }
  }
  const resolved = "/" + out.join("/");
  return resolved === normalizeAbsolute(path) ? null : { kind: "path", path: resolved };
}

/** Reads a symbolic link: its target if `abs` is one, else null. */
export type ReadLink = (abs: string) => string | null;

/** Bound on symbolic links followed in one path (the kernel's is 40). */
const MAX_LINKS = 40;

/**
 * The path the kernel reaches for `raw` (absolute, not normalised): symbolic
 * links are followed where they stand, so `..` after a link climbs from its
 * target (`/tmp/link/..` with `link → /usr/lib` is `/usr`). Null when no link
 * is involved (the lexical path is the answer) or there are too many links.
 */
export function physicalPath(raw: string, readLink: ReadLink): string | null {
  const stack = raw.split("/").filter((s) => s !== "" && s !== ".").reverse();
  let out: string[] = [];
  let hops = 0;
  while (stack.length > 0) {
    const seg = stack.pop() as string;
    if (seg === "..") {
      out.pop();
      continue;
    }
    out.push(seg);
    const target = readLink("/" + out.join("/"));
    if (target === null) continue;
    if (++hops > MAX_LINKS) return null;
    out.pop();
    if (target.startsWith("/")) out = [];
    stack.push(...target.split("/").filter((s) => s !== "" && s !== ".").reverse());
  }
  return hops === 0 ? null : "/" + out.join("/");
}
