/** `clawdbot audit …` in the command table: src/cli/audit.ts finds the configured audit log (never silently another one) and does the work. */
import { AUDIT_USAGE, runAuditCli } from "./audit.js";
import type { CliCommand } from "./help.js";
import type { CliIo } from "./io.js";

function run(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  return runAuditCli(args, { configFlag, env: io.env, stdout: io.stdout, stderr: io.stderr, ...(io.signal ? { signal: io.signal } : {}) });
}

export const auditCommand: CliCommand = {
  name: "audit",
  summary: "query | tail [-f] | stats | verify   read and verify the hash-chained audit log",
  help: `Usage: clawdbot [--config PATH] audit <query|tail|stats|verify> [--file PATH] [options]

Reads the configured audit log (gateway.audit.path, default <state>/audit.jsonl) directly; no gateway needed.
Names the file it read on stderr; refuses (naming the key) when gateway.audit.path cannot be resolved,
rather than reading a different file. --file PATH reads that file instead.

${AUDIT_USAGE.trimEnd()}\n\nExit status: 0 done (verify: chain intact), 1 failed (verify: tampered), 2 usage error.`,
  run,
};
