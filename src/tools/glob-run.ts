import { closeSync } from "node:fs";
import path from "node:path";
import picomatch from "picomatch";
import { GatewayError } from "../core/errors.js";
import { resolveToolPathInWorker } from "../sandbox/paths.js";
import { openDirectorySync } from "../sandbox/verified-file.js";
import { walk } from "./walk.js";
import type { GlobTask } from "./worker-task.js";

export interface GlobResult {
  paths: string[];
  truncated: boolean;
}

/** Glob patterns are relative to the workspace: no absolute paths, no `..` segments. */
export function checkRelativePattern(pattern: string, what: string): void {
  if (pattern.includes("\0")) throw new GatewayError("INVALID_REQUEST", `${what} must not contain NUL bytes`);
  if (path.posix.isAbsolute(pattern) || pattern.split("/").includes("..")) {
    throw new GatewayError("INVALID_REQUEST", `${what} must be relative to the workspace and must not contain ".."`);
  }
}

/** The static directory prefix of a glob ("src/lib" for "src/lib/**\/*.ts"), or "". */
function staticBase(pattern: string): string {
  const base = picomatch.scan(pattern).base;
  return base === "." ? "" : base.replace(/\/+$/, "");
}

/** Lists files (and symbolic links, not followed) under the workspace matching `pattern`. */
export async function globInScope(task: GlobTask): Promise<GlobResult> {
  checkRelativePattern(task.pattern, "pattern");
  const isMatch = picomatch(task.pattern, { dot: false });
  const base = staticBase(task.pattern);
  const scope = task.scope;
  const root = openDirectorySync(scope, await resolveToolPathInWorker(scope, "."));
  const found: string[] = [];
  let truncated = false;
  try {
    const end = walk(
      scope,
      root,
      ".",
      (entry) => {
        if (!isMatch(entry.rel)) return true;
        if (found.length >= task.maxResults) {
          truncated = true;
          return false;
        }
        found.push(entry.rel);
        return true;
      },
      {
        deadline: task.softDeadline,
        enterDir: (rel) => base === "" || base === rel || base.startsWith(`${rel}/`) || rel.startsWith(`${base}/`),
      },
    );
    if (end === "deadline") truncated = true;
  } finally {
    closeSync(root);
  }
  found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { paths: found, truncated };
}
