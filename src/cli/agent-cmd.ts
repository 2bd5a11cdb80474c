/** `clawdbot agent -m TEXT [--agent ID] [--session KEY] [--json]`: one agent run, streamed. */
import { parseClientArgs, withClient } from "./client-cmd.js";
import { sessionKeyFor, streamRun } from "./agent-stream.js";
import { println, UsageError, type CliIo } from "./io.js";

export const AGENT_HELP = `Usage: clawdbot agent -m TEXT [--agent ID] [--session KEY] [--json] [--url URL] [--token T]

Runs the agent once on a running gateway: the reply streams to stdout, tool calls and
approval waits to stderr. Exit code 1 when the run fails.

  -m, --message TEXT   what to ask (required)
  --agent ID           the agent (default: main)
  --session KEY        session name or agent:<id>:<name> (default: main); sessions keep their transcript
  --json               print one JSON object {runId,status,text,stopReason,error?} instead of streaming`;

export async function runAgentCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    println(io.stdout, AGENT_HELP);
    return 0;
  }
  const { values, positionals } = parseClientArgs(args, {
    message: { type: "string", short: "m" },
    agent: { type: "string" },
    session: { type: "string" },
  });
  if (positionals.length > 0 || !values.message) throw new UsageError("usage: clawdbot agent -m TEXT [--agent ID] [--session KEY] [--json]");
  const sessionKey = sessionKeyFor(values.agent, values.session);
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once("SIGINT", onSigint);
  try {
    return await withClient(io, configFlag, values, async (client) => {
      const r = await streamRun(client, io, { message: values.message as string, sessionKey, quiet: values.json === true, signal: ac.signal });
      if (values.json) println(io.stdout, JSON.stringify(r));
      else if (r.status === "error") println(io.stderr, `clawdbot: run failed: ${r.error ?? "error"}`);
      else if (r.status === "aborted") println(io.stderr, "clawdbot: run aborted");
      return r.status === "ok" ? 0 : 1;
    });
  } finally {
    process.off("SIGINT", onSigint);
  }
}
