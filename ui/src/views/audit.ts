/**
 * Audit (admin): live tail (newest first, the last 1,000 lines kept), query by
 * type / actor / outcome / since, the hash chain's verification, export JSON.
 * Every field is shown as text.
 */
import { h } from "../dom";
import { errorText } from "../format";
import type { GatewayClient } from "../socket";
import { whenOpen, type View } from "../view";

interface Rec {
  ts: string;
  eventId: string;
  type: string;
  actor: { type: string; id: string; remoteIp?: string };
  outcome: string;
  traceId: string;
  metadata: Record<string, unknown>;
}

export const MAX_ROWS = 1000;
const PREVIEW = 160;

export function auditRow(r: Rec): HTMLElement {
  const meta = JSON.stringify(r.metadata ?? {});
  return h(
    "details",
    { class: "audit-row", testid: "audit-row" },
    h(
      "summary",
      null,
      h("time", null, String(r.ts).replace("T", " ").replace("Z", "")),
      h("span", { class: "type" }, String(r.type)),
      h("span", { class: "actor" }, String(r.actor?.id ?? "")),
      h("span", { class: `badge ${r.outcome === "success" ? "ok" : r.outcome === "pending" ? "warn" : "bad"}` }, String(r.outcome)),
      h("span", { class: "meta mono" }, meta.length > PREVIEW ? `${meta.slice(0, PREVIEW)}…` : meta),
    ),
    h("pre", { class: "mono" }, JSON.stringify(r, null, 2)),
  );
}

export function auditView(client: GatewayClient): View {
  let mode: "live" | "query" = "live";
  let records: Rec[] = [];
  const seen = new Set<string>();
  const rows = h("div", { class: "audit-rows", testid: "audit-rows" });
  const verifyEl = h("p", { class: "muted", role: "status", testid: "audit-verify" }, "Verifying the hash chain…");
  const note = h("p", { class: "muted", role: "status", live: "polite", testid: "audit-mode" });
  const type = h("input", { id: "f-type", type: "text", name: "type", placeholder: "e.g. exec.* or auth.failure" });
  const actor = h("input", { id: "f-actor", type: "text", name: "actor", placeholder: "principal or device id" });
  const outcome = h("select", { id: "f-outcome", name: "outcome" }, ["", "success", "failure", "denied", "pending"].map((o) => h("option", { value: o }, o || "any")));
  const since = h("input", { id: "f-since", type: "text", name: "since", placeholder: "1h, 7d or an ISO time" });

  const showAll = (): void => {
    const frag = document.createDocumentFragment();
    for (let i = records.length - 1; i >= 0; i--) frag.appendChild(auditRow(records[i]!));
    rows.replaceChildren(frag);
    note.textContent = mode === "live" ? `Live: the newest ${records.length} lines, newest first.` : `Query: ${records.length} matching lines, newest first.`;
  };
  const addLive = (r: Rec): void => {
    if (mode !== "live" || !r || typeof r !== "object" || seen.has(r.eventId)) return;
    seen.add(r.eventId);
    records.push(r);
    rows.prepend(auditRow(r));
    if (records.length > MAX_ROWS) {
      const dropped = records.splice(0, records.length - MAX_ROWS);
      for (const d of dropped) seen.delete(d.eventId);
      while (rows.childElementCount > MAX_ROWS) rows.lastElementChild?.remove();
    }
    note.textContent = `Live: the newest ${records.length} lines, newest first.`;
  };

  const verify = async (): Promise<void> => {
    try {
      const { verify: v } = await client.request<{ verify: { ok: boolean; lines: number; firstBadLine?: number; reason?: string; tornTail?: boolean } }>("audit.verify");
      verifyEl.className = v.ok ? "ok-text" : "error";
      verifyEl.textContent = v.ok
        ? `Hash chain verified: ${v.lines} lines intact${v.tornTail ? " (an unfinished last line is being written or was torn)" : ""}.`
        : `Hash chain broken at line ${v.firstBadLine}: ${v.reason}`;
    } catch (e) {
      verifyEl.className = "error";
      verifyEl.textContent = `Could not verify: ${errorText(e)}`;
    }
  };
  const live = async (): Promise<void> => {
    mode = "live";
    try {
      const r = await client.request<{ records: Rec[] }>("audit.tail", { backlog: 200 });
      records = r.records;
      seen.clear();
      for (const x of records) seen.add(x.eventId);
      showAll();
    } catch (e) {
      note.textContent = `Could not start the live tail: ${errorText(e)}`;
    }
  };
  const query = async (): Promise<void> => {
    mode = "query";
    const params: Record<string, unknown> = { limit: MAX_ROWS };
    if (type.value.trim()) params.type = type.value.trim();
    if (actor.value.trim()) params.actor = actor.value.trim();
    if (outcome.value) params.outcome = outcome.value;
    if (since.value.trim()) params.since = since.value.trim();
    try {
      await client.request("audit.tail", { subscribe: false });
      records = (await client.request<{ records: Rec[] }>("audit.query", params)).records;
      showAll();
    } catch (e) {
      note.textContent = `Query failed: ${errorText(e)}`;
    }
  };
  const exportJson = (): void => {
    const blob = new Blob([JSON.stringify(records, null, 2)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `clawdbot-audit-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };

  const form = h(
    "form",
    {
      class: "filters",
      label: "Query the audit log",
      on: {
        submit: (e) => {
          e.preventDefault();
          void query();
        },
      },
    },
    h("label", { for: "f-type" }, "Type", type),
    h("label", { for: "f-actor" }, "Actor", actor),
    h("label", { for: "f-outcome" }, "Outcome", outcome),
    h("label", { for: "f-since" }, "Since", since),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Query"),
      h("button", { type: "button", testid: "audit-live", on: { click: () => void live() } }, "Live"),
      h("button", { type: "button", testid: "audit-export", on: { click: exportJson } }, "Export JSON"),
      h("button", { type: "button", on: { click: () => void verify() } }, "Verify chain"),
    ),
  );
  const offs = [
    whenOpen(client, () => {
      void verify();
      if (mode === "live") void live();
    }),
    client.on("audit.appended", (p: { record: Rec }) => addLive(p?.record)),
  ];
  return {
    el: h("section", { class: "page", label: "Audit" }, h("h1", null, "Audit log"), verifyEl, form, note, rows),
    dispose: () => {
      offs.forEach((off) => off());
      if (client.state === "open") void client.request("audit.tail", { subscribe: false }).catch(() => undefined);
    },
  };
}
