/**
 * Not part of the page: the e2e tests and `npm run bench` bundle this file and
 * evaluate it inside the real page to drive the real rendering code (Chat's
 * transcript, Audit's rows) with large inputs and time it with performance.now.
 */
import { auditRow, MAX_ROWS } from "./views/audit";
import { renderMessage, renderTranscript, type Msg } from "./views/transcript";

function layout(el: HTMLElement): number {
  return el.getBoundingClientRect().height + document.documentElement.scrollHeight;
}
const frame = (): Promise<number> => new Promise((r) => requestAnimationFrame(() => r(performance.now())));

/** `n` messages in `chat.history`'s shape: user/assistant text blocks; every 10th pair an assistant tool call and its result. */
export function messages(n: number, payload = ""): Msg[] {
  const out: Msg[] = [];
  const text = (t: string) => [{ type: "text", text: t }];
  for (let i = 0; i < n; i++) {
    const body = `${payload}Message ${i}: ${"lorem ipsum dolor sit amet ".repeat(8)}\nsecond line`;
    if (i % 10 === 8) out.push({ role: "assistant", content: [...text(body), { type: "toolCall", id: `call_${i}`, name: "bash", arguments: { command: `${payload}ls -la build/${i}` } }] });
    else if (i % 10 === 9) out.push({ role: "toolResult", toolCallId: `call_${i - 1}`, toolName: "bash", isError: false, content: text(`${payload}line ${i}\n`.repeat(5)) });
    else out.push({ role: i % 2 ? "assistant" : "user", content: text(body) });
  }
  return out;
}

export function auditRecords(n: number, payload = ""): Parameters<typeof auditRow>[0][] {
  return Array.from({ length: n }, (_, i) => ({
    ts: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    eventId: `e${i}`,
    type: i % 3 ? "auth.login" : "exec.request",
    actor: { type: "user", id: `${payload}user${i}@company.com`, remoteIp: "127.0.0.1" },
    outcome: i % 5 ? "success" : "denied",
    traceId: "0".repeat(32),
    metadata: { command: `${payload}rm -rf build/${i}`, agentId: "main", clientId: payload },
  }));
}

/** A host element in the page, then `render` and `update` each timed up to a forced layout. */
async function measure(className: string, render: (host: HTMLElement) => void, update: (host: HTMLElement) => void): Promise<{ host: HTMLElement; renderMs: number; updateMs: number }> {
  const host = document.createElement("div");
  host.className = className;
  document.querySelector("main")?.appendChild(host);
  await frame();
  const t0 = performance.now();
  render(host);
  layout(host);
  const renderMs = performance.now() - t0;
  const t1 = performance.now();
  update(host);
  layout(host);
  return { host, renderMs, updateMs: performance.now() - t1 };
}

/** Renders `n` transcript messages; returns ms to DOM + layout, and ms for one streamed update after. */
export async function transcript(n: number, payload = ""): Promise<{ nodes: number; renderMs: number; updateMs: number }> {
  const msgs = messages(n, payload);
  const r = await measure(
    "transcript",
    (host) => renderTranscript(host, msgs),
    (host) => {
      for (const node of renderMessage({ role: "assistant", content: [{ type: "text", text: "streamed delta" }] })) host.appendChild(node);
      host.scrollTop = host.scrollHeight;
    },
  );
  return { nodes: r.host.childElementCount, renderMs: r.renderMs, updateMs: r.updateMs };
}

/** Renders `n` audit rows; returns ms to DOM + layout and ms for one live line (prepend + drop the oldest). */
export async function audit(n: number, payload = ""): Promise<{ rows: number; renderMs: number; liveMs: number }> {
  const recs = auditRecords(n, payload);
  const r = await measure(
    "audit-rows",
    (host) => {
      const frag = document.createDocumentFragment();
      for (let i = recs.length - 1; i >= 0; i--) frag.appendChild(auditRow(recs[i]!));
      host.appendChild(frag);
    },
    (host) => {
      host.prepend(auditRow(recs[0]!));
      while (host.childElementCount > Math.max(n, MAX_ROWS)) host.lastElementChild?.remove();
    },
  );
  return { rows: r.host.childElementCount, renderMs: r.renderMs, liveMs: r.updateMs };
}

(globalThis as unknown as { __perf: unknown }).__perf = { transcript, audit };
