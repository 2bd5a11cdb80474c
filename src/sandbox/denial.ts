import { GatewayError } from "../core/errors.js";

/** The closed list of reasons a confinement check refuses a path. */
export const sandboxRules = [
  "path_outside_workspace",
  "symlink_escape",
  "hardlink",
  "special_file",
  "hidden_path",
  "path_changed",
] as const;
export type SandboxRule = (typeof sandboxRules)[number];

const explanations: Record<SandboxRule, string> = {
  path_outside_workspace: "is outside the agent workspace",
  symlink_escape: "resolves through a symbolic link to outside the agent workspace",
  hardlink: "is a hard link (more than one link to the file); refused in the sandbox",
  special_file: "is not a regular file or directory (fifo, device or socket)",
  hidden_path: "is not accessible to tools",
  path_changed: "changed while it was being opened; refused",
};

/** Caller paths are echoed back, but never at unbounded length. */
export function describePath(given: string): string {
  const shown = given.length > 200 ? `${given.slice(0, 200)}…` : given;
  return JSON.stringify(shown);
}

/** FORBIDDEN with `details: {reason: "sandbox", rule, path}`; names only the caller's own path. */
export function sandboxDenied(rule: SandboxRule, givenPath: string): GatewayError {
  return new GatewayError("FORBIDDEN", `path ${describePath(givenPath)} ${explanations[rule]}`, {
    details: { reason: "sandbox", rule, path: givenPath.slice(0, 200) },
  });
}

/** A caller mistake about a path (missing file, wrong kind, ...). */
export function pathMistake(givenPath: string, problem: string): GatewayError {
  return new GatewayError("INVALID_REQUEST", `path ${describePath(givenPath)}: ${problem}`);
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined;
}

/** Maps a filesystem error to a GatewayError that names only the caller's path. */
export function fromFsError(e: unknown, givenPath: string): GatewayError {
  if (e instanceof GatewayError) return e;
  switch (errnoCode(e)) {
    case "ENOENT":
      return pathMistake(givenPath, "no such file or directory");
    case "ENOTDIR":
      return pathMistake(givenPath, "a parent is not a directory");
    case "EISDIR":
      return pathMistake(givenPath, "is a directory");
    case "EEXIST":
      return pathMistake(givenPath, "already exists");
    case "ENAMETOOLONG":
      return pathMistake(givenPath, "name too long");
    case "EACCES":
    case "EPERM":
      return pathMistake(givenPath, "permission denied by the operating system");
    case "EROFS":
      return pathMistake(givenPath, "read-only file system");
    case "ENOSPC":
    case "EDQUOT":
      return new GatewayError("UNAVAILABLE", `path ${describePath(givenPath)}: no space left on device`);
    case "ELOOP":
      return sandboxDenied("path_changed", givenPath);
    default:
      return new GatewayError("INTERNAL", `file operation on ${describePath(givenPath)} failed`, { cause: e });
  }
}

export function isErrno(e: unknown, ...codes: string[]): boolean {
  const code = errnoCode(e);
  return code !== undefined && codes.includes(code);
}
