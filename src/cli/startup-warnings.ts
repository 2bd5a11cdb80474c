/**
 * At gateway start: the doctor's checks, run against the config in force (with
 * --bind applied), turned into one warning line per failing finding. The
 * checks are doctor's own (src/doctor/), not a second copy of the rules.
 */
import type { Runtime } from "../app/runtime.js";
import { terminalSafe } from "../core/terminal-text.js";
import { runDoctor } from "../doctor/run-doctor.js";
import type { Finding } from "../doctor/types.js";

export function warningLine(f: Finding): string {
  return terminalSafe(`doctor: [${f.check}] ${f.subject} — ${f.message}${f.fix ? ` (fix: ${f.fix})` : ""}`);
}

export async function startupWarnings(opts: {
  stateDir: string;
  configPath: string;
  configExplicit: boolean;
  env: NodeJS.ProcessEnv;
  runtime: Runtime;
  /** The address actually listened on. */
  listenHost: string;
}): Promise<string[]> {
  const config = opts.runtime.config;
  const effective = { ...config, gateway: { ...config.gateway, bind: opts.listenHost } };
  let findings: Finding[];
  try {
    ({ findings } = await runDoctor({
      stateDir: opts.stateDir,
      configPath: opts.configPath,
      configExplicit: opts.configExplicit,
      checks: [],
      fix: false,
      env: opts.env,
      loaded: { config: effective, file: opts.runtime.configFile, fromEnv: opts.runtime.configFromEnv },
    }));
  } catch (e) {
    return [`doctor checks could not run at start (${(e as NodeJS.ErrnoException).code ?? (e as Error).name}); run clawdbot doctor`];
  }
  const failing = findings.filter((f) => f.status === "fail");
  const lines = failing.map(warningLine);
  if (lines.length > 0) lines.push(`${failing.length} problem(s) found at start; clawdbot doctor explains each (exit status 1 while any remains)`);
  return lines;
}
