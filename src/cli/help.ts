/**
 * How every `clawdbot` command describes itself. A command is one entry in
 * `commands.ts` with a one-line summary (for `clawdbot --help`), its full help
 * (`clawdbot NAME --help`), and optionally per-subcommand help
 * (`clawdbot NAME SUB --help`). `--help` / `-h` anywhere before `--` asks for
 * help; help goes to stdout and exits 0, a usage error goes to stderr with exit 2.
 */
import type { CliIo } from "./io.js";

export interface CliCommand {
  name: string;
  /** One line for the command list of `clawdbot --help`. */
  summary: string;
  /** The full text of `clawdbot NAME --help`: usage, subcommands, options, exit status. */
  help: string;
  /** Extra text for `clawdbot NAME SUB --help`; a subcommand without an entry shows the command's help. */
  subcommands?: Readonly<Record<string, string>>;
  run(args: string[], io: CliIo, configFlag: string | undefined): Promise<number>;
}

/** True when `--help` or `-h` appears before a `--` terminator. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === "--") return false;
    if (a === "--help" || a === "-h") return true;
  }
  return false;
}

/** The help text for `clawdbot NAME [SUB] --help`. */
export function helpFor(cmd: CliCommand, args: readonly string[]): string {
  const sub = args.find((a) => !a.startsWith("-"));
  const subHelp = sub !== undefined && cmd.subcommands && Object.hasOwn(cmd.subcommands, sub) ? cmd.subcommands[sub] : undefined;
  return (subHelp ?? cmd.help).trimEnd();
}

/** Options every client command (one that talks to a running gateway) accepts. */
export const CLIENT_OPTIONS_HELP = `Connection (client commands):
  --url URL      the gateway (default: from the config's gateway.bind and gateway.port)
  --token TOKEN  your credential (default: $CLAWDBOT_TOKEN, else the configured or stored token)
  --json         machine-readable output (see docs/cli.md)
  -h, --help     this help`;
