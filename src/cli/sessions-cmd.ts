/** `clawdbot sessions list | history KEY | reset KEY` — your own sessions on a running gateway. */
import { parseClientArgs, withClient } from "./client-cmd.js";
import { sessionKeyFor } from "./agent-stream.js";
import { println, table, UsageError, type CliIo } from "./io.js";

export const SESSIONS_HELP = `Usage: clawdbot sessions list [--agent ID] [--json]
       clawdbot sessions history KEY [--limit N] [--json]
       clawdbot sessions reset KEY

Sessions belong to the principal you connect as. KEY is a name (main) or agent:<id>:<name>.`;

interface SessionRow {
  key: string;
  sessionId: string;
  updatedAt: number;
  model: string | null;
  modelProvider: string | null;
  totalTokens: number;
  status: string;
}

interface HistoryMessage {
  role: string;
  content: { type: string; text?: string; name?: string; arguments?: unknown }[];
  timestamp: number;
  toolName?: string;
  isError?: boolean;
}

export async function runSessionsCommand(args: string[], io: CliIo, configFlag: string | undefined): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    println(io.stdout, SESSIONS_HELP);
    return 0;
  }
  const { values, positionals } = parseClientArgs(args, { agent: { type: "string" }, limit: { type: "string" } });
  const [sub, key, ...extra] = positionals;
  const usage = (): never => {
    throw new UsageError("usage: clawdbot sessions list | history KEY | reset KEY (see clawdbot sessions --help)");
  };
  if (extra.length > 0) usage();
  if (sub === "list" && key === undefined)
    return withClient(io, configFlag, values, async (client) => {
      const r = await client.request<{ sessions: SessionRow[] }>("sessions.list", values.agent ? { agentId: values.agent } : {});
      if (values.json) for (const s of r.sessions) println(io.stdout, JSON.stringify(s));
      else if (r.sessions.length === 0) println(io.stdout, "no sessions");
      else
        println(
          io.stdout,
          table(
            ["KEY", "UPDATED", "MODEL", "TOKENS", "STATUS"],
            r.sessions.map((s) => [s.key, new Date(s.updatedAt).toISOString(), s.model ? `${s.modelProvider}/${s.model}` : "-", String(s.totalTokens), s.status]),
          ),
        );
      return 0;
    });
  if ((sub === "history" || sub === "reset") && key !== undefined) {
    const sessionKey = sessionKeyFor(values.agent, key);
    return withClient(io, configFlag, values, async (client) => {
      if (sub === "reset") {
        const r = await client.request<{ reset: boolean }>("sessions.reset", { key: sessionKey });
        println(io.stdout, values.json ? JSON.stringify(r) : r.reset ? `reset ${sessionKey}` : `no session ${sessionKey}`);
        return 0;
      }
      const limit = values.limit === undefined ? 200 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError("--limit must be a positive integer");
      const r = await client.request<{ messages: HistoryMessage[] }>("chat.history", { sessionKey, limit });
      for (const m of r.messages) {
        if (values.json) {
          println(io.stdout, JSON.stringify(m));
          continue;
        }
        const body = m.content
          .map((c) => (c.type === "text" ? c.text : c.type === "toolCall" ? `[calls ${c.name} ${JSON.stringify(c.arguments)}]` : ""))
          .join(" ");
        const who = m.role === "toolResult" ? `tool ${m.toolName}${m.isError ? " (error)" : ""}` : m.role;
        println(io.stdout, `${new Date(m.timestamp).toISOString()}  ${who}: ${body}`);
      }
      return 0;
    });
  }
  return usage();
}
