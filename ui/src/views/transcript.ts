/**
 * Transcript rendering for Chat. Assistant text is shown as plain text with
 * its line breaks (CSS `white-space: pre-wrap`), never as markdown or HTML:
 * nothing a model writes can become markup or a link. Tool cards show name,
 * arguments and result as text, collapsible.
 */
import { h } from "../dom";
import { str } from "../format";

export interface Msg {
  role: string;
  content?: unknown;
  text?: string;
  toolName?: string;
  isError?: boolean;
}

export function bubble(role: string, text: string): HTMLElement {
  return h("div", { class: `msg ${role === "user" ? "user" : "assistant"}`, testid: `msg-${role === "user" ? "user" : "assistant"}` }, h("div", { class: "text" }, text));
}

export function toolCard(name: string, args: unknown): { el: HTMLDetailsElement; result(text: string, isError: boolean): void } {
  const status = h("span", { class: "badge warn" }, "running");
  const result = h("pre", { class: "mono", testid: "tool-result" });
  const el = h(
    "details",
    { class: "card tool", testid: "tool-card" },
    h("summary", null, h("strong", null, name), " ", status),
    h("div", { class: "muted small" }, "Arguments"),
    h("pre", { class: "mono" }, typeof args === "string" ? args : JSON.stringify(args, null, 2)),
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

export function approvalCard(command: string, status: string): { el: HTMLElement; set(status: string): void } {
  const s = h("span", { class: "badge warn" }, status);
  const el = h("div", { class: "card approval-inline", testid: "approval-inline" }, h("span", null, "Approval "), s, h("pre", { class: "command" }, command));
  return {
    el,
    set(v) {
      s.textContent = v;
      s.className = `badge ${v === "approved" ? "ok" : v === "pending" || v === "requested" ? "warn" : "bad"}`;
    },
  };
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

/** One history message as nodes: a bubble, and tool cards for tool calls/results it carries. */
export function renderMessage(m: Msg): HTMLElement[] {
  const out: HTMLElement[] = [];
  const role = str(m.role);
  if (role === "tool" || role === "toolResult") {
    const card = toolCard(str(m.toolName) || "tool", "");
    card.result(textOf(m.content) || str(m.text), m.isError === true);
    out.push(card.el);
    return out;
  }
  const text = textOf(m.content) || str(m.text);
  if (text) out.push(bubble(role, text));
  if (Array.isArray(m.content))
    for (const b of m.content as Record<string, unknown>[]) {
      if (b && (b.type === "toolCall" || b.type === "tool_use")) out.push(toolCard(str(b.name), b.arguments ?? b.input ?? {}).el);
    }
  return out;
}

/** Renders a whole transcript in one pass (one fragment, one layout). */
export function renderTranscript(into: HTMLElement, messages: Msg[]): void {
  const frag = document.createDocumentFragment();
  for (const m of messages) for (const n of renderMessage(m)) frag.appendChild(n);
  into.replaceChildren(frag);
}
