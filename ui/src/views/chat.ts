/**
 * Chat: agents the principal may reach, their sessions, the transcript with
 * streaming text, tool cards and inline approval cards; send, abort, new
 * session. Uses the agents methods (shared/design/agents.md); on a gateway
 * without them the page says agents are not configured.
 */
import { h, replace } from "../dom";
import { errorText, str, time } from "../format";
import { RequestError, type GatewayClient } from "../socket";
import { whenOpen, type View } from "../view";
import { approvalCard, bubble, renderTranscript, toolCard, type Msg } from "./transcript";

interface Agent {
  id: string;
  name?: string;
  model?: { primary?: string | null };
}
interface SessionRow {
  key: string;
  updatedAt?: number;
}

function notConfigured(e: unknown): boolean {
  return e instanceof RequestError && (e.detail === "UNKNOWN_METHOD" || e.code === "UNAVAILABLE" || e.code === "FORBIDDEN");
}

export function chatView(client: GatewayClient): View {
  const body = h("div", { class: "chat" });
  const el = h("section", { class: "page", label: "Chat" }, h("h1", null, "Chat"), body);
  let agentId = "";
  let sessionKey = "";
  let runId: string | undefined;
  let assistant: HTMLElement | undefined;
  const tools = new Map<string, ReturnType<typeof toolCard>>();
  const approvals = new Map<string, ReturnType<typeof approvalCard>>();

  const picker = h("select", { id: "agent", name: "agent", label: "Agent" });
  const sessionsEl = h("nav", { class: "sessions", label: "Sessions" });
  const transcript = h("div", { class: "transcript", role: "log", live: "polite", testid: "transcript" });
  const input = h("textarea", { id: "message", name: "message", placeholder: "Message", label: "Message" });
  const send = h("button", { type: "submit", class: "primary" }, "Send");
  const abort = h("button", { type: "button", class: "danger", disabled: true, testid: "abort", on: { click: () => void client.request("chat.abort", { sessionKey, ...(runId ? { runId } : {}) }).catch(() => undefined) } }, "Abort");
  const note = h("p", { class: "muted", role: "status", live: "polite" });

  const setRunning = (id: string | undefined): void => {
    runId = id;
    abort.disabled = id === undefined;
    send.disabled = id !== undefined;
  };

  const openSession = async (key: string): Promise<void> => {
    sessionKey = key;
    setRunning(undefined);
    assistant = undefined;
    tools.clear();
    approvals.clear();
    for (const b of sessionsEl.querySelectorAll("button[data-key]")) {
      if ((b as HTMLElement).dataset.key === key) b.setAttribute("aria-current", "page");
      else b.removeAttribute("aria-current");
    }
    try {
      const r = await client.request<{ messages: Msg[] }>("chat.history", { sessionKey: key, limit: 500 });
      renderTranscript(transcript, r.messages ?? []);
    } catch {
      transcript.replaceChildren(h("p", { class: "muted" }, "New session: say something."));
    }
    transcript.scrollTop = transcript.scrollHeight;
  };

  /** A sidebar button for one session (its key's name part; `agent:main:` left out). */
  const sessionButton = (key: string, updatedAt?: number): HTMLButtonElement => {
    const b = h("button", { type: "button", title: updatedAt ? time(updatedAt) : "", on: { click: () => void openSession(key) } }, key.split(":").slice(2).join(":") || key);
    b.dataset.key = key;
    return b;
  };

  /** Lists the sessions; opens the newest unless `keep` (after a run: the open session stays open and marked). */
  const loadSessions = async (keep = false): Promise<void> => {
    let rows: SessionRow[] = [];
    try {
      rows = (await client.request<{ sessions: SessionRow[] }>("sessions.list", { agentId, limit: 100 })).sessions ?? [];
    } catch (e) {
      note.textContent = `Could not list sessions: ${errorText(e)}`;
    }
    const newBtn = h(
      "button",
      {
        type: "button",
        class: "primary",
        testid: "new-session",
        on: {
          click: () => {
            const key = `agent:${agentId}:ui-${crypto.randomUUID().slice(0, 8)}`;
            sessionsEl.append(sessionButton(key));
            void openSession(key);
          },
        },
      },
      "New session",
    );
    replace(
      sessionsEl,
      newBtn,
      rows.map((s) => sessionButton(s.key, s.updatedAt)),
    );
    if (keep && sessionKey) {
      const key = sessionKey;
      if (!rows.some((s) => s.key === key)) sessionsEl.append(sessionButton(key));
      sessionsEl.querySelector(`button[data-key="${CSS.escape(key)}"]`)?.setAttribute("aria-current", "page");
      return;
    }
    await openSession(rows[0]?.key ?? `agent:${agentId}:main`);
  };

  const load = async (): Promise<void> => {
    if (!client.has("agents.list")) return replace(body, h("p", { class: "card", testid: "no-agents" }, "Agents are not configured on this gateway."));
    let agents: Agent[];
    let defaultId: string | undefined;
    try {
      const r = await client.request<{ agents: Agent[]; defaultId?: string }>("agents.list");
      agents = r.agents ?? [];
      defaultId = r.defaultId;
    } catch (e) {
      return replace(body, h("p", { class: "card", testid: "no-agents" }, notConfigured(e) ? "Agents are not configured on this gateway." : `Could not list agents: ${errorText(e)}`));
    }
    if (agents.length === 0) return replace(body, h("p", { class: "card", testid: "no-agents" }, "No agent you may use is configured."));
    // An agent without a model refuses every run (the built-in `main` has none until `agents.main.model` is set).
    const runnable = agents.filter((a) => a.model?.primary);
    if (runnable.length === 0)
      return replace(body, h("p", { class: "card", testid: "no-agents" }, `Agents are not configured on this gateway: no agent has a model (set agents.${agents[0]!.id}.model, see docs/agents.md).`));
    agents = runnable;
    replace(picker, agents.map((a) => h("option", { value: a.id }, a.name ? `${a.name} (${a.id})` : a.id)));
    const known = (id: string | undefined): id is string => !!id && agents.some((a) => a.id === id);
    agentId = known(agentId) ? agentId : known(defaultId) ? defaultId : agents[0]!.id;
    picker.value = agentId;
    const composer = h(
      "form",
      {
        class: "composer",
        on: {
          submit: (e) => {
            e.preventDefault();
            const message = input.value.trim();
            if (!message || runId) return;
            input.value = "";
            transcript.append(bubble("user", message));
            assistant = undefined;
            const key = crypto.randomUUID();
            setRunning(key);
            client
              .request<{ runId: string }>("chat.send", { sessionKey, message, idempotencyKey: key })
              // The run may already have ended (its events can arrive before this answer).
              .then((r) => {
                if (runId === key) setRunning(r.runId ?? key);
              })
              .catch((err) => {
                setRunning(undefined);
                transcript.append(h("p", { class: "error" }, `Not sent: ${errorText(err)}`));
              });
          },
          keydown: (e) => {
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              (e.currentTarget as HTMLFormElement).requestSubmit();
            }
          },
        },
      },
      input,
      send,
      abort,
    );
    replace(
      body,
      h("aside", null, h("label", { for: "agent" }, "Agent"), picker, sessionsEl),
      h("div", { class: "conversation" }, transcript, note, composer),
    );
    await loadSessions();
  };
  picker.addEventListener("change", () => {
    agentId = picker.value;
    void loadSessions();
  });

  const onAgent = (ev: { runId: string; stream: string; sessionKey: string; data: Record<string, unknown> }): void => {
    if (!ev || ev.sessionKey !== sessionKey) return;
    const d = ev.data ?? {};
    if (ev.stream === "assistant") {
      if (!assistant) {
        assistant = bubble("assistant", "");
        transcript.append(assistant);
      }
      (assistant.firstElementChild as HTMLElement).textContent = str(d.text);
    } else if (ev.stream === "tool") {
      const id = str(d.toolCallId);
      if (d.phase === "start") {
        const card = toolCard(str(d.name), d.args);
        tools.set(id, card);
        transcript.append(card.el);
        assistant = undefined;
      } else if (d.phase === "result") {
        const content = (d.result as { content?: unknown } | undefined)?.content;
        const text = Array.isArray(content) ? content.map((c) => str((c as { text?: unknown }).text)).join("") : str(d.result);
        tools.get(id)?.result(text, d.isError === true);
      }
    } else if (ev.stream === "approval") {
      const id = str(d.approvalId);
      let card = approvals.get(id);
      if (!card) {
        card = approvalCard(str(d.command), str(d.status) || "pending");
        approvals.set(id, card);
        transcript.append(card.el);
      } else card.set(str(d.status));
    } else if (ev.stream === "lifecycle" && (d.phase === "end" || d.phase === "error")) {
      if (d.phase === "error") transcript.append(h("p", { class: "error" }, `Run failed: ${str(d.error)}`));
      setRunning(undefined);
    }
    transcript.scrollTop = transcript.scrollHeight;
  };
  const onChat = (ev: { sessionKey: string; state: string; errorMessage?: string }): void => {
    if (!ev || ev.sessionKey !== sessionKey) return;
    if (ev.state === "final" || ev.state === "aborted" || ev.state === "error") {
      if (ev.state === "aborted") transcript.append(h("p", { class: "muted", testid: "run-aborted" }, "Aborted."));
      setRunning(undefined);
      // The run may have created the session (or changed its order): list them again.
      void loadSessions(true);
    }
  };
  replace(body, h("p", { class: "muted" }, "Loading agents…"));
  const offs = [whenOpen(client, () => void load()), client.on("agent", onAgent), client.on("chat", onChat)];
  return { el, dispose: () => offs.forEach((off) => off()) };
}
