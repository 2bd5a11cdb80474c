/**
 * The one escaping function for text a person reads in a terminal or log
 * (CLI tables, `approvals watch`, the gateway's operational log). Text that
 * came from a client — a command, a client id, a reason — could otherwise move
 * the cursor, erase a line (`\r`, `ESC[2K`), or reorder what is shown (bidi
 * overrides), so an approver would see something other than what will run.
 *
 * Escaped as `\uXXXX` (so the original stays recoverable and visible):
 * C0 controls (tab and newline included), DEL, C1 controls, the bidi
 * embeddings/overrides/isolates and marks (U+202A–202E, U+2066–2069,
 * U+200E, U+200F, U+061C), zero-width and invisible formatting characters
 * (U+200B–200D, U+2060–2064, U+FEFF, U+180E, U+00AD), line/paragraph
 * separators (U+2028, U+2029), and lone surrogates. A backslash is doubled
 * so an escape in the input cannot pass for one of ours.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => (c === "\\" ? "\\\\" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/**
 * `value` as JSON that is safe to show in a terminal: JSON already escapes
 * controls, quotes and backslashes; the remaining unsafe characters (C1,
 * bidi, invisible) become `\uXXXX` too, so the text still parses back to
 * `value`.
 */
export function terminalSafeJson(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.replace(UNSAFE, (c) => (c === "\\" ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}
