import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { estimateTokens, fitToWindow } from "./context-window.js";
import { historyFrom } from "./history.js";
import type { ChatMessage } from "./providers/types.js";

const user = (text: string): ChatMessage => ({ role: "user", text });
const asst = (text: string, ...ids: string[]): ChatMessage => ({ role: "assistant", text, toolCalls: ids.map((id) => ({ id, name: "read", args: {} })) });
const tool = (id: string, text = "r"): ChatMessage => ({ role: "tool", toolCallId: id, name: "read", text, isError: false });

describe("fitToWindow", () => {
  const big = "x".repeat(4000); // ~1000 tokens
  const history: ChatMessage[] = [user(big), asst("a", "t1"), tool("t1", big), asst(big), user(big), asst(big)];

  it("keeps everything that fits", () => {
    const r = fitToWindow(history, 4, 100_000);
    assert.equal(r.dropped, 0);
    assert.equal(r.messages.length, history.length);
  });

  it("drops the oldest units first, never separating a tool call from its result, and opens with a user message", () => {
    const r = fitToWindow([...history, user("now")], 6, 2_100);
    assert.equal(r.messages[0]?.role, "user");
    for (const [i, m] of r.messages.entries())
      if (m.role === "tool") assert.ok(r.messages.slice(0, i).some((p) => p.role === "assistant" && p.toolCalls.some((c) => c.id === m.toolCallId)));
    for (const [i, m] of r.messages.entries())
      if (m.role === "assistant" && m.toolCalls.length > 0) assert.equal(r.messages[i + 1]?.role, "tool");
    assert.equal(r.messages.at(-1)?.role === "user" && r.messages.at(-1)?.role, "user");
    const total = r.messages.reduce((n, m) => n + estimateTokens(m.role === "assistant" ? m.text : m.text), 0);
    assert.ok(total <= 2_100 + 100);
    assert.ok(r.dropped > 0);
  });

  it("always keeps the run's user message and the latest unit, even over budget", () => {
    const run = [user("old"), asst("old"), user(big), asst("calls", "t9"), tool("t9", big), asst("calls", "t8"), tool("t8", big)];
    const r = fitToWindow(run, 2, 10);
    assert.deepEqual(r.messages.map((m) => m.role), ["user", "assistant", "tool"]);
    assert.equal(r.messages[0]?.role === "user" && r.messages[0].text, big);
    assert.equal(r.messages[2]?.role === "tool" && r.messages[2].toolCallId, "t8");
  });
});

describe("historyFrom", () => {
  it("supplies an error result for a tool call cut short and drops stray results", () => {
    const meta = { ts: 1, runId: "r" };
    const h = historyFrom([
      { ...user("go"), ...meta },
      { ...asst("", "a", "b"), ...meta },
      { ...tool("a"), ...meta },
      { ...tool("zzz"), ...meta },
      { ...user("next"), ...meta },
    ]);
    assert.deepEqual(h.map((m) => (m.role === "tool" ? `tool:${m.toolCallId}:${m.isError}` : m.role)), ["user", "assistant", "tool:a:false", "tool:b:true", "user"]);
  });
});
