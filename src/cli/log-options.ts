/** `--log-level` / `--log-format` (or `CLAWDBOT_LOG_LEVEL` / `CLAWDBOT_LOG_FORMAT`): the flag wins over the variable. */
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "../app/logger.js";
import { UsageError } from "./io.js";

function pick<T extends string>(allowed: readonly T[], flag: string, flagValue: string | undefined, envName: string, env: NodeJS.ProcessEnv): T | undefined {
  const [source, value] = flagValue !== undefined ? [flag, flagValue] : [envName, env[envName] || undefined];
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${source}: expected one of ${allowed.join(", ")}`);
}

export function logOptions(values: { "log-level"?: string; "log-format"?: string }, env: NodeJS.ProcessEnv): { level: LogLevel; format: LogFormat } {
  return {
    level: pick(LOG_LEVELS, "--log-level", values["log-level"], "CLAWDBOT_LOG_LEVEL", env) ?? "info",
    format: pick(LOG_FORMATS, "--log-format", values["log-format"], "CLAWDBOT_LOG_FORMAT", env) ?? "pretty",
  };
}
