/**
 * Transcript rendering for Chat. Assistant text is shown as plain text with
 * its line breaks (CSS `white-space: pre-wrap`), never as markdown or HTML:
 * nothing a model writes can become markup or a link. Tool cards show name,
 * arguments and result as text, collapsible.
 */
import { h } from "../dom";
import { str } from "../format";

/** A `chat.history` message (docs/agents.md): `user`/`assistant` with text and toolCall blocks, `toolResult`. */
export interface Msg {
  role: string;
  content?: unknown;
  text?: string;
  toolCallId?: string;
  toolName?: string;
  isError?: boolean;
}

export type ToolCard = ReturnType<typeof toolCard>;

export function bubble(role: string, text: string): HTMLElement {
  return h("div", { class: `msg ${role === "user" ? "user" : "assistant"}`, testid: `msg-${role === "user" ? "user" : "assistant"}` }, h("div", { class: "text" }, text));
}

export function toolCard(name: string, args: unknown): { el: HTMLDetailsElement; result(text: string, isError: boolean): void } {
  const status = h("span", { class: "badge warn" }, "running");
  const result = h("pre", { class: "mono", testid: "tool-result" });
  const el = h(
    "details",
    { class: "card tool", testid: "tool-card" },
    h("summary", null, h("strong", { testid: "tool-name" }, name), " ", status),
    h("div", { class: "muted small" }, "Arguments"),
    h("pre", { class: "mono", testid: "tool-args" }, typeof args === "string" ? args : JSON.stringify(args, null, 2)),
    h("div", { class: "muted small" }, "Result"),
    result,
  );
  return {
    el,
    result(text, isError) {
      status.textContent = isError ? "error" : "done";
      status.className = `badge ${isError ? "bad" : "ok"}`;
      result.textContent = text;
    },
  };
}

/** The run waits for a human: the command, and its status as the `approval` events report it. */
export function approvalCard(command: string, status: string): { el: HTMLElement; set(status: string): void } {
  const s = h("span", { class: "badge warn", testid: "approval-status" });
  const hint = h("span", { class: "muted small" });
  const el = h("div", { class: "card approval-inline", testid: "approval-inline" }, h("span", null, "Approval "), s, " ", hint, h("pre", { class: "command" }, command));
  const set = (v: string): void => {
    s.textContent = v;
    s.className = `badge ${v === "approved" ? "ok" : v === "pending" || v === "requested" ? "warn" : "bad"}`;
    hint.textContent = v === "pending" ? "waiting for another person with the approve permission (Approvals page)" : "";
  };
  set(status);
  return { el, set };
}

/** Text of a content value: a string, or the text blocks of a block list. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .filter((b): b is { type: string; text: string } => !!b && typeof b === "object" && (b as { type?: unknown }).type === "text")
      .map((b) => str(b.text))
      .join("");
  return "";
}

/**
 * One history message as nodes: a bubble, and a tool card per tool call it
 * carries (registered in `calls` by call id). A tool result fills the card of
 * its call; a result whose call is not shown gets a card of its own.
 */
export function renderMessage(m: Msg, calls: Map<string, ToolCard> = new Map()): HTMLElement[] {
  const out: HTMLElement[] = [];
  const role = str(m.role);
  if (role === "tool" || role === "toolResult") {
    const text = textOf(m.content) || str(m.text);
    const call = m.toolCallId !== undefined ? calls.get(str(m.toolCallId)) : undefined;
    if (call) {
      call.result(text, m.isError === true);
      return out;
    }
    const card = toolCard(str(m.toolName) || "tool", "");
    card.result(text, m.isError === true);
    out.push(card.el);
    return out;
  }
  const text = textOf(m.content) || str(m.text);
  if (text) out.push(bubble(role, text));
  if (Array.isArray(m.content))
    for (const b of m.content as Record<string, unknown>[]) {
      if (!b || (b.type !== "toolCall" && b.type !== "tool_use")) continue;
      const card = toolCard(str(b.name), b.arguments ?? b.input ?? {});
      calls.set(str(b.id), card);
      out.push(card.el);
    }
  return out;
}

/** Renders a whole transcript in one pass (one fragment, one layout). */
export function renderTranscript(into: HTMLElement, messages: Msg[]): void {
  const frag = document.createDocumentFragment();
  const calls = new Map<string, ToolCard>();
  for (const m of messages) for (const n of renderMessage(m, calls)) frag.appendChild(n);
  into.replaceChildren(frag);
}
