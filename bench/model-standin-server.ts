/**
 * The loopback model stand-in (test/helpers/model-standin.ts) in its own process, for the agents bench.
 * Scripted from the request: a user message `tool` → a `read` tool call; after a tool result → 200 streamed
 * tokens; anything else → 20 streamed tokens. Prints its base URLs as one JSON line.
 */
import { startModelStandIn, type RecordedRequest, type Turn } from "../test/helpers/model-standin.js";

const words = (n: number): string => Array.from({ length: n }, (_, i) => `tok${i}`).join(" ");
const LONG = words(200);
const SHORT = words(20);

interface Block {
  type?: string;
  text?: string;
}

function lastMessage(req: RecordedRequest): { toolResult: boolean; text: string } {
  const messages = (req.body as { messages?: { role?: string; content?: string | Block[] }[] } | undefined)?.messages;
  const m = messages?.at(-1);
  if (!m) return { toolResult: false, text: "" };
  if (m.role === "tool") return { toolResult: true, text: "" };
  if (Array.isArray(m.content))
    return { toolResult: m.content.some((b) => b.type === "tool_result"), text: m.content.map((b) => (b.type === "text" ? (b.text ?? "") : "")).join("") };
  return { toolResult: false, text: m.content ?? "" };
}

function benchReply(req: RecordedRequest): Turn {
  const last = lastMessage(req);
  if (last.toolResult) return { text: LONG };
  if (last.text.trim() === "tool") return { toolCalls: [{ name: "read", args: { path: "README.txt" } }] };
  return { text: SHORT };
}

const standIn = await startModelStandIn();
standIn.respondWith(benchReply);
// Requests are not kept: the bench sends thousands.
setInterval(() => standIn.requests.splice(0), 1000).unref();
process.on("SIGTERM", () => void standIn.close().then(() => process.exit(0)));
console.log(JSON.stringify({ anthropicBaseUrl: standIn.anthropicBaseUrl, openaiBaseUrl: standIn.openaiBaseUrl }));
