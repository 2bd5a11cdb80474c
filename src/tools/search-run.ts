import { closeSync, lstatSync, readFileSync } from "node:fs";
import picomatch from "picomatch";
import { GatewayError, isGatewayError } from "../core/errors.js";
import { pathMistake } from "../sandbox/denial.js";
import { resolveToolPathInWorker } from "../sandbox/paths.js";
import type { PathScope } from "../sandbox/paths.js";
import { openDirectorySync, openFileForReadSync, openRegularFileAtSync } from "../sandbox/verified-file.js";
import type { OpenedFd } from "../sandbox/verified-file.js";
import { looksBinary } from "./binary.js";
import { checkRelativePattern } from "./glob-run.js";
import { walk } from "./walk.js";
import type { SearchTask } from "./worker-task.js";

export interface SearchHit {
  path: string;
  /** 1-based line number. */
  line: number;
  /** The matching line, clipped to MAX_LINE_CHARS. */
  text: string;
}

export interface SearchResult {
  results: SearchHit[];
  truncated: boolean;
  filesSearched: number;
  /** Files not searched: binary, larger than the limit, or refused by confinement. */
  filesSkipped: number;
}

export const MAX_LINE_CHARS = 400;
const DEADLINE_CHECK_EVERY = 256;

/** Compiles the caller's pattern; a syntax error is the caller's mistake. */
export function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (e) {
    const why = e instanceof Error ? e.message : "syntax error";
    throw new GatewayError("INVALID_REQUEST", `invalid regular expression: ${why.slice(0, 300)}`);
  }
}

class Collector {
  readonly results: SearchHit[] = [];
  truncated = false;
  filesSearched = 0;
  filesSkipped = 0;
  constructor(
    private readonly re: RegExp,
    private readonly task: SearchTask,
  ) {}

  /** Searches one opened file; false once the result cap or the deadline is reached. */
  searchFile(file: OpenedFd, display: string): boolean {
    try {
      if (file.stat.size > this.task.maxFileBytes) {
        this.filesSkipped++;
        return true;
      }
      const raw = readFileSync(file.fd);
      if (looksBinary(raw)) {
        this.filesSkipped++;
        return true;
      }
      this.filesSearched++;
      const lines = raw.toString("utf8").split("\n");
      for (let i = 0; i < lines.length; i++) {
        if (i % DEADLINE_CHECK_EVERY === 0 && Date.now() > this.task.softDeadline) {
          this.truncated = true;
          return false;
        }
        const text = (lines[i] ?? "").replace(/\r$/, "");
        if (!this.re.test(text)) continue;
        if (this.results.length >= this.task.maxResults) {
          this.truncated = true;
          return false;
        }
        this.results.push({ path: display, line: i + 1, text: text.slice(0, MAX_LINE_CHARS) });
      }
      return true;
    } finally {
      closeSync(file.fd);
    }
  }
}

/** Without a "/", a glob matches base names ("*.md"); with one, workspace-relative paths. */
export function globFilter(glob: string | undefined): (rel: string) => boolean {
  if (glob === undefined) return () => true;
  const isMatch = picomatch(glob, { dot: true });
  if (glob.includes("/")) return isMatch;
  return (rel) => isMatch(rel.slice(rel.lastIndexOf("/") + 1));
}

function searchTree(scope: PathScope, task: SearchTask, collector: Collector, display: string, real: string): void {
  const root = openDirectorySync(scope, { given: task.path, real, exists: true, display });
  const inGlob = globFilter(task.glob);
  try {
    const end = walk(
      scope,
      root,
      display,
      (entry) => {
        if (entry.kind !== "file" || !inGlob(entry.rel)) return true;
        let file: OpenedFd;
        try {
          file = openRegularFileAtSync(scope, entry.dir, entry.name, entry.rel);
        } catch (e) {
          if (!isGatewayError(e)) throw e;
          collector.filesSkipped++;
          return true;
        }
        return collector.searchFile(file, entry.rel);
      },
      { deadline: task.softDeadline },
    );
    if (end === "deadline") collector.truncated = true;
  } finally {
    closeSync(root);
  }
}

/** Regex search over the text files under `task.path` (runs inside the walk worker). */
export async function searchInScope(task: SearchTask): Promise<SearchResult> {
  const re = compilePattern(task.pattern);
  if (task.glob !== undefined) checkRelativePattern(task.glob, "glob");
  const scope = task.scope;
  const resolved = await resolveToolPathInWorker(scope, task.path);
  const collector = new Collector(re, task);
  if (!resolved.exists) throw pathMistake(task.path, "no such file or directory");
  // Only dispatches; both branches open through verified descriptors.
  const isDir = lstatSync(resolved.real).isDirectory();
  if (isDir) searchTree(scope, task, collector, resolved.display, resolved.real);
  else collector.searchFile(openFileForReadSync(scope, resolved), resolved.display);
  return {
    results: collector.results,
    truncated: collector.truncated,
    filesSearched: collector.filesSearched,
    filesSkipped: collector.filesSkipped,
  };
}
