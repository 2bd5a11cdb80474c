/** What every CLI command gets: streams and environment, so tests can run commands in-process. */
import { terminalSafe } from "../core/terminal-text.js";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export function println(stream: NodeJS.WritableStream, text = ""): void {
  stream.write(`${text}\n`);
}

/** Human-readable text that carries values from elsewhere (clients, the log): escaped for the terminal. */
export function printSafe(stream: NodeJS.WritableStream, text: string): void {
  stream.write(`${terminalSafe(text)}\n`);
}

/** `--json` output of a command that answers once: exactly one JSON document (docs/cli.md). */
export function printJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `--json` output of a stream (watch, audit tail): one compact JSON object per line. */
export function printJsonLine(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value)}\n`);
}

/** A plain aligned table; every cell is escaped for the terminal (terminalSafe). */
export function table(headers: string[], rows: string[][]): string {
  const safeRows = rows.map((r) => r.map((c) => terminalSafe(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...safeRows.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [fmt(headers), fmt(widths.map((w) => "-".repeat(w))), ...safeRows.map(fmt)].join("\n");
}

export class UsageError extends Error {}
