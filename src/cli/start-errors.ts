/**
 * Turns the errors a gateway start (or any command touching the state dir) can
 * meet into one message an operator can act on: which address, which path,
 * what to try. Undefined for anything else.
 */
import path from "node:path";

interface StartErrorContext {
  stateDir: string;
  /** What the gateway tried to listen on (the effective bind and port). */
  bind: string;
  port: number;
}

const PERMISSION_CODES = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR", "EEXIST", "ENOENT", "ELOOP"]);
const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOTDIR: "a path component is not a directory",
  EEXIST: "exists and is not what was expected",
  ENOENT: "does not exist",
  ELOOP: "is a symbolic link (not followed)",
  ENOSPC: "no space left on device",
};

function inside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

export function describeStartError(e: unknown, ctx: StartErrorContext): string | undefined {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (err?.code === "EADDRINUSE" || err?.code === "EADDRNOTAVAIL") {
    const host = err.address ?? ctx.bind;
    const port = err.port ?? ctx.port;
    const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
    return err.code === "EADDRINUSE"
      ? `cannot listen on ${where}: address already in use — another clawdbot gateway (or another program) may be running there; ` +
          `stop it, or pick another port with --port N or gateway.port`
      : `cannot listen on ${where}: the address is not available on this machine — check --bind / gateway.bind`;
  }
  if (err?.code === "EACCES" && err.syscall === "listen") {
    return `cannot listen on ${ctx.bind}:${ctx.port}: permission denied (ports below 1024 need privileges) — use a port >= 1024`;
  }
  const p = typeof err?.path === "string" ? err.path : undefined;
  if (err?.code && PERMISSION_CODES.has(err.code) && p && inside(ctx.stateDir, p) || (err?.code && p === ctx.stateDir)) {
    return (
      `cannot use the state directory ${ctx.stateDir}: ${p} — ${REASONS[err.code as string] ?? err.code} (${err.code}). ` +
      `The gateway keeps its token, audit log and pairings there; make it writable by this user (mode 0700), ` +
      `or set CLAWDBOT_STATE_DIR to a directory this user owns`
    );
  }
  return undefined;
}
