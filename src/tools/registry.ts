import { GatewayError } from "../core/errors.js";
import { bashTool, execTool } from "./bash.js";
import { editTool } from "./edit.js";
import { globTool } from "./glob.js";
import { readTool } from "./read.js";
import { searchTool } from "./search.js";
import type { ToolDefinition } from "./types.js";
import { writeTool } from "./write.js";

const all: ToolDefinition[] = [
  readTool,
  writeTool,
  editTool,
  globTool,
  searchTool,
  bashTool,
  execTool,
];

/** The built-in tools by name: read, write, edit, glob, search, bash and exec (an alias of bash). */
export const builtinTools: ReadonlyMap<string, ToolDefinition> = new Map(all.map((t) => [t.name, t]));

export interface ArgIssue {
  /** Dotted path of the offending argument ("" for the arguments object itself). */
  path: string;
  message: string;
}

/**
 * Validates raw arguments against the tool's schema (strict: unknown
 * arguments are errors). Throws INVALID_REQUEST with `details.issues`.
 */
export function parseToolArgs<A>(tool: ToolDefinition<A>, args: unknown): A {
  const parsed = tool.schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const issues: ArgIssue[] = parsed.error.issues.map((i) => ({
    path: i.path.map(String).join("."),
    message: i.message,
  }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  throw new GatewayError("INVALID_REQUEST", `invalid arguments for tool "${tool.name}": ${summary}`, {
    details: { issues },
  });
}
