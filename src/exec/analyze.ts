/**
 * Shell-aware command analysis: parse with a real shell parser (mvdan-sh),
 * walk every place a command can hide, unwrap wrappers, and classify.
 * Never throws on input: a syntax error is `{ ok: false, parseError }`.
 * The walk is in ast-walk.ts; this is the entry point and the classification.
 */
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { Walker } from "./ast-walk.js";
import type { WalkResult } from "./ast-walk.js";
import { classifyCommand } from "./command-classes.js";
import type { ReadLink } from "./paths.js";
import type { ClassReason, CommandAnalysis, CommandClass, PathExists } from "./types.js";

export interface AnalyzeOptions {
  /** Absolute working directory the command will start in. */
  cwd: string;
  /** Used for "overwrites an existing file" checks; defaults to fs.existsSync. */
  pathExists?: PathExists;
  /** Nested `sh -c` / `eval` levels analysed before giving up (default 8). */
  maxDepth?: number;
  /** Longer command lines are refused as `ok: false` (default 32768): analysis cost grows with size. */
  maxBytes?: number;
  /** Reads a symbolic link (its target, or null); defaults to the host filesystem. Paths are also matched as the links make them. */
  readLink?: ReadLink;
}

/** The host filesystem's symbolic links. */
export function fsReadLink(abs: string): string | null {
  try {
    return lstatSync(abs, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(abs) : null;
  } catch {
    return null;
  }
}

/** Default bound on the command line size analysed. */
export const DEFAULT_MAX_BYTES = 32_768;

/** Default bound on nested `sh -c` / `eval` / `su -c` scripts. */
export const DEFAULT_MAX_DEPTH = 8;

export function analyzeCommand(command: string, opts: AnalyzeOptions): CommandAnalysis {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (Buffer.byteLength(command, "utf8") > maxBytes) {
    return { ok: false, parseError: `command is longer than ${maxBytes} bytes`, commands: [], classes: [], reasons: [], unanalyzable: [], functions: [] };
  }
  const walker = new Walker({ cwd: opts.cwd, maxDepth: opts.maxDepth ?? DEFAULT_MAX_DEPTH, readLink: opts.readLink ?? fsReadLink });
  const pathExists = opts.pathExists ?? existsSync;
  try {
    const parseError = walker.top(command);
    if (parseError !== null) return { ok: false, parseError, commands: [], classes: [], reasons: [], unanalyzable: [], functions: [] };
  } catch (e) {
    const message = e instanceof Error ? e.message : "analysis failed";
    return { ok: false, parseError: `analysis failed: ${message}`, commands: [], classes: [], reasons: [], unanalyzable: [], functions: [] };
  }
  const found = walker.found();
  return classify(found, pathExists, walker.facts.execRedirects);
}

/** Classifies every command found; anything unanalysable counts as both elevated and destructive. */
function classify(found: WalkResult, pathExists: PathExists, fdsToFiles: boolean): CommandAnalysis {
  const reasons: ClassReason[] = [];
  for (const cmd of found.commands) reasons.push(...classifyCommand(cmd, pathExists, { fdsToFiles }).reasons);
  for (const u of found.unanalyzable) {
    reasons.push({ class: "elevated", program: u.program, why: `unanalyzable: ${u.why}` });
    reasons.push({ class: "destructive", program: u.program, why: `unanalyzable: ${u.why}` });
  }
  const classes = (["elevated", "destructive"] as CommandClass[]).filter((c) => reasons.some((r) => r.class === c));
  return {
    ok: true,
    commands: found.commands,
    classes,
    reasons,
    unanalyzable: found.unanalyzable.map((u) => ({ why: u.why })),
    functions: found.functions,
  };
}
