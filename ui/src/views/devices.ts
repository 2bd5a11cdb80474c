/** Devices (admin): pending pairing requests and paired devices; approve as a principal, reject, rotate, revoke. */
import { h, replace } from "../dom";
import { errorText, time } from "../format";
import type { GatewayClient } from "../socket";
import { whenOpen, type View } from "../view";

interface Pending {
  requestId: string;
  deviceId: string;
  clientId: string;
  clientMode: string;
  platform?: string;
  remoteIp: string;
  createdAtMs: number;
  expiresAtMs: number;
}
interface Paired {
  deviceId: string;
  principal: string;
  clientId: string;
  clientMode: string;
  platform?: string;
  approvedAtMs: number;
  tokenIssuedAtMs: number;
}

/** A button that asks for a second press before it acts (revoke, reject). */
function confirmButton(label: string, cls: string, testid: string, act: () => Promise<void>): HTMLButtonElement {
  let armed = false;
  const b = h("button", { type: "button", class: cls, testid }, label);
  b.addEventListener("click", () => {
    if (!armed) {
      armed = true;
      b.textContent = `Confirm ${label.toLowerCase()}`;
      return;
    }
    b.disabled = true;
    void act();
  });
  b.addEventListener("blur", () => {
    armed = false;
    b.textContent = label;
  });
  return b;
}

export function devicesView(client: GatewayClient): View {
  const pendingEl = h("div", { class: "list", testid: "pending-devices" });
  const pairedEl = h("div", { class: "list", testid: "paired-devices" });
  const note = h("p", { role: "status", live: "polite", class: "muted" });

  const act = async (what: string, method: string, params: Record<string, unknown>): Promise<void> => {
    try {
      const r = await client.request(method, params);
      note.className = "muted";
      note.textContent = `${what}${typeof r?.closedConnections === "number" ? ` (${r.closedConnections} connection(s) closed)` : ""}.`;
    } catch (e) {
      note.className = "error";
      note.textContent = `${what} failed: ${errorText(e)}`;
    }
    await load();
  };

  const pendingCard = (p: Pending): HTMLElement => {
    const as = h("input", { type: "text", name: "principal", placeholder: "Act as principal (default: the device itself)", label: "Principal" });
    return h(
      "article",
      { class: "card", testid: "pending-device" },
      h(
        "dl",
        { class: "facts" },
        h("dt", null, "Device"),
        h("dd", { class: "mono" }, p.deviceId),
        h("dt", null, "Client"),
        h("dd", { testid: "device-client" }, `${p.clientId} (${p.clientMode}${p.platform ? `, ${p.platform}` : ""})`),
        h("dt", null, "From"),
        h("dd", null, p.remoteIp),
        h("dt", null, "Requested"),
        h("dd", null, time(p.createdAtMs)),
        h("dt", null, "Expires"),
        h("dd", null, time(p.expiresAtMs)),
      ),
      h(
        "div",
        { class: "actions" },
        as,
        h(
          "button",
          {
            type: "button",
            class: "primary",
            testid: "approve-device",
            on: { click: () => void act("Approved", "device.pair.approve", { requestId: p.requestId, ...(as.value.trim() ? { principal: as.value.trim() } : {}) }) },
          },
          "Approve",
        ),
        confirmButton("Reject", "danger", "reject-device", () => act("Rejected", "device.pair.reject", { requestId: p.requestId })),
      ),
    );
  };
  const pairedCard = (d: Paired): HTMLElement =>
    h(
      "article",
      { class: "card", testid: "paired-device" },
      h(
        "dl",
        { class: "facts" },
        h("dt", null, "Device"),
        h("dd", { class: "mono" }, d.deviceId),
        h("dt", null, "Principal"),
        h("dd", null, d.principal),
        h("dt", null, "Client"),
        h("dd", null, `${d.clientId} (${d.clientMode}${d.platform ? `, ${d.platform}` : ""})`),
        h("dt", null, "Approved"),
        h("dd", null, time(d.approvedAtMs)),
        h("dt", null, "Token issued"),
        h("dd", null, time(d.tokenIssuedAtMs)),
      ),
      h(
        "div",
        { class: "actions" },
        confirmButton("Rotate", "", "rotate-device", () => act("Token rotated; the device gets a new one on its next signed connect", "device.token.rotate", { deviceId: d.deviceId })),
        confirmButton("Revoke", "danger", "revoke-device", () => act("Revoked", "device.token.revoke", { deviceId: d.deviceId })),
      ),
    );

  const load = async (): Promise<void> => {
    try {
      const r = await client.request<{ pending: Pending[]; paired: Paired[] }>("device.pair.list");
      replace(pendingEl, r.pending.length === 0 ? h("p", { class: "muted" }, "No pairing requests.") : r.pending.map(pendingCard));
      replace(pairedEl, r.paired.length === 0 ? h("p", { class: "muted" }, "No paired devices.") : r.paired.map(pairedCard));
    } catch (e) {
      note.className = "error";
      note.textContent = `Could not load devices: ${errorText(e)}`;
    }
  };
  const offs = [
    whenOpen(client, () => void load()),
    client.on("device.pair.requested", () => void load()),
    client.on("device.pair.resolved", () => void load()),
  ];
  return {
    el: h("section", { class: "page", label: "Devices" }, h("h1", null, "Devices"), note, h("h2", null, "Pairing requests"), pendingEl, h("h2", null, "Paired devices"), pairedEl),
    dispose: () => offs.forEach((off) => off()),
  };
}
