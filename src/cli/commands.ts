/**
 * Every `clawdbot` command, in the order `clawdbot --help` lists them. Adding a
 * command = one file exporting a `CliCommand` (see help.ts) and one line here.
 */
import type { CliCommand } from "./help.js";
import { gatewayCommand } from "./gateway-cmd.js";
import { statusCommand } from "./status-cmd.js";
import { configCommand } from "./config-cmd.js";
import { tokenCommand } from "./token-cmd.js";
import { auditCommand } from "./audit-cmd.js";
import { approvalsCommand } from "./approvals-cmd.js";
import { devicesCommand } from "./devices-cmd.js";
import { doctorCommand } from "./doctor.js";
import { AGENT_HELP, runAgentCommand } from "./agent-cmd.js";
import { CHAT_HELP, runChatCommand } from "./chat-cmd.js";
import { SESSIONS_HELP, runSessionsCommand } from "./sessions-cmd.js";
import { MODELS_HELP, runModelsCommand } from "./models-cmd.js";
import { CLIENT_OPTIONS_HELP } from "./help.js";
import { DASHBOARD_HELP, runDashboardCommand } from "./dashboard-cmd.js";

/** The agent commands (src/cli/{agent,chat,sessions,models}-cmd.ts) talk to a running gateway. */
const client = (help: string): string => `${help.trimEnd()}\n\n${CLIENT_OPTIONS_HELP.trimEnd()}`;
const agentCommands: CliCommand[] = [
  { name: "agent", summary: "-m TEXT [--agent ID] [--session KEY]   one agent run, streamed (running gateway)", help: client(AGENT_HELP), run: runAgentCommand },
  { name: "chat", summary: "[--agent ID] [--session KEY]   an interactive chat with an agent (running gateway)", help: client(CHAT_HELP), run: (a, io, c) => runChatCommand(a, io, c) },
  { name: "sessions", summary: "list | history KEY | reset KEY   your agent sessions (running gateway)", help: client(SESSIONS_HELP), run: runSessionsCommand },
  { name: "models", summary: "list   the models the agents use (running gateway)", help: client(MODELS_HELP), run: runModelsCommand },
];

export const COMMANDS: readonly CliCommand[] = [
  gatewayCommand,
  statusCommand,
  configCommand,
  tokenCommand,
  auditCommand,
  approvalsCommand,
  devicesCommand,
  ...agentCommands,
  { name: "dashboard", summary: "[--open]   print (and open) the control page link for the local gateway", help: DASHBOARD_HELP, run: runDashboardCommand },
  doctorCommand,
];

export function findCommand(name: string): CliCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}
