/** The effective config with every secret replaced, for `clawdbot config show` and logs. */
import { formatKeyPath } from "./key-path.js";
import { isSecretPath } from "./schema.js";

export const REDACTED = "[REDACTED]";

export function redactConfig(value: unknown, segs: PropertyKey[] = []): unknown {
  if (Array.isArray(value)) return value.map((v, i) => redactConfig(v, [...segs, i]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactConfig(v, [...segs, k]);
    return out;
  }
  if (value !== undefined && segs.length > 0 && isSecretPath(formatKeyPath(segs))) return REDACTED;
  return value;
}
