/**
 * The shapes every doctor check shares. A check reads a DoctorContext and
 * returns findings; it never prints, never throws for an expected problem,
 * and never puts a secret value in a finding.
 */
import type { Config, ConfigIssue } from "../config/index.js";
import type { SandboxProbeResult } from "../sandbox/probe.js";
import type { SandboxSettings } from "../sandbox/settings.js";

export const CHECK_NAMES = ["credentials", "auth", "network", "audit", "rbac", "sandbox", "models"] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** Config problems are reported under `config`, whichever checks were asked for. */
export type FindingSource = CheckName | "config";

export type FindingStatus = "pass" | "warn" | "fail" | "fixed";

export interface Finding {
  check: FindingSource;
  /** Stable id, e.g. `credentials.file-mode`. */
  id: string;
  status: FindingStatus;
  /** The file or the config key path concerned. */
  subject: string;
  message: string;
  /** How to fix it (absent on a pass). */
  fix?: string;
}

export type SandboxProbe = (bwrapPath?: string, settings?: SandboxSettings) => Promise<SandboxProbeResult>;

/** A config that loaded, with what the loader knows about where its values came from. */
export interface LoadedDoctorConfig {
  config: Config;
  /** The file read, or undefined when none exists at the default path (defaults in force). */
  file: string | undefined;
  /** Key paths whose value came from the environment. */
  fromEnv: readonly string[];
}

export interface DoctorContext {
  stateDir: string;
  configPath: string;
  /** The loaded config, or undefined when it is invalid (see configIssues). */
  loaded: LoadedDoctorConfig | undefined;
  configIssues: readonly ConfigIssue[];
  /** The checks selected for this run (checks that share a target use it to avoid reporting twice). */
  checks: readonly CheckName[];
  fix: boolean;
  env: NodeJS.ProcessEnv;
  now: number;
  /** Whether bubblewrap works (src/sandbox/bwrap.ts in production; a fake in tests). */
  checkSandbox: SandboxProbe;
  /** The uid files must belong to; undefined where the platform has none. */
  uid: number | undefined;
}

export type Check = (ctx: DoctorContext) => Promise<Finding[]>;

export function isCheckName(value: string): value is CheckName {
  return (CHECK_NAMES as readonly string[]).includes(value);
}
