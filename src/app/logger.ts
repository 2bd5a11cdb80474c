/**
 * The gateway's operational log (not the audit log), on pino: levels, JSON or
 * pretty lines on stderr, secrets in structured fields redacted by path (the
 * redaction is compiled once, when the logger is made). See docs/logging.md.
 */
import { pino, type DestinationStream } from "pino";
import { formatPrettyLine } from "./log-pretty.js";

/** Structured fields of one line; `event` names the lines operators and tools look for (docs/logging.md). */
export type LogFields = Record<string, unknown> & { event?: string };

/** The message is never given a secret; a field that may hold one is redacted by path. */
export interface Logger {
  debug?(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["pretty", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Field names whose value is a secret, at the top level and one object down (`headers.authorization`). */
const SECRET_FIELDS = [
  "token", "deviceToken", "accessToken", "refreshToken", "password", "passphrase", "secret", "apiKey", "api_key",
  "privateKey", "authorization", "cookie",
];
export const LOG_REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((k) => `*.${k}`),
  ...["set-cookie", "proxy-authorization", "x-api-key"].flatMap((h) => [`headers["${h}"]`, `*.headers["${h}"]`]),
  "*.headers.authorization",
  "*.headers.cookie",
];
export const REDACTED = "[REDACTED]";

export interface LoggerOptions {
  stream?: NodeJS.WritableStream;
  level?: LogLevel;
  format?: LogFormat;
}

/** A logger writing to `stream` (stderr): one line per call at or above `level`, as JSON or pretty text. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const stream = opts.stream ?? process.stderr;
  const dest: DestinationStream =
    opts.format === "json" ? { write: (line) => void stream.write(line) } : { write: (line) => void stream.write(formatPrettyLine(line)) };
  const p = pino(
    {
      level: opts.level ?? "info",
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED },
    },
    dest,
  );
  const at =
    (level: "debug" | "info" | "warn" | "error") =>
    (msg: string, fields?: LogFields): void => {
      if (fields) p[level](fields, msg);
      else p[level](msg);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
