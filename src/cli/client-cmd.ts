/** Shared flags and connection handling for commands that talk to a running gateway. */
import { parseCliArgs } from "./args.js";
import { GatewayClient, resolveTarget } from "./gateway-client.js";
import type { CliIo } from "./io.js";

export const clientOptions = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
} as const;

export function parseClientArgs<O extends Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>>(args: string[], extra: O) {
  return parseCliArgs(args, { ...clientOptions, ...extra });
}

export async function withClient<T>(
  io: CliIo,
  configFlag: string | undefined,
  flags: { url?: string | undefined; token?: string | undefined },
  fn: (c: GatewayClient) => Promise<T>,
): Promise<T> {
  const target = await resolveTarget({ url: flags.url, token: flags.token, configFlag, env: io.env });
  const client = await GatewayClient.connect(target);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
