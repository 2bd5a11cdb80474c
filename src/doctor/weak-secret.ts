/**
 * Recognises default, test and guessable secrets without ever returning them.
 * A value is weak when, ignoring case and separators, it is:
 * - one character repeated, or a short pattern repeated (`abcabcabc…`);
 * - a straight run (`12345678…`, `abcdefgh…`, `qwertyui…`), ascending or descending;
 * - made only of well-known default words and digits (`changeme`, `test-token-123`,
 *   `clawdbot-secret`, `Password123!`), at least one word included.
 */

/** Words that default, example and test credentials are made of. Lower case. */
export const WEAK_WORDS: readonly string[] = [
  "changeme", "change", "password", "passw0rd", "passwd", "pass", "secret", "token", "test", "testing",
  "admin", "administrator", "root", "default", "example", "sample", "demo", "dummy", "placeholder", "fake",
  "gateway", "clawdbot", "openclaw", "letmein", "welcome", "qwerty", "iloveyou", "monkey", "dragon",
  "login", "user", "guest", "master", "key", "api", "apikey", "my", "your", "here", "replace", "me",
  "dev", "for", "the", "local", "localhost", "foo", "bar", "baz", "abc", "xyz", "todo", "insecure", "temp", "tmp",
];

const KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890"];

export type WeakReason = "repeated" | "sequence" | "dictionary";

/** Why a secret is guessable, or undefined when it is not recognisably weak. */
export function weakSecretReason(secret: string): WeakReason | undefined {
  const s = secret.toLowerCase().replace(/[\s\-_.:!@#$%^&*+=/\\|,;'"`~()[\]{}<>?]/g, "");
  if (s.length === 0) return "repeated";
  if (isRepetition(s)) return "repeated";
  if (isStraightRun(s)) return "sequence";
  if (isDictionaryMade(s)) return "dictionary";
  return undefined;
}

export function describeWeakReason(reason: WeakReason): string {
  switch (reason) {
    case "repeated":
      return "is a repeated character or pattern";
    case "sequence":
      return "is a straight run of characters (like 12345678)";
    case "dictionary":
      return "is made of default/test words (like changeme, password, token, test)";
  }
}

function isRepetition(s: string): boolean {
  const maxPeriod = Math.min(4, Math.floor(s.length / 2));
  for (let p = 1; p <= maxPeriod; p++) {
    let repeats = true;
    for (let i = p; i < s.length && repeats; i++) if (s[i] !== s[i - p]) repeats = false;
    if (repeats) return true;
  }
  return s.length === 1;
}

function isStraightRun(s: string): boolean {
  if (s.length < 4) return false;
  const alphabet = "abcdefghijklmnopqrstuvwxyz";
  const digits = "0123456789";
  return [alphabet, digits, ...KEYBOARD_ROWS].some((ring) => walksRing(s, ring, 1) || walksRing(s, ring, -1));
}

/** Every character is the next (dir 1) or previous (dir -1) one on `ring` (wrapping for digits and rows). */
function walksRing(s: string, ring: string, dir: 1 | -1): boolean {
  for (let i = 1; i < s.length; i++) {
    const a = ring.indexOf(s[i - 1] as string);
    const b = ring.indexOf(s[i] as string);
    if (a === -1 || b === -1 || b !== (a + dir + ring.length) % ring.length) return false;
  }
  return true;
}

/** Dynamic programming: can `s` be split into weak words and digit runs, with at least one word? */
function isDictionaryMade(s: string): boolean {
  // reach[i]: 0 = unreachable, 1 = reachable with digits only, 2 = reachable with a word used
  const reach = new Uint8Array(s.length + 1);
  reach[0] = 1;
  for (let i = 0; i < s.length; i++) {
    const from = reach[i] as number;
    if (from === 0) continue;
    let j = i;
    while (j < s.length && /[0-9]/.test(s[j] as string)) {
      j++;
      reach[j] = Math.max(reach[j] as number, from);
    }
    for (const w of WEAK_WORDS) {
      if (s.startsWith(w, i)) reach[i + w.length] = 2;
    }
  }
  return reach[s.length] === 2;
}
