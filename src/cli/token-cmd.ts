/** `clawdbot token generate|rotate [--json]`. */
import { generateToken, rotateGatewayToken } from "../auth/credentials.js";
import { resolvePaths } from "../config/index.js";
import { parseCliArgs } from "./args.js";
import type { CliCommand } from "./help.js";
import { println, printJson, UsageError, type CliIo } from "./io.js";

export const TOKEN_HELP = `Usage: clawdbot token <generate|rotate> [--json]

Subcommands:
  generate   print a fresh random token (32 random bytes, base64, like openssl rand -base64 32);
             generated tokens never begin with "-", and every option also takes --token=VALUE
  rotate     replace the stored gateway token (<state>/credentials/gateway-token, mode 0600);
             a running gateway stops accepting the old one. The new token is not printed.

Options:
  --json     generate: { "token": "..." }; rotate: { "rotated": true, "path": "...", "note": "..." }
  -h, --help this help

Exit status: 0 done, 1 failed, 2 usage error.`;

export async function runTokenCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  const { values, positionals } = parseCliArgs(args, { json: { type: "boolean" } });
  const [sub, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError("usage: clawdbot token generate|rotate [--json]");
  if (sub === "generate") {
    // Printed on request only, to stdout, like `openssl rand -base64 32`.
    const token = generateToken();
    if (values.json) printJson(io.stdout, { token });
    else println(io.stdout, token);
    return 0;
  }
  if (sub === "rotate") {
    const paths = resolvePaths({ configFlag, env: io.env });
    const r = await rotateGatewayToken(paths.stateDir);
    if (values.json) {
      printJson(io.stdout, { rotated: true, path: r.path, note: "a token set in config (gateway.auth.token) takes precedence over the stored one" });
      return 0;
    }
    println(io.stdout, `gateway token rotated; the new token is in ${r.path} (mode 0600). A running gateway stops accepting the old one.`);
    println(io.stdout, `Note: a token set in config (gateway.auth.token) takes precedence over the stored one; rotate that secret at its source.`);
    return 0;
  }
  throw new UsageError("usage: clawdbot token generate|rotate [--json]");
}

export const tokenCommand: CliCommand = {
  name: "token",
  summary: "generate | rotate   print a fresh random token, or replace the stored gateway token",
  help: TOKEN_HELP,
  run: runTokenCommand,
};
