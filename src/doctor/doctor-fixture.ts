/** Test support: a private temp state dir, files with exact modes, and a DoctorContext built like runDoctor builds it. */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfigForDoctor } from "./load-config.js";
import { CHECK_NAMES } from "./types.js";
import type { CheckName, DoctorContext, Finding, SandboxProbe } from "./types.js";

export async function makeStateDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-doctor-"));
  await fs.chmod(dir, 0o700);
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

/** Temp state dirs for one test file: `state()` makes one, `cleanup()` (pass to `after`) removes them all. */
export function tempStates(): { state: () => Promise<string>; cleanup: () => Promise<void> } {
  const dirs: string[] = [];
  return {
    state: async () => {
      const d = await makeStateDir();
      dirs.push(d);
      return d;
    },
    cleanup: async () => {
      for (const d of dirs.splice(0)) await removeDir(d);
    },
  };
}

/** Writes `content` to `p` (parents created 0700) and sets exactly `mode`. */
export async function writeWithMode(p: string, content: string, mode: number): Promise<void> {
  await fs.mkdir(path.dirname(p), { recursive: true, mode: 0o700 });
  await fs.writeFile(p, content);
  await fs.chmod(p, mode);
}

export async function modeOf(p: string): Promise<number> {
  return (await fs.lstat(p)).mode & 0o777;
}

export const okSandbox: SandboxProbe = async () => ({ ok: true });

export interface ContextOptions {
  stateDir: string;
  /** Written to <state>/config.yaml (0600) when given. */
  yaml?: string;
  env?: NodeJS.ProcessEnv;
  fix?: boolean;
  checks?: CheckName[];
  now?: number;
  checkSandbox?: SandboxProbe;
}

export async function contextFor(o: ContextOptions): Promise<DoctorContext> {
  const configPath = path.join(o.stateDir, "config.yaml");
  if (o.yaml !== undefined) await writeWithMode(configPath, o.yaml, 0o600);
  const env = o.env ?? {};
  const { loaded, issues } = loadConfigForDoctor({ configPath, configExplicit: false, env });
  return {
    stateDir: o.stateDir,
    configPath,
    loaded,
    configIssues: issues,
    checks: o.checks ?? [...CHECK_NAMES],
    fix: o.fix ?? false,
    env,
    now: o.now ?? Date.now(),
    checkSandbox: o.checkSandbox ?? okSandbox,
    uid: typeof process.getuid === "function" ? process.getuid() : undefined,
  };
}

/** The findings with `id` (all of them, in order). */
export function byId(findings: readonly Finding[], id: string): Finding[] {
  return findings.filter((f) => f.id === id);
}

/** The single finding with `id` and `subject` (or id alone); throws when absent so tests fail loudly. */
export function one(findings: readonly Finding[], id: string, subject?: string): Finding {
  const hits = findings.filter((f) => f.id === id && (subject === undefined || f.subject === subject));
  if (hits.length !== 1) throw new Error(`expected one ${id} ${subject ?? ""} finding, got ${hits.length}: ${JSON.stringify(findings, null, 1)}`);
  return hits[0] as Finding;
}
