/** `clawdbot token generate|rotate`. */
import { generateToken, rotateGatewayToken } from "../auth/credentials.js";
import { resolvePaths } from "../config/index.js";
import { println, UsageError, type CliIo } from "./io.js";

export async function runTokenCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  const [sub, ...rest] = args;
  if (rest.length > 0) throw new UsageError("usage: clawdbot token generate|rotate");
  if (sub === "generate") {
    // Printed on request only, to stdout, like `openssl rand -base64 32`.
    println(io.stdout, generateToken());
    return 0;
  }
  if (sub === "rotate") {
    const paths = resolvePaths({ configFlag, env: io.env });
    const r = await rotateGatewayToken(paths.stateDir);
    println(io.stdout, `gateway token rotated; the new token is in ${r.path} (mode 0600). A running gateway stops accepting the old one.`);
    println(io.stdout, `Note: a token set in config (gateway.auth.token) takes precedence over the stored one; rotate that secret at its source.`);
    return 0;
  }
  throw new UsageError("usage: clawdbot token generate|rotate");
}
