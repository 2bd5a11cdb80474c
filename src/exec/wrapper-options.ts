/**
 * Reading a generic wrapper's options by its table entry (`sudo -u root rm`,
 * `env -C /tmp X=1 rm`), and joining literal words back into one script.
 */
import { literalWord } from "./words.js";
import type { ArgWord } from "./words.js";
import type { WrapperSpec } from "./wrapper-table.js";

/** `NAME=value` as env and sudo read it: any word whose literal start contains `=` (GNU env takes `BASH_FUNC_f%%=…` too). */
function isAssignment(w: ArgWord): boolean {
  const first = w.pieces[0];
  return first?.kind === "lit" && first.text.indexOf("=") > 0 && !first.text.startsWith("-");
}

export interface SkipResult {
  rest: ArgWord[];
  chdir: ArgWord | null;
  split: ArgWord | null;
  /** `NAME=value` words skipped (env, sudo). */
  assignments: ArgWord[];
}

/** Skips a generic wrapper's options and fixed operands; returns what follows. */
export function skipOptions(spec: WrapperSpec, args: ArgWord[]): SkipResult {
  const valueShort = spec.valueShort ?? "";
  const valueLong = spec.valueLong ?? [];
  let skip = spec.skipOperands ?? 0;
  let chdir: ArgWord | null = null;
  let split: ArgWord | null = null;
  const assignments: ArgWord[] = [];
  const note = (flag: string, value: ArgWord | undefined) => {
    if (!value) return;
    if (spec.chdir?.includes(flag)) chdir = value;
    if (flag === "-S" || flag === "--split-string") split = value;
  };
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i] as ArgWord;
    if (!w.literal) {
      if (spec.assignments && isAssignment(w)) {
        assignments.push(w);
        continue;
      }
      break;
    }
    const t = w.text;
    if (t === "--") {
      i++;
      break;
    }
    if (t.startsWith("--")) {
      const eq = t.indexOf("=");
      if (eq >= 0) note(t.slice(0, eq), literalWord(t.slice(eq + 1)));
      else if (valueLong.includes(t)) note(t, args[++i]);
      continue;
    }
    if (t.startsWith("-") && t.length > 1) {
      if (spec.numericFlags && /^-\d+$/.test(t)) continue;
      for (let j = 1; j < t.length; j++) {
        const letter = t[j] as string;
        if (valueShort.includes(letter)) {
          const attached = t.slice(j + 1);
          note(`-${letter}`, attached !== "" ? literalWord(attached) : args[++i]);
          break;
        }
      }
      continue;
    }
    if (spec.assignments && isAssignment(w)) {
      assignments.push(w);
      continue;
    }
    if (skip > 0) {
      skip--;
      continue;
    }
    break;
  }
  return { rest: args.slice(i), chdir, split, assignments };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Joins literal words into one script (eval, env -S, watch). Null if any is not literal. */
export function joinLiteral(words: ArgWord[], quote: boolean): ArgWord | null {
  if (words.some((w) => !w.literal)) return null;
  return literalWord(words.map((w) => (quote ? shellQuote(w.text) : w.text)).join(" "));
}
