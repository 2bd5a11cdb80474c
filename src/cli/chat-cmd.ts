/** `clawdbot chat [--agent ID] [--session KEY]`: an interactive chat in the terminal, streamed. */
import readline from "node:readline";
import { parseClientArgs, withClient } from "./client-cmd.js";
import { sessionKeyFor, streamRun } from "./agent-stream.js";
import { println, UsageError, type CliIo } from "./io.js";

export const CHAT_HELP = `Usage: clawdbot chat [--agent ID] [--session KEY] [--url URL] [--token T]

An interactive chat with an agent on a running gateway. Each line you type is sent; the reply
streams back; tool calls and approval waits show on stderr. Ctrl-C aborts a running reply,
Ctrl-D or /exit leaves. /reset forgets the session's conversation.`;

export async function runChatCommand(args: string[], io: CliIo, configFlag: string | undefined, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    println(io.stdout, CHAT_HELP);
    return 0;
  }
  const { values, positionals } = parseClientArgs(args, { agent: { type: "string" }, session: { type: "string" } });
  if (positionals.length > 0 || values.json) throw new UsageError("usage: clawdbot chat [--agent ID] [--session KEY]");
  const sessionKey = sessionKeyFor(values.agent, values.session);
  return withClient(io, configFlag, values, async (client) => {
    const rl = readline.createInterface({ input: stdin, output: io.stderr, terminal: (stdin as { isTTY?: boolean }).isTTY === true });
    let running: AbortController | undefined;
    rl.on("SIGINT", () => {
      if (running) running.abort();
      else rl.close();
    });
    println(io.stderr, `chatting with ${sessionKey} (/exit to leave, /reset to start over)`);
    let failures = 0;
    rl.setPrompt("> ");
    rl.prompt();
    for await (const line of rl) {
      const text = line.trim();
      if (text === "/exit" || text === "/quit") break;
      if (text === "/reset") {
        await client.request("sessions.reset", { key: sessionKey });
        println(io.stderr, "session reset");
      } else if (text !== "") {
        running = new AbortController();
        const r = await streamRun(client, io, { message: text, sessionKey, signal: running.signal });
        running = undefined;
        if (r.status === "error") {
          failures++;
          println(io.stderr, `run failed: ${r.error ?? "error"}`);
        } else if (r.status === "aborted") println(io.stderr, "(aborted)");
      }
      rl.prompt();
    }
    rl.close();
    return failures > 0 ? 1 : 0;
  });
}
