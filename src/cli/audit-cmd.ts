/** `clawdbot audit …` in the command table: finds the configured audit log, then src/cli/audit.ts does the work. */
import { auditPathFor, loadConfigFile, resolvePaths } from "../config/index.js";
import { AUDIT_USAGE, runAuditCommand } from "./audit.js";
import type { CliCommand } from "./help.js";
import type { CliIo } from "./io.js";

async function run(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  const paths = resolvePaths({ configFlag, env: io.env });
  let configured: string | undefined;
  try {
    configured = loadConfigFile({ path: paths.configPath, explicit: paths.configExplicit, env: io.env }).config.gateway.audit.path;
  } catch {
    configured = undefined; // an invalid config must not stop reading the audit log
  }
  return runAuditCommand(args, {
    auditPath: auditPathFor(paths.stateDir, configured),
    stdout: io.stdout,
    stderr: io.stderr,
    ...(io.signal ? { signal: io.signal } : {}),
  });
}

export const auditCommand: CliCommand = {
  name: "audit",
  summary: "query | tail [-f] | stats | verify   read and verify the hash-chained audit log",
  help: `Usage: clawdbot [--config PATH] audit <query|tail|stats|verify> [options]

Reads the configured audit log (gateway.audit.path, default <state>/audit.jsonl) directly; no gateway needed.

${AUDIT_USAGE.trimEnd()}\n\nExit status: 0 done (verify: chain intact), 1 failed (verify: tampered), 2 usage error.`,
  run,
};
