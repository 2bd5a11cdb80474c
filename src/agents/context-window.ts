/**
 * Keeps one model request within the model's context window. The history is
 * cut into units that must stay whole — a user message, or an assistant
 * message together with the tool results answering its calls — and the oldest
 * units are dropped until the estimate fits. The current run's opening user
 * message and its latest unit are always kept. The transcript on disk is not
 * touched. Tokens are estimated (4 bytes of JSON per token, rounded up, plus a
 * few per message): generous for English, so requests stay under the limit.
 */
import type { ChatMessage, ToolSpec } from "./providers/types.js";

export function estimateTokens(value: unknown): number {
  const s = typeof value === "string" ? value : JSON.stringify(value);
  return Math.ceil(Buffer.byteLength(s, "utf8") / 4) + 4;
}

function messageTokens(m: ChatMessage): number {
  if (m.role === "assistant") return estimateTokens(m.text) + (m.toolCalls.length > 0 ? estimateTokens(m.toolCalls) : 0);
  return estimateTokens(m.text);
}

/** Splits messages into units that are kept or dropped whole. */
export function units(messages: readonly ChatMessage[]): ChatMessage[][] {
  const out: ChatMessage[][] = [];
  for (const m of messages) {
    const last = out[out.length - 1];
    // Tool results join the assistant message that asked for them.
    if (m.role === "tool" && last) last.push(m);
    else out.push([m]);
  }
  return out;
}

export interface Trimmed {
  messages: ChatMessage[];
  dropped: number;
}

/**
 * @param runStart index in `messages` of the current run's user message (kept always).
 * @param budget tokens available for messages (context window − output − system − tools).
 */
export function fitToWindow(messages: readonly ChatMessage[], runStart: number, budget: number): Trimmed {
  const all = units(messages);
  let start = 0;
  let count = 0;
  const startUnit: number[] = [];
  for (const u of all) {
    startUnit.push(start);
    start += u.length;
  }
  const anchor = startUnit.findIndex((s) => s === runStart);
  const sizes = all.map((u) => u.reduce((n, m) => n + messageTokens(m), 0));
  let total = sizes.reduce((a, b) => a + b, 0);
  const keep = all.map(() => true);
  // Oldest first: units before the run, then the run's own middle units; never the anchor or the last unit.
  const order = [...all.keys()].filter((i) => i !== anchor && i !== all.length - 1);
  const before = order.filter((i) => anchor < 0 || i < anchor);
  const after = order.filter((i) => anchor >= 0 && i > anchor);
  for (const i of [...before, ...after]) {
    if (total <= budget) break;
    keep[i] = false;
    total -= sizes[i] ?? 0;
    count += all[i]?.length ?? 0;
  }
  const kept = all.filter((_, i) => keep[i]);
  // A request must open with a user message (Anthropic requires it): drop leading non-user units.
  while (kept.length > 1 && kept[0]?.[0]?.role !== "user") count += kept.shift()?.length ?? 0;
  return { messages: kept.flat(), dropped: count };
}

export function requestBudget(opts: { contextWindow: number; maxOutputTokens: number; system: string; tools: readonly ToolSpec[] }): number {
  return opts.contextWindow - opts.maxOutputTokens - estimateTokens(opts.system) - (opts.tools.length > 0 ? estimateTokens(opts.tools) : 0);
}
