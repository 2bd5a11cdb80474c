/**
 * Canonical JSON for hashing: object keys sorted by UTF-16 code unit order,
 * no whitespace, values as JSON.stringify renders them. Input must already be
 * plain JSON data (see `toJsonValue` in redact.ts); a parsed line and the
 * object it was written from canonicalise to the same string.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const s = JSON.stringify(value);
    return s === undefined ? "null" : s;
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => canonicalJson(v)).join(",")}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}
