/** Status: version, uptime, connections; for admins the redacted config and doctor findings. */
import { h, replace } from "../dom";
import { duration, errorText } from "../format";
import type { GatewayClient } from "../socket";
import { whenOpen, type Caps, type View } from "../view";

interface Finding {
  check: string;
  id: string;
  status: "pass" | "warn" | "fail" | "fixed";
  subject: string;
  message: string;
  fix?: string;
}

export function statusView(client: GatewayClient, caps: Caps): View {
  const facts = h("dl", { class: "facts", testid: "status-facts" });
  const conns = h("div", { class: "list" });
  const config = h("pre", { class: "mono config", testid: "status-config" });
  const doctor = h("div", { class: "list", testid: "doctor-findings" });
  const note = h("p", { class: "error", role: "alert", hidden: true });
  let started = 0;
  const uptime = h("dd", { testid: "uptime" });
  const interval = setInterval(() => {
    if (started) uptime.textContent = duration(Date.now() - started);
  }, 1000);

  const runDoctor = async (): Promise<void> => {
    replace(doctor, h("p", { class: "muted" }, "Running doctor…"));
    try {
      const r = await client.request<{ findings: Finding[]; ok: boolean }>("doctor.run");
      const order = { fail: 0, warn: 1, fixed: 2, pass: 3 };
      const sorted = [...r.findings].sort((a, b) => order[a.status] - order[b.status]);
      replace(
        doctor,
        h("p", { class: r.ok ? "ok-text" : "error" }, r.ok ? "No failures." : "Doctor found failures."),
        sorted.map((f) =>
          h(
            "article",
            { class: "card row", testid: "finding" },
            h("span", { class: `badge ${f.status === "pass" || f.status === "fixed" ? "ok" : f.status === "warn" ? "warn" : "bad"}` }, f.status),
            h("span", null, h("strong", null, f.id), " ", h("span", { class: "muted" }, f.subject)),
            h("span", null, f.message),
            f.fix ? h("span", { class: "muted" }, `Fix: ${f.fix}`) : null,
          ),
        ),
      );
    } catch (e) {
      replace(doctor, h("p", { class: "error" }, `Doctor failed: ${errorText(e)}`));
    }
  };

  const load = async (): Promise<void> => {
    try {
      note.hidden = true;
      const s = await client.request<{ version: string; uptimeMs: number; principal: string; rbacRole: string | null; connections: number; agents: string[]; pendingApprovals: number }>("status");
      started = Date.now() - s.uptimeMs;
      uptime.textContent = duration(s.uptimeMs);
      replace(
        facts,
        h("dt", null, "Version"),
        h("dd", { testid: "version" }, s.version),
        h("dt", null, "Uptime"),
        uptime,
        h("dt", null, "Connections"),
        h("dd", null, String(s.connections)),
        h("dt", null, "Signed in as"),
        h("dd", null, `${s.principal}${s.rbacRole ? ` (${s.rbacRole})` : ""}`),
        h("dt", null, "Agents"),
        h("dd", null, s.agents.join(", ") || "none"),
        h("dt", null, "Pending approvals"),
        h("dd", null, String(s.pendingApprovals)),
      );
      if (caps.admin) {
        const d = await client.request<{ config: unknown; configFile: string | null; connections: { connId: string; principal: string; remoteIp: string; method: string }[] }>("status.details");
        config.textContent = `# ${d.configFile ?? "defaults (no config file)"} — secrets redacted\n${JSON.stringify(d.config, null, 2)}`;
        replace(
          conns,
          d.connections.map((c) => h("article", { class: "card row" }, h("strong", null, c.principal), h("span", { class: "muted" }, `${c.method} from ${c.remoteIp}`), h("code", { class: "mono muted" }, c.connId))),
        );
        void runDoctor();
      }
    } catch (e) {
      note.hidden = false;
      note.textContent = `Could not load status: ${errorText(e)}`;
    }
  };
  const off = whenOpen(client, () => void load());
  return {
    el: h(
      "section",
      { class: "page", label: "Status" },
      h("h1", null, "Status"),
      note,
      facts,
      caps.admin
        ? [
            h("h2", null, "Open connections"),
            conns,
            h("h2", null, "Doctor", " ", h("button", { type: "button", class: "quiet", on: { click: () => void runDoctor() } }, "Run again")),
            doctor,
            h("h2", null, "Configuration"),
            h("details", null, h("summary", null, "Effective configuration (secrets redacted)"), config),
          ]
        : null,
    ),
    dispose: () => {
      clearInterval(interval);
      off();
    },
  };
}
