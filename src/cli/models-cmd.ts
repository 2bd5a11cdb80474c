/** `clawdbot models list` — the models the running gateway's agents use. */
import { parseClientArgs, withClient } from "./client-cmd.js";
import { println, table, UsageError, type CliIo } from "./io.js";

export const MODELS_HELP = `Usage: clawdbot models list [--json] [--url URL] [--token T]

Lists the models configured for agents on the running gateway (provider/model).`;

export async function runModelsCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    println(io.stdout, MODELS_HELP);
    return 0;
  }
  const { values, positionals } = parseClientArgs(args, {});
  if (positionals.length !== 1 || positionals[0] !== "list") throw new UsageError("usage: clawdbot models list [--json]");
  return withClient(io, configFlag, values, async (client) => {
    const r = await client.request<{ models: { id: string; name: string; provider: string }[] }>("models.list");
    if (values.json) for (const m of r.models) println(io.stdout, JSON.stringify(m));
    else if (r.models.length === 0) println(io.stdout, "no models configured (see docs/agents.md)");
    else println(io.stdout, table(["ID", "PROVIDER", "MODEL"], r.models.map((m) => [m.id, m.provider, m.name])));
    return 0;
  });
}
