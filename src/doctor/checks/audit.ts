/**
 * Audit logging: on, writable, retention sane, log file private.
 * Guide: "Enable audit logging"; "Review audit logs for anomalies".
 */
import { constants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { auditPathFor } from "../../config/index.js";
import { inspectMode } from "../file-mode.js";
import { auditChainFindings } from "./audit-chain.js";
import { skippedForInvalidConfig } from "../skipped.js";
import type { DoctorContext, Finding } from "../types.js";

/** Longer than this is kept "forever" in practice; the guide's example is 30. */
export const MAX_RETENTION_DAYS = 365;

/** The audit log path in force; the default path when the config is invalid. */
export function auditLogPath(ctx: DoctorContext): string {
  return auditPathFor(ctx.stateDir, ctx.loaded?.config.gateway.audit.path);
}

/** The audit log's mode finding(s); shared with the credentials check. */
export async function auditFileModeFindings(ctx: DoctorContext, check: "audit" | "credentials"): Promise<Finding[]> {
  const file = auditLogPath(ctx);
  const r = await inspectMode(ctx, {
    check,
    id: "audit.file-mode",
    path: file,
    kind: "file",
    forbidden: 0o077,
    label: "audit log",
    why: "it records who did what, from where",
  });
  if (!r.exists) return [];
  if (r.findings.length > 0) return r.findings;
  return [{ check, id: "audit.file-mode", status: "pass", subject: file, message: "the audit log is private to its owner" }];
}

export async function auditCheck(ctx: DoctorContext): Promise<Finding[]> {
  if (!ctx.loaded) return [skippedForInvalidConfig("audit")];
  const audit = ctx.loaded.config.gateway.audit;
  const out: Finding[] = [];
  out.push(
    audit.enabled
      ? { check: "audit", id: "audit.enabled", status: "pass", subject: "gateway.audit.enabled", message: "audit logging is on" }
      : {
          check: "audit",
          id: "audit.enabled",
          status: "fail",
          subject: "gateway.audit.enabled",
          message: "audit logging is off: security decisions leave no record",
          fix: "set gateway.audit.enabled: true",
        },
  );
  out.push(await writableFinding(auditLogPath(ctx)));
  out.push(
    audit.retentionDays > MAX_RETENTION_DAYS
      ? {
          check: "audit",
          id: "audit.retention",
          status: "warn",
          subject: "gateway.audit.retentionDays",
          message: `retention of ${audit.retentionDays} days keeps records (client addresses, principals) longer than a year`,
          fix: `set gateway.audit.retentionDays to at most ${MAX_RETENTION_DAYS} (the guide uses 30) and archive elsewhere if needed`,
        }
      : { check: "audit", id: "audit.retention", status: "pass", subject: "gateway.audit.retentionDays", message: `records are kept ${audit.retentionDays} days` },
  );
  out.push(...(await auditFileModeFindings(ctx, "audit")));
  out.push(...(await auditChainFindings(auditLogPath(ctx), audit.retentionDays, ctx.now)));
  return out;
}

/** The log must be appendable: the file if it exists, else its directory (or the nearest existing ancestor). */
async function writableFinding(file: string): Promise<Finding> {
  const failWith = (message: string, fix: string): Finding => ({ check: "audit", id: "audit.writable", status: "fail", subject: file, message, fix });
  const fixDir = `make ${path.dirname(file)} a directory writable by the gateway user, or set gateway.audit.path`;
  try {
    const st = await fs.lstat(file);
    if (st.isSymbolicLink()) return failWith("the audit log is a symbolic link", "replace the link with a regular file (or remove it)");
    if (!st.isFile()) return failWith("the audit log path is not a regular file", "remove it or set gateway.audit.path");
    await fs.access(file, constants.W_OK);
    return { check: "audit", id: "audit.writable", status: "pass", subject: file, message: "the audit log is writable" };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") return failWith("the audit log is not writable", `chmod u+w ${file} (or fix its owner)`);
    if (code === "ENOTDIR") return failWith("a parent of the audit log is not a directory", fixDir);
    if (code !== "ENOENT") return failWith(`cannot inspect the audit log (${code ?? "error"})`, fixDir);
  }
  let dir = path.dirname(file);
  for (;;) {
    try {
      const st = await fs.stat(dir);
      if (!st.isDirectory()) return failWith(`${dir} is not a directory`, fixDir);
      await fs.access(dir, constants.W_OK | constants.X_OK);
      return { check: "audit", id: "audit.writable", status: "pass", subject: file, message: "the audit log does not exist yet; its directory is writable" };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && path.dirname(dir) !== dir) {
        dir = path.dirname(dir);
        continue;
      }
      if (code === "ENOTDIR") return failWith("a parent of the audit log is not a directory", fixDir);
      return failWith(`the audit log's directory ${dir} is not writable`, fixDir);
    }
  }
}
