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

export const COMMANDS: readonly CliCommand[] = [
  gatewayCommand,
  statusCommand,
  configCommand,
  tokenCommand,
  auditCommand,
  approvalsCommand,
  devicesCommand,
  doctorCommand,
];

export function findCommand(name: string): CliCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}
