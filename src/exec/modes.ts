/**
 * chmod modes as the permission bits they certainly set, so that a blocklist
 * entry `chmod -R 777 /` also stops `0777`, `a+rwx`, `ugo+rwx`, `a=rwx`,
 * `u=rwx,g=rwx,o=rwx`, `+rwx` and `7777`: a command's mode matches an entry's
 * when it sets at least every bit the entry's mode sets.
 */

const WHO: Readonly<Record<string, number>> = { u: 0o4700, g: 0o2070, o: 0o1007 };
const PERM_BITS: Readonly<Record<string, number>> = { r: 0o444, w: 0o222, x: 0o111, X: 0o111, s: 0o6000, t: 0o1000 };

/**
 * The bits a mode certainly sets, starting from any mode; null when `text`
 * is not a mode. `+rwx` without a "who" is read as `a+rwx` (the umask may be
 * 0); `X` as `x`; `g=u` copies what is certain of `u`.
 */
export function modeSetBits(text: string): number | null {
  if (/^[0-7]{1,5}$/.test(text)) return Number.parseInt(text, 8) & 0o7777;
  let set = 0;
  for (const clause of text.split(",")) {
    const m = /^([ugoa]*)(([-+=])([rwxXst]*|[ugo]))+$/.exec(clause);
    if (!m) return null;
    const whoText = m[1] as string;
    const whoMask = whoText === "" || whoText.includes("a") ? 0o7777 : [...whoText].reduce((acc, c) => acc | (WHO[c] ?? 0), 0);
    const ops = clause.slice(whoText.length).match(/[-+=][rwxXstugo]*/g) ?? [];
    for (const op of ops) {
      const sign = op[0];
      const perms = op.slice(1);
      let bits: number;
      if (/^[ugo]$/.test(perms)) {
        const src = (set >> { u: 6, g: 3, o: 0 }[perms as "u" | "g" | "o"]) & 0o7;
        bits = (src << 6) | (src << 3) | src;
      } else bits = [...perms].reduce((acc, c) => acc | (PERM_BITS[c] ?? 0), 0);
      bits &= whoMask;
      if (sign === "+") set |= bits;
      else if (sign === "-") set &= ~bits;
      else set = (set & ~whoMask) | bits;
    }
  }
  return set;
}

/** Does a command's mode set every bit an entry's mode sets? */
export function modeCovers(commandMode: string, entryMode: string): boolean {
  const want = modeSetBits(entryMode);
  const have = modeSetBits(commandMode);
  if (want === null || have === null) return commandMode === entryMode;
  return (have & want) === want;
}
