/** The gateway's operational log (not the audit log). Never given a secret. */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function stderrLogger(stream: NodeJS.WritableStream = process.stderr): Logger {
  const line = (level: string, msg: string): void => {
    stream.write(`${new Date().toISOString()} ${level} ${msg}\n`);
  };
  return { info: (m) => line("info", m), warn: (m) => line("warn", m), error: (m) => line("error", m) };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
