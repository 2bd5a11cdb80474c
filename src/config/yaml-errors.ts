/**
 * A YAML syntax error as an operator can act on it: the parser's own words,
 * the position, and the offending line — with the value masked when the line
 * sets a secret-looking key (token, password, secret, key), so a half-typed
 * secret is never echoed.
 */
import type { YAMLError } from "yaml";
import type { ConfigIssue } from "./errors.js";

const SECRET_KEY = /[\w.-]*(?:token|password|passwd|secret|key|credential)[\w.-]*["']?\s*:/i;

/** Everything after the first secret-looking key on the line is hidden (block or flow style alike). */
export function maskSecretLine(line: string): string {
  const m = SECRET_KEY.exec(line);
  return m ? `${line.slice(0, m.index + m[0].length)} <value hidden>` : line;
}

export function describeYamlError(e: YAMLError, source: string): ConfigIssue {
  const lines = source.split(/\r?\n/);
  let lineNo = e.linePos?.[0]?.line;
  const col = e.linePos?.[0]?.col;
  // The parser's sentence, without its snippet (we show the line ourselves, masked).
  const words = e.message.split(/ at line \d+, column \d+/)[0]?.split("\n")[0]?.trim() || (e.code === "DUPLICATE_KEY" ? "duplicate key" : "syntax error");
  const kind = e.code === "DUPLICATE_KEY" ? "duplicate key" : "syntax error";
  let shown = "";
  if (lineNo !== undefined) {
    // An error at a blank line (or past the end) is about the line before it: show that one.
    while (lineNo > 1 && (lines[lineNo - 1] ?? "").trim() === "") lineNo--;
    const text = (lines[lineNo - 1] ?? "").slice(0, 200);
    shown = `; line ${lineNo}: ${JSON.stringify(maskSecretLine(text))}`;
  }
  return {
    path: "(yaml)",
    message: `${kind} at line ${e.linePos?.[0]?.line ?? "?"}, column ${col ?? "?"}: ${words}${shown}`,
  };
}
