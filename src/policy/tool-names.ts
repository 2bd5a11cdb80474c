/**
 * Tool names as the allow/deny lists compare them: case-insensitive, and the
 * alias `exec` is the `bash` tool (a deny of either denies both).
 */
const ALIASES: Readonly<Record<string, string>> = { exec: "bash" };

export function toolKey(name: string): string {
  const lower = name.toLowerCase();
  return ALIASES[lower] ?? lower;
}
