import { promises as fs } from "node:fs";
import picomatch from "picomatch";
import { GatewayError, isGatewayError } from "../core/errors.js";
import { pathMistake } from "../sandbox/denial.js";
import { resolveToolPath } from "../sandbox/paths.js";
import type { PathScope } from "../sandbox/paths.js";
import { openDirectory, openFileForRead, openRegularFileAt } from "../sandbox/verified-file.js";
import type { OpenedFile } from "../sandbox/verified-file.js";
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
  async searchFile(file: OpenedFile, display: string): Promise<boolean> {
    try {
      if (file.stat.size > this.task.maxFileBytes) {
        this.filesSkipped++;
        return true;
      }
      const raw = await file.handle.readFile();
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
      await file.handle.close();
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

async function searchTree(scope: PathScope, task: SearchTask, collector: Collector, display: string, real: string) {
  const root = await openDirectory(scope, { given: task.path, real, exists: true, display });
  const inGlob = globFilter(task.glob);
  try {
    const end = await walk(
      scope,
      root,
      display,
      async (entry) => {
        if (entry.kind !== "file" || !inGlob(entry.rel)) return true;
        let file: OpenedFile;
        try {
          file = await openRegularFileAt(scope, entry.dir, entry.name, entry.rel);
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
    await root.close();
  }
}

/** Regex search over the text files under `task.path` (runs inside the walk worker). */
export async function searchInScope(task: SearchTask): Promise<SearchResult> {
  const re = compilePattern(task.pattern);
  if (task.glob !== undefined) checkRelativePattern(task.glob, "glob");
  const scope = task.scope;
  const resolved = await resolveToolPath(scope, task.path);
  const collector = new Collector(re, task);
  if (!resolved.exists) throw pathMistake(task.path, "no such file or directory");
  // Only dispatches; both branches open through verified descriptors.
  const isDir = (await fs.lstat(resolved.real)).isDirectory();
  if (isDir) await searchTree(scope, task, collector, resolved.display, resolved.real);
  else await collector.searchFile(await openFileForRead(scope, resolved), resolved.display);
  return {
    results: collector.results,
    truncated: collector.truncated,
    filesSearched: collector.filesSearched,
    filesSkipped: collector.filesSkipped,
  };
}
