/**
 * Permissions of everything that holds a secret or a record: the state dir
 * (0700), the config file (0600), `credentials/` (0700, files 0600), `devices/`
 * (0700/0600) and the audit log (0600), all owned by the current user.
 * Guide: "Credential Storage" (`clawdbot doctor --check credentials`).
 */
import fs from "node:fs/promises";
import path from "node:path";
import { credentialsDirFor } from "../../config/index.js";
import { inspectMode, octal } from "../file-mode.js";
import type { ModeTarget } from "../file-mode.js";
import { literalSecretPaths } from "../literal-secrets.js";
import type { DoctorContext, Finding } from "../types.js";
import { auditFileModeFindings } from "./audit.js";

/** Bounds on the walk of credentials/ and devices/ (they hold a handful of files). */
const MAX_DEPTH = 4;
const MAX_ENTRIES = 10_000;

export async function credentialsCheck(ctx: DoctorContext): Promise<Finding[]> {
  const out: Finding[] = [];
  const state = await inspectMode(ctx, {
    check: "credentials",
    id: "credentials.state-dir-mode",
    path: ctx.stateDir,
    kind: "dir",
    forbidden: 0o077,
    label: "state dir",
  });
  if (!state.exists) {
    out.push(pass(ctx.stateDir, "credentials.state-dir-mode", "the state dir does not exist yet (the gateway creates it 0700)"));
  } else {
    out.push(...orPass(state.findings, ctx.stateDir, "credentials.state-dir-mode", "the state dir is private (no group/other access)"));
  }
  out.push(...(await configFileFindings(ctx)));
  out.push(...(await treeFindings(ctx, credentialsDirFor(ctx.stateDir), "credentials", "credentials.dir-mode", "credentials.file-mode", true)));
  out.push(...(await treeFindings(ctx, path.join(ctx.stateDir, "devices"), "devices", "credentials.devices-mode", "credentials.devices-mode", false)));
  if (!ctx.checks.includes("audit")) out.push(...(await auditFileModeFindings(ctx, "credentials")));
  return out;
}

async function configFileFindings(ctx: DoctorContext): Promise<Finding[]> {
  const file = ctx.configPath;
  let mode: number;
  try {
    mode = (await fs.lstat(file)).mode;
  } catch {
    return []; // absent: defaults are in force (an explicit missing file is a config finding)
  }
  const secrets = ctx.loaded ? literalSecretPaths(ctx.loaded) : undefined;
  const othersMayWrite = (mode & 0o022) !== 0;
  // Readable by others is a failure when it holds literal secrets (or we cannot tell), else a warning.
  const severity = othersMayWrite || secrets === undefined || secrets.length > 0 ? "fail" : "warn";
  const why = othersMayWrite
    ? "others can change what the gateway allows"
    : secrets === undefined || secrets.length > 0
      ? "it holds secrets"
      : "it describes your security setup";
  const t: ModeTarget = { check: "credentials", id: "credentials.config-mode", path: file, kind: "file", forbidden: 0o077, label: "config file", severity, why };
  const r = await inspectMode(ctx, t);
  return orPass(r.findings, file, "credentials.config-mode", `the config file is private (${octal(mode)})`);
}

/** A private directory and everything below it: dirs without group/other access, files 0600 or stricter. */
async function treeFindings(
  ctx: DoctorContext,
  root: string,
  label: string,
  dirId: string,
  fileId: string,
  reportAbsent: boolean,
): Promise<Finding[]> {
  const top = await inspectMode(ctx, { check: "credentials", id: dirId, path: root, kind: "dir", forbidden: 0o077, label: `${label}/ directory` });
  if (!top.exists) {
    return reportAbsent ? [pass(root, dirId, `${label}/ does not exist yet (the gateway creates it 0700)`)] : [];
  }
  const problems = [...top.findings];
  if (problems.some(isStructural)) return problems;
  let files = 0;
  let seen = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      problems.push({
        check: "credentials",
        id: "credentials.unreadable",
        status: "fail",
        subject: dir,
        message: `cannot list ${label}/ (${(e as NodeJS.ErrnoException).code ?? "error"})`,
        fix: `check the owner and mode of ${dir}`,
      });
      return;
    }
    for (const ent of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (++seen > MAX_ENTRIES) return;
      const p = path.join(dir, ent.name);
      const isDir = ent.isDirectory();
      const r = await inspectMode(ctx, {
        check: "credentials",
        id: isDir ? dirId : fileId,
        path: p,
        kind: isDir ? "dir" : "file",
        forbidden: 0o077,
        label: isDir ? `directory in ${label}/` : `file in ${label}/`,
      });
      problems.push(...r.findings);
      if (!isDir) files++;
      else if (depth < MAX_DEPTH && !r.findings.some(isStructural)) await walk(p, depth + 1);
    }
  };
  await walk(root, 1);
  return orPass(problems, root, dirId, `${label}/ and its ${files} file${files === 1 ? "" : "s"} are private to you`);
}

/** A path that is not what it should be (link, wrong type, unreadable): never descend into it. */
function isStructural(f: Finding): boolean {
  return f.id === "credentials.symlink" || f.id.endsWith(".file-type") || f.id.endsWith(".unreadable");
}

function pass(subject: string, id: string, message: string): Finding {
  return { check: "credentials", id, status: "pass", subject, message };
}

function orPass(findings: Finding[], subject: string, id: string, message: string): Finding[] {
  return findings.length > 0 ? findings : [pass(subject, id, message)];
}
