/**
 * Defence-in-depth redaction of audit metadata. Callers must not put secrets
 * in metadata in the first place; this catches mistakes. The output is plain
 * JSON data (null-prototype objects, arrays, strings, finite numbers,
 * booleans, null) so the written line and its hash agree.
 */
export const REDACTED = "[REDACTED]";

/** Normalised (lower-case, alphanumerics only) key fragments that mark a secret. */
const SECRET_KEY_PARTS = [
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "apikey",
  "accesskey",
  "authorization",
  "credential",
  "privatekey",
  "cookie",
  "sessionid",
  "bearer",
] as const;

/** String values that are credentials whatever their key. */
const SECRET_VALUE_RES = [/^\s*(bearer|basic)\s+\S+/i, /-----BEGIN [A-Z ]*PRIVATE KEY-----/];

export interface RedactLimits {
  maxDepth: number;
  maxStringLength: number;
  maxKeys: number;
}

export const DEFAULT_REDACT_LIMITS: RedactLimits = { maxDepth: 8, maxStringLength: 4096, maxKeys: 256 };

export function isSecretKey(key: string): boolean {
  const norm = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  return SECRET_KEY_PARTS.some((part) => norm.includes(part));
}

function isCountOrFlag(v: unknown): boolean {
  return v === null || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
}

function isSecretValue(s: string): boolean {
  return SECRET_VALUE_RES.some((re) => re.test(s));
}

function clipString(s: string, limits: RedactLimits): string {
  if (isSecretValue(s)) return REDACTED;
  return s.length > limits.maxStringLength ? `${s.slice(0, limits.maxStringLength)}…[truncated]` : s;
}

function toValue(v: unknown, depth: number, seen: Set<object>, limits: RedactLimits): unknown {
  if (v === null) return null;
  switch (typeof v) {
    case "string":
      return clipString(v, limits);
    case "number":
      return Number.isFinite(v) ? v : null;
    case "boolean":
      return v;
    case "bigint":
      return v.toString();
    case "object":
      break;
    default:
      return undefined; // undefined, function, symbol: dropped like JSON.stringify does
  }
  const obj = v as object;
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (seen.has(obj)) return "[Circular]";
  if (depth >= limits.maxDepth) return "[Truncated]";
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      return obj.slice(0, limits.maxKeys).map((item) => toValue(item, depth + 1, seen, limits) ?? null);
    }
    return toObject(obj as Record<string, unknown>, depth, seen, limits);
  } finally {
    seen.delete(obj);
  }
}

function toObject(
  obj: Record<string, unknown>,
  depth: number,
  seen: Set<object>,
  limits: RedactLimits,
): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(obj).slice(0, limits.maxKeys)) {
    // A number, a boolean or null cannot carry a credential: `usage.inputTokens: 812`,
    // `tokenRotated: true` stay readable; anything else under a secret-named key is replaced.
    if (isSecretKey(key) && !isCountOrFlag(obj[key])) {
      out[key] = REDACTED;
      continue;
    }
    const value = toValue(obj[key], depth + 1, seen, limits);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Redacts secret-looking keys/values (nested, case-insensitive) and normalises to JSON data. */
export function redactMetadata(
  metadata: Record<string, unknown> | undefined,
  limits: RedactLimits = DEFAULT_REDACT_LIMITS,
): Record<string, unknown> {
  if (metadata === undefined || metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    return Object.create(null) as Record<string, unknown>;
  }
  return toObject(metadata, 0, new Set(), limits);
}
