/** Changed leaf key paths between two configs (values are never part of the result). */
import { formatKeyPath } from "./key-path.js";

export function changedPaths(a: unknown, b: unknown, segs: PropertyKey[] = [], out: string[] = []): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) changedPaths(a[k], b[k], [...segs, k], out);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(formatKeyPath(segs));
      return out;
    }
    a.forEach((v, i) => changedPaths(v, b[i], [...segs, i], out));
    return out;
  }
  if (!Object.is(a, b)) out.push(formatKeyPath(segs));
  return out;
}
