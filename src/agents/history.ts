/**
 * Transcript lines back to the provider-neutral messages a request is built
 * from. A run cut short (abort, crash) can leave an assistant message whose
 * tool calls have no results; providers refuse such a history, so each missing
 * result is supplied as an error ("interrupted") and stray results are dropped.
 */
import type { ChatMessage } from "./providers/types.js";
import type { TranscriptEntry } from "./types.js";

export function toChatMessage(e: TranscriptEntry): ChatMessage {
  if (e.role === "user") return { role: "user", text: e.text };
  if (e.role === "assistant") return { role: "assistant", text: e.text, toolCalls: e.toolCalls ?? [] };
  return { role: "tool", toolCallId: e.toolCallId, name: e.name, text: e.text, isError: e.isError };
}

export function historyFrom(entries: readonly TranscriptEntry[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  let open: Map<string, string> = new Map(); // call id → tool name, awaiting a result
  const closeOpen = (): void => {
    for (const [id, name] of open) out.push({ role: "tool", toolCallId: id, name, text: "interrupted: the run ended before this tool call finished", isError: true });
    open = new Map();
  };
  for (const e of entries) {
    const m = toChatMessage(e);
    if (m.role === "tool") {
      if (!open.has(m.toolCallId)) continue;
      open.delete(m.toolCallId);
      out.push(m);
      continue;
    }
    closeOpen();
    out.push(m);
    if (m.role === "assistant") for (const c of m.toolCalls) open.set(c.id, c.name);
  }
  closeOpen();
  return out;
}
