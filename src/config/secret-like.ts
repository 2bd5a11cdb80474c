/**
 * Whether a `${…}` variable name may be printed in an error, a log or an audit
 * line. A name that does not look like an environment variable name is most
 * likely a secret pasted where its variable's name belongs (`${ghp_…}`), so it
 * is never echoed. See docs/configuration.md ("Variable substitution").
 */

/** An AWS access key id is upper-case and digits, so it would pass the name rule. */
const AWS_KEY_ID = /^(AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|APKA)[A-Z0-9]{16}$/;

/**
 * True when `name` is `[A-Z_][A-Z0-9_]*` (at most 64 characters), is not
 * shaped like a known upper-case credential, and has no run of 16 or more
 * letters and digits that contains a digit (random, not words).
 */
export function isPrintableVarName(name: string): boolean {
  if (!/^[A-Z_][A-Z0-9_]{0,63}$/.test(name)) return false;
  if (AWS_KEY_ID.test(name)) return false;
  return !name.split("_").some((seg) => seg.length >= 16 && /\d/.test(seg));
}

/** What messages say instead of a name that looks like a secret. */
export const HIDDEN_NAME = "(name not shown: it looks like a secret, not a variable name)";

/** The name as it may appear in a message. */
export function printableVarName(name: string): string {
  return isPrintableVarName(name) ? name : HIDDEN_NAME;
}
