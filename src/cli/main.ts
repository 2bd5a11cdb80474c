#!/usr/bin/env -S node --max-semi-space-size=4
/** `clawdbot` — one executable, one file per command. */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ClientError } from "./gateway-client.js";
import { println, UsageError, type CliIo } from "./io.js";
import { COMMANDS, findCommand } from "./commands.js";
import { helpFor, wantsHelp } from "./help.js";
import { describeStartError } from "./start-errors.js";
import { resolvePaths } from "../config/index.js";
import { VERSION } from "../app/version.js";

export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `clawdbot ${VERSION} — security-hardened gateway for AI agents and their tools

Usage: clawdbot [--config PATH] <command> [options]
       clawdbot <command> --help      help for one command (also: clawdbot <command> <sub> --help)
       clawdbot -v | --version

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Environment: CLAWDBOT_STATE_DIR (default ~/.clawdbot), CLAWDBOT_CONFIG, CLAWDBOT_TOKEN (client commands).
--json prints one JSON document (JSON Lines for streams: watch, audit query/tail); see docs/cli.md.`;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const args = [...argv];
  let configFlag: string | undefined;
  const ci = args.findIndex((a) => a === "--config" || a.startsWith("--config="));
  if (ci >= 0) {
    const a = args[ci] as string;
    if (a.includes("=")) {
      configFlag = a.slice("--config=".length);
      args.splice(ci, 1);
    } else {
      configFlag = args[ci + 1];
      if (!configFlag) throw new UsageError("--config needs a path");
      args.splice(ci, 2);
    }
  }
  const [cmd, ...rest] = args;
  switch (cmd) {
    case "--version":
    case "-v":
    case "version":
      println(io.stdout, VERSION);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      if (cmd === "help" && rest[0] !== undefined) return main([rest[0], "--help"], io);
      println(io.stdout, globalHelp());
      return 0;
  }
  const command = findCommand(cmd);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(cmd)}; see clawdbot --help`);
  if (wantsHelp(rest)) {
    println(io.stdout, helpFor(command, rest));
    return 0;
  }
  return command.run(rest, io, configFlag);
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    return await main(argv, io);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      println(io.stderr, `clawdbot: ${(e as Error).message}`);
      return 2;
    }
    if (e instanceof ClientError) {
      println(io.stderr, `clawdbot: ${e.message}${e.code ? ` (${e.code})` : ""}`);
      return 1;
    }
    if ((e as Error).name === "ConfigError") {
      println(io.stderr, (e as Error).message);
      return 1;
    }
    // A state-dir problem in any command (token rotate, gateway, …) names the path and CLAWDBOT_STATE_DIR.
    const stateDirProblem = describeStartError(e, { stateDir: resolvePaths({ env: io.env }).stateDir, bind: "", port: -1 });
    println(io.stderr, `clawdbot: ${stateDirProblem ?? (e as Error).message ?? String(e)}`);
    return 1;
  }
}

/** True when this file is the program (run directly, through npx, or through a bin symlink). */
function isMainModule(): boolean {
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
const isMain = isMainModule();
if (isMain) {
  // `clawdbot audit query | head`: a reader that stops early ends the output, not with an EPIPE crash.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
