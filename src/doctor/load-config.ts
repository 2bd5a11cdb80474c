/** Loads the config for doctor: a ConfigError becomes a list of issues instead of an exception. */
import { ConfigError, loadConfigFile } from "../config/index.js";
import type { ConfigIssue } from "../config/index.js";
import type { LoadedDoctorConfig } from "./types.js";

export function loadConfigForDoctor(opts: {
  configPath: string;
  configExplicit: boolean;
  env: NodeJS.ProcessEnv;
}): { loaded: LoadedDoctorConfig | undefined; issues: ConfigIssue[] } {
  try {
    const r = loadConfigFile({ path: opts.configPath, explicit: opts.configExplicit, env: opts.env });
    return { loaded: { config: r.config, file: r.file, fromEnv: r.fromEnv }, issues: [] };
  } catch (e) {
    if (e instanceof ConfigError) return { loaded: undefined, issues: [...e.issues] };
    throw e;
  }
}
