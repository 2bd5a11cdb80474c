/**
 * Tool names as the allow/deny lists compare them: case-insensitive, and the
 * alias `exec` is the `bash` tool (a deny of either denies both).
 */
const ALIASES: ReadonlyMap<string, string> = new Map([["exec", "bash"]]);

export function toolKey(name: string): string {
  const lower = name.toLowerCase();
  return ALIASES.get(lower) ?? lower;
}
