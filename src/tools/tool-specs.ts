/**
 * What a model is told about each built-in tool: a description and the JSON
 * Schema of its arguments, generated from the same zod schema that validates
 * the call. `exec` (an alias of `bash`) is not offered: one name per tool.
 */
import { z } from "zod";
import { builtinTools } from "./registry.js";

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  read: "Read a text file of the workspace (path relative to the workspace). Optional 1-based line offset and line limit.",
  write: "Create or overwrite a file of the workspace with the given content.",
  edit: "Replace one exact occurrence of oldText with newText in a file of the workspace.",
  glob: "List workspace files matching a glob pattern (picomatch syntax, relative to the workspace).",
  search: "Search file contents line by line with a JavaScript regular expression; optional path and glob filter.",
  bash: "Run a shell command (bash -c) in the workspace and return its exit code, stdout and stderr. Some commands need a human's approval; some are blocked.",
};

export interface ToolSpecEntry {
  name: string;
  mutates: boolean;
  description: string;
  inputSchema: Record<string, unknown>;
}

let cached: readonly ToolSpecEntry[] | undefined;

/** The built-in tools a model may be offered, with their schemas (computed once). */
export function modelToolSpecs(): readonly ToolSpecEntry[] {
  cached ??= Object.freeze(
    [...builtinTools.values()]
      .filter((t) => t.name !== "exec")
      .map((t) => {
        const schema = z.toJSONSchema(t.schema as z.ZodType, { io: "input" }) as Record<string, unknown>;
        delete schema.$schema;
        return { name: t.name, mutates: t.mutates, description: DESCRIPTIONS[t.name] ?? t.name, inputSchema: schema };
      }),
  );
  return cached;
}
