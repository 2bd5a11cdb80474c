#!/usr/bin/env -S node --max-semi-space-size=4
/** `clawdbot` — one executable, one file per command. */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runGatewayCommand } from "./gateway-cmd.js";
import { runConfigCommand } from "./config-cmd.js";
import { runTokenCommand } from "./token-cmd.js";
import { runApprovalsCommand } from "./approvals-cmd.js";
import { runDevicesCommand } from "./devices-cmd.js";
import { runAuditCommand } from "./audit.js";
import { runDoctorCommand } from "./doctor.js";
import { runDashboardCommand } from "./dashboard-cmd.js";
import { auditPathFor, loadConfigFile, resolvePaths } from "../config/index.js";
import { ClientError } from "./gateway-client.js";
import { println, UsageError, type CliIo } from "./io.js";
import { VERSION } from "../app/version.js";

const HELP = `clawdbot ${VERSION} — security-hardened gateway for AI agents and their tools

Usage: clawdbot [--config PATH] <command> [options]

  gateway [--port N] [--bind ADDR]        run the gateway (default 127.0.0.1:18789, token auth)
  config validate|show|schema [--json]    check, print (secrets redacted) or describe the config
  token generate                          print a fresh random token (like openssl rand -base64 32)
  token rotate                            replace the stored gateway token
  audit query [--type T] [--actor ID] [--outcome O] [--since 1h|ISO] [--limit N] [--json]
  audit tail [-f] | audit stats | audit verify
  approvals list | approve ID | reject ID [--reason R] | watch      (talks to the running gateway)
  devices list | approve ID --as PRINCIPAL | reject ID | revoke ID | rotate ID
  doctor [--check credentials|auth|network|audit|rbac|sandbox|all] [--fix] [--json]
  dashboard [--open]                      print (and open) the control page link for the local gateway

Environment: CLAWDBOT_STATE_DIR (default ~/.clawdbot), CLAWDBOT_CONFIG, CLAWDBOT_TOKEN (client commands).
Client commands also take --url and --token.`;

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
    case "gateway":
      return runGatewayCommand(rest, io, configFlag);
    case "config":
      return runConfigCommand(rest, io, configFlag);
    case "token":
      return runTokenCommand(rest, io, configFlag);
    case "approvals":
      return runApprovalsCommand(rest, io, configFlag);
    case "devices":
      return runDevicesCommand(rest, io, configFlag);
    case "dashboard":
      return runDashboardCommand(rest, io, configFlag);
    case "doctor":
      return runDoctorCommand(rest, { env: io.env, stdout: io.stdout, stderr: io.stderr, ...(configFlag ? { configFlag } : {}) });
    case "audit": {
      const paths = resolvePaths({ configFlag, env: io.env });
      let configured: string | undefined;
      try {
        configured = loadConfigFile({ path: paths.configPath, explicit: paths.configExplicit, env: io.env }).config.gateway.audit.path;
      } catch {
        configured = undefined; // an invalid config must not stop reading the audit log
      }
      return runAuditCommand(rest, {
        auditPath: auditPathFor(paths.stateDir, configured),
        stdout: io.stdout,
        stderr: io.stderr,
        ...(io.signal ? { signal: io.signal } : {}),
      });
    }
    case "--version":
    case "version":
      println(io.stdout, VERSION);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      println(io.stdout, HELP);
      return 0;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(cmd)}; see clawdbot --help`);
  }
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
    println(io.stderr, `clawdbot: ${(e as Error).message ?? String(e)}`);
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
