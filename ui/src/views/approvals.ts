/**
 * Approvals: the live queue (for principals with exec.approve), recent
 * decisions, and — for everyone — their own requests that are waiting.
 * Approve/Reject exist only for approvers; the gateway refuses anyone else.
 */
import { h, replace } from "../dom";
import { duration, errorText, time } from "../format";
import type { GatewayClient } from "../socket";
import { whenOpen, type Caps, type View } from "../view";

interface Req {
  id: string;
  command: string;
  cwd: string;
  agentId: string;
  requester: string | { id: string };
  classes: string[];
  expiresAtMs: number;
}
interface Decided extends Req {
  decision: "approve" | "reject";
  reason: string;
  decider: string | null;
  decidedAtMs: number;
}

const requesterOf = (r: Req): string => (typeof r.requester === "string" ? r.requester : r.requester.id);

function facts(r: Req, left: HTMLElement): HTMLElement {
  return h(
    "dl",
    { class: "facts" },
    h("dt", null, "Class"),
    h("dd", null, r.classes.map((c) => h("span", { class: `badge ${c === "elevated" ? "warn" : "bad"}` }, c))),
    h("dt", null, "Agent"),
    h("dd", null, r.agentId),
    h("dt", null, "Requester"),
    h("dd", null, requesterOf(r)),
    h("dt", null, "Directory"),
    h("dd", { class: "mono" }, r.cwd),
    h("dt", null, "Time left"),
    h("dd", null, left),
  );
}

export function approvalsView(client: GatewayClient, caps: Caps): View {
  const queue = new Map<string, Req>();
  const mine = new Map<string, Req>();
  let recent: Decided[] = [];
  const timers = new Map<HTMLElement, number>();
  const queueEl = h("div", { class: "list", testid: "approval-queue" });
  const mineEl = h("div", { class: "list", testid: "approval-mine" });
  const recentEl = h("div", { class: "list", testid: "approval-recent" });
  const status = h("p", { class: "error", role: "alert", hidden: true });

  const countdown = (expiresAtMs: number): HTMLElement => {
    const el = h("span", { class: "left" });
    timers.set(el, expiresAtMs);
    return el;
  };
  const tick = (): void => {
    const now = Date.now();
    for (const [el, exp] of timers) {
      if (!el.isConnected) timers.delete(el);
      else el.textContent = exp > now ? duration(exp - now) : "expired";
    }
  };
  const interval = setInterval(tick, 1000);

  const decide = async (r: Req, decision: "approve" | "reject", reason: string, card: HTMLElement): Promise<void> => {
    for (const b of card.querySelectorAll("button")) b.disabled = true;
    try {
      await client.request("exec.approval.resolve", { id: r.id, decision, ...(reason ? { reason } : {}) });
      queue.delete(r.id);
      render();
      void loadRecent();
    } catch (e) {
      status.hidden = false;
      status.textContent = `Could not ${decision}: ${errorText(e)}`;
      for (const b of card.querySelectorAll("button")) b.disabled = false;
    }
  };

  const queueCard = (r: Req): HTMLElement => {
    // Nobody decides their own request (the gateway refuses it): no buttons for it.
    if (requesterOf(r) === caps.principal) return h("article", { class: "card approval", testid: "approval-card-own" }, h("pre", { class: "command" }, r.command), facts(r, countdown(r.expiresAtMs)), h("p", { class: "muted" }, "Your own request: another approver decides."));
    const reason = h("input", { type: "text", name: "reason", placeholder: "Reason (optional)", label: "Reason" });
    const card = h("article", { class: "card approval", testid: "approval-card" });
    replace(
      card,
      h("pre", { class: "command", testid: "approval-command" }, r.command),
      facts(r, countdown(r.expiresAtMs)),
      h(
        "div",
        { class: "actions" },
        reason,
        h("button", { type: "button", class: "primary", testid: "approve", on: { click: () => void decide(r, "approve", reason.value.trim(), card) } }, "Approve"),
        h("button", { type: "button", class: "danger", testid: "reject", on: { click: () => void decide(r, "reject", reason.value.trim(), card) } }, "Reject"),
      ),
    );
    return card;
  };
  const mineCard = (r: Req): HTMLElement =>
    h("article", { class: "card approval", testid: "mine-card" }, h("pre", { class: "command" }, r.command), facts(r, countdown(r.expiresAtMs)), h("p", { class: "muted" }, "Waiting for an approver."));
  const recentRow = (d: Decided): HTMLElement =>
    h(
      "article",
      { class: "card row", testid: "recent-row" },
      h("span", { class: `badge ${d.decision === "approve" ? "ok" : "bad"}` }, d.decision === "approve" ? "approved" : "rejected"),
      h("code", { class: "mono" }, d.command),
      h("span", { class: "muted" }, `by ${d.decider ?? "nobody"} · ${d.reason} · ${requesterOf(d)} · ${time(d.decidedAtMs)}`),
    );

  const render = (): void => {
    if (caps.approve)
      replace(queueEl, queue.size === 0 ? h("p", { class: "muted" }, "Nothing waiting for a decision.") : [...queue.values()].map(queueCard));
    replace(mineEl, mine.size === 0 ? h("p", { class: "muted" }, "None of your commands is waiting.") : [...mine.values()].map(mineCard));
    replace(recentEl, recent.length === 0 ? h("p", { class: "muted" }, "No decisions yet.") : recent.map(recentRow));
    tick();
  };

  const loadRecent = async (): Promise<void> => {
    if (!caps.approve) return;
    recent = (await client.request<{ decisions: Decided[] }>("exec.approval.recent")).decisions;
    render();
  };
  const load = async (): Promise<void> => {
    try {
      status.hidden = true;
      const own = await client.request<{ approvals: Req[] }>("exec.approval.mine");
      mine.clear();
      for (const r of own.approvals) mine.set(r.id, r);
      if (caps.approve) {
        const list = await client.request<{ approvals: Req[] }>("exec.approval.list");
        queue.clear();
        for (const r of list.approvals) queue.set(r.id, r);
        await loadRecent();
      }
      render();
    } catch (e) {
      status.hidden = false;
      status.textContent = `Could not load approvals: ${errorText(e)}`;
    }
  };

  const offs = [
    whenOpen(client, () => void load()),
    client.on("exec.approval.requested", (r: Req) => {
      queue.set(r.id, r);
      render();
    }),
    client.on("exec.approval.resolved", (r: { id: string }) => {
      queue.delete(r.id);
      render();
      void loadRecent().catch(() => undefined);
    }),
    client.on("exec.approval.own.requested", (r: Req) => {
      mine.set(r.id, r);
      render();
    }),
    client.on("exec.approval.own.resolved", (d: Decided) => {
      mine.delete(d.id);
      if (!caps.approve) recent = [d, ...recent].slice(0, 50);
      render();
    }),
  ];

  const el = h(
    "section",
    { class: "page", label: "Approvals" },
    h("h1", null, "Approvals"),
    status,
    caps.approve ? [h("h2", null, "Waiting for a decision"), queueEl] : null,
    h("h2", null, "Your waiting commands"),
    mineEl,
    h("h2", null, caps.approve ? "Recent decisions" : "Your recent results"),
    recentEl,
  );
  render();
  return {
    el,
    dispose: () => {
      clearInterval(interval);
      for (const off of offs) off();
    },
  };
}
