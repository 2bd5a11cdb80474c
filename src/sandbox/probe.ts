/**
 * Probes the sandbox for real (doctor, docs/doctor.md): runs a command under
 * bubblewrap around a throwaway workspace and reports what it found — the
 * host uid commands run as, the limits in force inside, and whether user
 * namespaces work on the host and inside. Catches missing binaries and
 * kernels without user namespaces.
 */
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findBwrap, findSystemProgram, runCommand } from "./bwrap.js";
import { runProcess } from "./process-runner.js";
import { defaultSandboxSettings, sandboxIdentity } from "./settings.js";
import type { SandboxSettings } from "./settings.js";

export interface SandboxFacts {
  /** Host uid and gid the probe command ran as. */
  uid: number;
  gid: number;
  /** True when the gateway is root and commands drop to tools.sandbox.uid/gid. */
  dropped: boolean;
  /** Whether the gateway's user can create a user namespace (bubblewrap needs one unless the gateway is root). */
  hostUserNamespaces: boolean;
  /** Whether a sandboxed command can create a user namespace of its own. */
  sandboxUserNamespaces: boolean;
  /** Limits seen inside, in the units of tools.sandbox (undefined = unlimited). */
  limits: { maxProcesses?: number; maxMemoryBytes?: number; maxCpuSeconds?: number; maxFileBytes?: number };
}

export interface SandboxProbeResult {
  ok: boolean;
  reason?: string;
  facts?: SandboxFacts;
}

const PROBE = "id -u; id -g; ulimit -u; ulimit -v; ulimit -t; ulimit -f; (unshare -U true) >/dev/null 2>&1 && echo yes || echo no";

const num = (s: string | undefined, unit = 1): number | undefined => (s === undefined || s === "unlimited" ? undefined : Number(s) * unit);

async function hostUserNamespaces(): Promise<boolean> {
  const unshare = await findSystemProgram("unshare");
  if (!unshare) return false;
  const r = await runProcess({ file: unshare, args: ["--user", "true"], cwd: "/", env: {}, timeoutMs: 10_000, maxOutputBytes: 1024 }).catch(() => undefined);
  return r?.exitCode === 0;
}

export async function checkSandboxAvailable(bwrapPath?: string, settings: SandboxSettings = defaultSandboxSettings): Promise<SandboxProbeResult> {
  const requested = bwrapPath ?? "bwrap";
  if ((await findBwrap(requested)) === undefined) {
    return { ok: false, reason: `bubblewrap (bwrap) not found or not executable: ${requested}` };
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-sandbox-probe-"));
  try {
    const r = await runCommand({ command: PROBE, cwd: dir, workspace: dir, policy: "sandbox", timeoutMs: 10_000, maxOutputBytes: 4096, hiddenPaths: [], bwrapPath: requested, sandbox: settings });
    if (r.exitCode !== 0) return { ok: false, reason: `the sandbox probe exited with code ${r.exitCode}` };
    const [uid, gid, nproc, as, cpu, fsize, userns] = r.stdout.trim().split("\n");
    const facts: SandboxFacts = {
      uid: Number(uid),
      gid: Number(gid),
      dropped: sandboxIdentity(settings) !== undefined,
      hostUserNamespaces: await hostUserNamespaces(),
      sandboxUserNamespaces: userns === "yes",
      limits: { maxProcesses: num(nproc), maxMemoryBytes: num(as, 1024), maxCpuSeconds: num(cpu), maxFileBytes: num(fsize, 1024) },
    };
    return { ok: true, facts };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : "sandbox probe failed" };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
