/** Secret key paths whose value was written literally in the config file rather than taken from `${ENV}`. */
import { formatKeyPath, isSecretPath } from "../config/index.js";
import type { LoadedDoctorConfig } from "./types.js";

export function literalSecretPaths(loaded: LoadedDoctorConfig): string[] {
  if (loaded.file === undefined) return [];
  const fromEnv = new Set(loaded.fromEnv);
  const out: string[] = [];
  const walk = (node: unknown, segs: PropertyKey[]): void => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...segs, i]));
    else if (node !== null && typeof node === "object") for (const [k, v] of Object.entries(node)) walk(v, [...segs, k]);
    else if (typeof node === "string" && segs.length > 0) {
      const p = formatKeyPath(segs);
      if (isSecretPath(p) && !fromEnv.has(p)) out.push(p);
    }
  };
  walk(loaded.config, []);
  return out;
}
