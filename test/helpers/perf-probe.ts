/** Bundles ui/src/perf-probe.ts (with esbuild) for evaluation inside the real page. */
import path from "node:path";
import { build } from "esbuild";

let cached: string | undefined;

export async function perfProbeSource(): Promise<string> {
  if (cached) return cached;
  const r = await build({ entryPoints: [path.resolve("ui/src/perf-probe.ts")], bundle: true, write: false, format: "iife", target: "es2022", logLevel: "silent" });
  cached = r.outputFiles[0]!.text;
  return cached;
}
