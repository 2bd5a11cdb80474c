import assert from "node:assert/strict";
import { test } from "node:test";
import type { AuditInput } from "../core/audit-types.js";
import { createOperatorNotices } from "./operator-notices.js";

function capture() {
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) };
  let tick: (() => void) | undefined;
  const notices = createOperatorNotices({ log, intervalMs: 60_000, repeat: (fn) => ((tick = fn), () => (tick = undefined)) });
  return { lines, notices, tick: () => tick?.() };
}

const denied = (ip: string, type = "auth.failure"): AuditInput => ({ type, actor: { type: "anonymous", id: "anonymous", remoteIp: ip }, outcome: type === "auth.failure" ? "failure" : "denied" });

test("refusals are summarised once per interval, never one line per request", () => {
  const { lines, notices, tick } = capture();
  for (let i = 0; i < 500; i++) notices.observe(denied(`10.0.0.${i % 5}`));
  for (let i = 0; i < 3; i++) notices.observe(denied("10.0.0.9", "rbac.denied"));
  assert.equal(lines.length, 0, "nothing per request");
  tick();
  assert.equal(lines.length, 1);
  assert.match(lines[0] as string, /^warn refused 503 request\(s\) in the last 60s: auth\.failure 500, rbac\.denied 3 \(from 6 address\(es\)\)/);
  tick();
  assert.equal(lines.length, 1, "a quiet interval prints nothing");
  notices.observe({ type: "tool.invoke", actor: { type: "user", id: "owner" }, outcome: "success" });
  tick();
  assert.equal(lines.length, 1, "successes are not refusals");
  notices.observe(denied("10.0.0.1"));
  notices.stop();
  assert.equal(lines.length, 2, "stop flushes what is left");
});

test("a waiting approval and a waiting pairing request are logged with the command that decides them, escaped, without the command line", () => {
  const { lines, notices } = capture();
  notices.observe({
    type: "exec.request",
    actor: { type: "user", id: "dev@company.com", remoteIp: "127.0.0.1" },
    outcome: "pending",
    metadata: { approvalId: "a1b2", command: "rm -rf secret-dir", agentId: "main", classes: ["destructive"] },
  });
  notices.observe({
    type: "pairing.request",
    actor: { type: "device", id: "d".repeat(64), remoteIp: "127.0.0.1" },
    outcome: "pending",
    metadata: { requestId: "r-1", deviceId: "d".repeat(64), clientId: "evil\u202egnp.exe\x1b[2K", platform: "linux" },
  });
  assert.match(lines[0] as string, /^info approval a1b2 waiting: dev@company\.com on agent main \(destructive\); decide with: clawdbot approvals list, then clawdbot approvals approve\|reject a1b2$/);
  assert.ok(!(lines[0] as string).includes("secret-dir"), "the command line stays out of the operational log");
  assert.match(lines[1] as string, /^info pairing request r-1 waiting: device d{16} \(client evil\\u202egnp\.exe\\u001b\[2K\) from 127\.0\.0\.1; decide with: clawdbot devices approve r-1 --as PRINCIPAL/);
});
