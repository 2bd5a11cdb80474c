/**
 * Runs the selected checks in a fixed order against one state dir and config.
 * An invalid config yields one `config.invalid` failure per issue, and the
 * checks that need the config leave a "skipped" note; file-permission checks
 * still run (they matter most when something is wrong).
 */
import { checkSandboxAvailable } from "../sandbox/probe.js";
import { auditCheck } from "./checks/audit.js";
import { authCheck } from "./checks/auth.js";
import { credentialsCheck } from "./checks/credentials.js";
import { networkCheck } from "./checks/network.js";
import { rbacCheck } from "./checks/rbac.js";
import { sandboxCheck } from "./checks/sandbox.js";
import { modelsCheck } from "./checks/models.js";
import { loadConfigForDoctor } from "./load-config.js";
import { CHECK_NAMES } from "./types.js";
import type { Check, CheckName, DoctorContext, Finding, LoadedDoctorConfig, SandboxProbe } from "./types.js";

export const CHECKS: Readonly<Record<CheckName, Check>> = {
  credentials: credentialsCheck,
  auth: authCheck,
  network: networkCheck,
  audit: auditCheck,
  rbac: rbacCheck,
  sandbox: sandboxCheck,
  models: modelsCheck,
};

export interface RunDoctorOptions {
  stateDir: string;
  configPath: string;
  configExplicit: boolean;
  /** Which checks to run; empty means all. */
  checks: CheckName[];
  fix: boolean;
  env: NodeJS.ProcessEnv;
  /** Milliseconds since the epoch (token age); default Date.now(). */
  now?: number;
  /** Bubblewrap probe; default src/sandbox/bwrap.ts checkSandboxAvailable. */
  checkSandbox?: SandboxProbe;
  /** The config in force, when the caller already holds it (the gateway at start, with --bind/--port applied). */
  loaded?: LoadedDoctorConfig;
}

export async function runDoctor(opts: RunDoctorOptions): Promise<{ findings: Finding[]; ok: boolean }> {
  const selected = opts.checks.length === 0 ? [...CHECK_NAMES] : CHECK_NAMES.filter((c) => opts.checks.includes(c));
  const { loaded, issues } = opts.loaded ? { loaded: opts.loaded, issues: [] } : loadConfigForDoctor(opts);
  const ctx: DoctorContext = {
    stateDir: opts.stateDir,
    configPath: opts.configPath,
    loaded,
    configIssues: issues,
    checks: selected,
    fix: opts.fix,
    env: opts.env,
    now: opts.now ?? Date.now(),
    checkSandbox: opts.checkSandbox ?? checkSandboxAvailable,
    uid: typeof process.getuid === "function" ? process.getuid() : undefined,
  };
  const findings: Finding[] = issues.map((i) => ({
    check: "config",
    id: "config.invalid",
    status: "fail",
    subject: i.path,
    message: `${i.message} (in ${opts.configPath})`,
    fix: configIssueFix(i.message),
  }));
  for (const name of selected) findings.push(...(await CHECKS[name](ctx)));
  return { findings, ok: !findings.some((f) => f.status === "fail") };
}

/** An unset `${VAR}` is fixed in the environment, not in the file. */
function configIssueFix(message: string): string {
  const name = /^environment variable (\S+) is not set/.exec(message)?.[1];
  if (name === undefined) return "correct this key in the config file";
  return `export ${name} in the environment of the gateway and of this command, or give a default in the file: \${${name}:-…}`;
}
