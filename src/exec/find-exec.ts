/**
 * `find … -exec CMD … ;` (and `-execdir`, `-ok`, `-okdir`): the commands find
 * runs, with `{}` standing for a path at or under the start directories.
 */
import { copy } from "./command-eval.js";
import type { State } from "./command-eval.js";
import { resolvePath } from "./paths.js";
import { dynamicWord, literalWord, makeWord } from "./words.js";
import type { ArgWord, Piece } from "./words.js";

/** `find … -exec CMD … ;` / `-execdir` / `-ok` / `-okdir`: analyse CMD with `{}` standing for found paths. */
export function forEachFindExec(words: ArgWord[], state: State, run: (cmdWords: ArgWord[], dirState: State) => void): void {
  const args = words.slice(1);
  const starts: ArgWord[] = [];
  let i = 0;
  while (i < args.length && /^-[HLP]$|^-D$|^-O\d*$/.test(args[i]?.text ?? "")) i += args[i]?.text === "-D" ? 2 : 1;
  for (; i < args.length; i++) {
    const t = (args[i] as ArgWord).text;
    if (t.startsWith("-") || t === "(" || t === "!") break;
    starts.push(args[i] as ArgWord);
  }
  const found = foundPathWord(starts, state);
  for (; i < args.length; i++) {
    const t = (args[i] as ArgWord).text;
    if (t !== "-exec" && t !== "-execdir" && t !== "-ok" && t !== "-okdir") continue;
    const end = args.findIndex((w, j) => j > i && w.literal && (w.text === ";" || w.text === "+"));
    const stop = end < 0 ? args.length : end;
    const cmdWords = args.slice(i + 1, stop).map((w) => substitutePlaceholder(w, found));
    const dirState: State = t.endsWith("dir") ? { cwd: null } : copy(state);
    if (cmdWords.length > 0) run(cmdWords, dirState);
    i = stop;
  }
}

/** What `{}` can be: a path at or under the common start directory. */
function foundPathWord(starts: ArgWord[], state: State): ArgWord {
  const list = starts.length > 0 ? starts : [literalWord(".")];
  if (list.some((w) => !w.literal || w.glob) || (state.cwd === null && list.some((w) => !w.text.startsWith("/")))) {
    return dynamicWord("{}", false, "found path");
  }
  const resolved = list.map((w) => resolvePath(w.text, state.cwd ?? "/"));
  let prefix = resolved[0] as string;
  for (const p of resolved) while (!(p === prefix || p.startsWith(prefix === "/" ? "/" : `${prefix}/`))) prefix = prefix.slice(0, prefix.lastIndexOf("/")) || "/";
  const pieces: Piece[] = [
    { kind: "lit", text: prefix, quoted: true },
    { kind: "dyn", splittable: false, what: "found path", descendsOnly: true },
  ];
  return makeWord(pieces, "{}");
}

function substitutePlaceholder(word: ArgWord, found: ArgWord): ArgWord {
  if (!word.literal || !word.text.includes("{}")) return word;
  if (word.text === "{}") return found;
  const parts = word.text.split("{}");
  const pieces: Piece[] = [];
  parts.forEach((p, idx) => {
    if (idx > 0) pieces.push({ kind: "dyn", splittable: false, what: "found path" });
    if (p !== "") pieces.push({ kind: "lit", text: p, quoted: true });
  });
  return makeWord(pieces, word.text);
}
