/** `clawdbot status`: what the running gateway says about itself and about you (the `status` method). */
import { printJson, printSafe, type CliIo } from "./io.js";
import { parseClientArgs, withClient } from "./client-cmd.js";
import { CLIENT_OPTIONS_HELP, type CliCommand } from "./help.js";
import { UsageError } from "./io.js";

interface StatusView {
  version: string;
  uptimeMs: number;
  principal: string;
  rbacRole?: string | null;
  connections: number;
  agents: string[];
  pendingApprovals: number;
}

export const STATUS_HELP = `Usage: clawdbot status [options]

Asks the running gateway for its status: version, uptime, open connections,
agents, pending approvals, and the principal and role you are connected as.

Options:
${CLIENT_OPTIONS_HELP}

--json: one object, as the WebSocket method \`status\` returns it.
Exit status: 0 the gateway answered, 1 unreachable or refused, 2 usage error.`;

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

export async function runStatusCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  const { values, positionals } = parseClientArgs(args, {});
  if (positionals.length > 0) throw new UsageError("usage: clawdbot status [--url URL] [--token TOKEN] [--json]");
  return withClient(io, configFlag, values, async (client) => {
    const s = await client.request<StatusView>("status");
    if (values.json) {
      printJson(io.stdout, s);
      return 0;
    }
    const rows: string[][] = [
      ["version", s.version],
      ["uptime", duration(s.uptimeMs)],
      ["you are", `${s.principal}${s.rbacRole ? ` (role ${s.rbacRole})` : ""}`],
      ["connections", String(s.connections)],
      ["agents", s.agents.join(", ")],
      ["pending approvals", String(s.pendingApprovals)],
    ];
    for (const [k, v] of rows) printSafe(io.stdout, `${`${k}:`.padEnd(19)}${v}`);
    return 0;
  });
}

export const statusCommand: CliCommand = {
  name: "status",
  summary: "the running gateway's version, uptime, connections, pending approvals, and who you are",
  help: STATUS_HELP,
  run: runStatusCommand,
};
