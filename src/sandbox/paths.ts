/**
 * Path confinement for the file tools.
 *
 * Under `sandbox`, a path is resolved against the workspace and must stay
 * inside the workspace's real path after every symbolic link is resolved.
 * Under `host`, paths are resolved against the workspace the same way but may
 * point anywhere (hidden paths stay refused). Resolution only decides; the
 * files are then opened component by component with O_NOFOLLOW and the opened
 * descriptor is verified again (see open-beneath.ts), so a path swapped after
 * this check cannot redirect the operation.
 */
import { promises as fs, realpathSync } from "node:fs";
import path from "node:path";
import { GatewayError } from "../core/errors.js";
import { fromFsError, isErrno, pathMistake, sandboxDenied } from "./denial.js";
import type { SandboxRule } from "./denial.js";

export type PathPolicy = "sandbox" | "host";

export interface PathScopeOptions {
  workspace: string;
  policy: PathPolicy;
  hiddenPaths: readonly string[];
}

/** A scope resolved once per tool call: real paths only. */
export interface PathScope {
  policy: PathPolicy;
  /** realpath of the workspace. */
  workspaceReal: string;
  /** Lexical (as configured) absolute workspace path. */
  workspaceLexical: string;
  /** Where descriptor walks start: the workspace under sandbox, `/` under host. */
  root: string;
  /** Hidden paths, as configured and as real paths (see isHidden). */
  hidden: readonly string[];
}

export interface ResolvedPath {
  /** What the caller wrote. */
  given: string;
  /** Absolute path free of symbolic links (missing tail components appended). */
  real: string;
  /** Whether `real` existed when resolved. */
  exists: boolean;
  /** Workspace-relative POSIX path when inside the workspace, else `real`. */
  display: string;
}

const MAX_LINK_HOPS = 40;
const MAX_PATH_CHARS = 4096;

/** True when `child` is `parent` or lies below it (both absolute, normalised). */
export function isWithin(child: string, parent: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(path.sep) ? parent : parent + path.sep;
  return child.startsWith(prefix);
}

export async function resolveScope(opts: PathScopeOptions): Promise<PathScope> {
  if (!path.isAbsolute(opts.workspace)) {
    throw new GatewayError("INTERNAL", "agent workspace must be an absolute path");
  }
  let workspaceReal: string;
  try {
    workspaceReal = await fs.realpath(opts.workspace);
    if (!(await fs.stat(workspaceReal)).isDirectory()) throw new Error("not a directory");
  } catch (e) {
    throw new GatewayError("UNAVAILABLE", "agent workspace is not an existing directory", { cause: e });
  }
  if (workspaceReal === path.parse(workspaceReal).root && opts.policy === "sandbox") {
    throw new GatewayError("UNAVAILABLE", "agent workspace must not be the file system root under policy sandbox");
  }
  const hidden = new Set<string>();
  for (const h of opts.hiddenPaths) {
    const lexical = path.resolve(h);
    hidden.add(lexical);
    hidden.add(await fs.realpath(lexical).catch(() => lexical));
  }
  return {
    policy: opts.policy,
    workspaceReal,
    workspaceLexical: path.resolve(opts.workspace),
    root: opts.policy === "sandbox" ? workspaceReal : path.parse(workspaceReal).root,
    hidden: [...hidden],
  };
}

/**
 * A path is hidden when it lies in a hidden path, except inside the workspace
 * when the hidden path contains the workspace (the default workspace lives in
 * the state dir: the workspace stays usable, the rest of the state dir does not).
 */
export function isHidden(scope: PathScope, p: string): boolean {
  return scope.hidden.some((h) => {
    if (!isWithin(p, h)) return false;
    const workspaceInside = isWithin(scope.workspaceReal, h) || isWithin(scope.workspaceLexical, h);
    return !(workspaceInside && (isWithin(p, scope.workspaceReal) || isWithin(p, scope.workspaceLexical)));
  });
}

/** Throws FORBIDDEN when `actual` (a real path) is not allowed in this scope. */
export function assertAllowed(scope: PathScope, actual: string, given: string, outsideRule: SandboxRule): void {
  if (scope.policy === "sandbox" && !isWithin(actual, scope.workspaceReal)) throw sandboxDenied(outsideRule, given);
  if (isHidden(scope, actual)) throw sandboxDenied("hidden_path", given);
}

/** Resolves a caller path to a symlink-free absolute path and checks it against the scope. */
export async function resolveToolPath(scope: PathScope, given: string): Promise<ResolvedPath> {
  const lexical = checkLexical(scope, given);
  const { real, exists } = await resolveReal(lexical, given, 0).catch((e: unknown) => {
    throw fromFsError(e, given); // e.g. a link that vanished between lstat and readlink
  });
  assertAllowed(scope, real, given, "symlink_escape");
  return { given, real, exists, display: displayPath(scope, real) };
}

/**
 * resolveToolPath for worker threads (the walk workers, where blocking blocks
 * nobody): an existing path costs one synchronous realpath(3), the same call
 * `fs.promises.realpath` makes; anything else (a missing tail, a dangling or
 * looping link, an error) takes resolveToolPath itself, so the answer and
 * every refusal are the same.
 */
export async function resolveToolPathInWorker(scope: PathScope, given: string): Promise<ResolvedPath> {
  const lexical = checkLexical(scope, given);
  let real: string;
  try {
    real = realpathSync.native(lexical);
  } catch {
    return resolveToolPath(scope, given);
  }
  assertAllowed(scope, real, given, "symlink_escape");
  return { given, real, exists: true, display: displayPath(scope, real) };
}

/** The checks on what the caller wrote, before any file system call; returns the lexical path. */
function checkLexical(scope: PathScope, given: string): string {
  if (given.length === 0) throw new GatewayError("INVALID_REQUEST", "path must not be empty");
  if (given.includes("\0")) throw new GatewayError("INVALID_REQUEST", "path must not contain NUL bytes");
  if (given.length > MAX_PATH_CHARS) throw new GatewayError("INVALID_REQUEST", "path is too long");

  const lexical = path.resolve(scope.workspaceLexical, given);
  if (
    scope.policy === "sandbox" &&
    !isWithin(lexical, scope.workspaceLexical) &&
    !isWithin(lexical, scope.workspaceReal)
  ) {
    throw sandboxDenied("path_outside_workspace", given);
  }
  if (isHidden(scope, lexical)) throw sandboxDenied("hidden_path", given);
  return lexical;
}

export function displayPath(scope: PathScope, real: string): string {
  if (!isWithin(real, scope.workspaceReal)) return real;
  const rel = path.relative(scope.workspaceReal, real);
  return rel === "" ? "." : rel.split(path.sep).join("/");
}

/**
 * realpath that also resolves paths whose tail does not exist yet, following
 * dangling symbolic links to where they point (a link to a missing file
 * outside the workspace is therefore still an escape).
 */
async function resolveReal(p: string, given: string, hops: number): Promise<{ real: string; exists: boolean }> {
  if (hops > MAX_LINK_HOPS) throw pathMistake(given, "too many levels of symbolic links");
  try {
    return { real: await fs.realpath(p), exists: true };
  } catch (e) {
    if (isErrno(e, "ELOOP")) throw pathMistake(given, "too many levels of symbolic links");
    if (!isErrno(e, "ENOENT", "ENOTDIR")) throw fromFsError(e, given);
  }
  const parent = path.dirname(p);
  if (parent === p) return { real: p, exists: false };
  const st = await fs.lstat(p).catch(() => undefined);
  if (st?.isSymbolicLink()) {
    const target = await fs.readlink(p);
    const parentReal = await resolveReal(parent, given, hops + 1);
    return resolveReal(path.resolve(parentReal.real, target), given, hops + 1);
  }
  const parentReal = await resolveReal(parent, given, hops);
  return { real: path.join(parentReal.real, path.basename(p)), exists: false };
}
