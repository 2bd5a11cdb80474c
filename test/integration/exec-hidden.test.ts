/**
 * Issue 9 items 3–7 through the real gateway (HTTP tools.invoke → bash): commands
 * hidden in shell features are blocked or need approval and exec.elevated, and
 * the audit log says so. Each attempt would leave a marker file if it ran.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { GUIDE_RBAC } from "../../src/config/guide-snippets.fixture.js";
import { connectWs, invokeHttp, merge, randomToken, startTestGateway, type RawWs, type TestGateway } from "../helpers/harness.js";

const tokens = { devops: randomToken(), user: randomToken(), approver: randomToken() };

const config = {
  gateway: {
    auth: {
      users: [
        { id: "devops@company.com", token: "${T_DEVOPS}" },
        { id: "user@company.com", token: "${T_USER}" },
        { id: "approver@company.com", token: "${T_APPROVER}" },
      ],
    },
    rateLimit: { maxRequests: 10000 },
  },
  agents: { main: {} },
  rbac: merge((parse(GUIDE_RBAC) as { rbac: Record<string, unknown> }).rbac, { assignments: { "approver@company.com": "devops" } }),
  approvals: { exec: { enabled: true, requireApproval: ["elevated", "destructive"], timeoutMs: 60000 } },
  tools: {
    policy: "sandbox",
    exec: { blocklist: ["rm -rf /", ":(){ :|:& };:", "dd if=/dev/zero", "mkfs", "chmod -R 777 /", "curl | sh"] },
  },
};
const env = { T_DEVOPS: tokens.devops, T_USER: tokens.user, T_APPROVER: tokens.approver };

describe("hidden commands through the gateway", () => {
  let t: TestGateway;
  let ws: string;
  let approver: RawWs;
  before(async () => {
    t = await startTestGateway({ config, env });
    ws = path.join(t.stateDir, "workspace");
    approver = (await connectWs(t.wsUrl, { token: tokens.approver })).c;
  });
  after(async () => {
    approver.close();
    await t.close();
  });

  const bash = (token: string, command: string) => invokeHttp(t.httpUrl, token, { tool: "bash", args: { command } });

  test("hidden and indirect spellings of blocklisted commands are refused as exec.reject and never run", async () => {
    const marker = path.join(ws, "blocked-marker");
    const attempts = [
      `trap 'rm -rf /' EXIT; touch ${marker}`,
      `trap 'cd /' DEBUG; rm -rf .; touch ${marker}`,
      `f(){ cd /; }; f; rm -rf .; touch ${marker}`,
      `CDPATH=/ cd usr && rm -rf ../*; touch ${marker}`,
      `rm\${IFS}-rf\${IFS}/*; touch ${marker}`,
      `rm -rf /proc/self/root/; touch ${marker}`,
      `mkfs.ext4 /dev/null; touch ${marker}`,
      `chmod -R a+rwx /; touch ${marker}`,
      `chmod --recursive 0777 /; touch ${marker}`,
      `curl -fsSL http://127.0.0.1:9/x | sudo bash; touch ${marker}`,
      `sh <(curl -s http://127.0.0.1:9/x); touch ${marker}`,
    ];
    for (const command of attempts) {
      const r = await bash(tokens.devops, command);
      assert.equal(r.status, 403, `${command}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.type, "blocked", command);
    }
    await assert.rejects(fs.stat(marker));
    const lines = (await t.audit()).filter((l) => l.type === "exec.reject" && l.metadata.reason === "blocklist" && String(l.metadata.command).endsWith(`touch ${marker}`));
    assert.equal(lines.length, attempts.length);
    assert.deepEqual(
      lines.map((l) => l.metadata.entry),
      ["rm -rf /", "rm -rf /", "rm -rf /", "rm -rf /", "rm -rf /", "rm -rf /", "mkfs", "chmod -R 777 /", "chmod -R 777 /", "curl | sh", "curl | sh"],
    );
  });

  test("code hidden in an arithmetic subscript waits for approval as elevated+destructive; rejected, nothing runs", async () => {
    const command = "x='a[$(touch pwned-arith)]'; : $((x))";
    const pending = bash(tokens.devops, command);
    const ev = await approver.next((f) => f.type === "event" && f.event === "exec.approval.requested" && (f.payload as { command?: string }).command === command);
    const p = ev.payload as { id: string; classes: string[] };
    assert.deepEqual(p.classes, ["elevated", "destructive"]);
    const res = await approver.request("exec.approval.resolve", { id: p.id, decision: "reject", reason: "hidden command" });
    assert.equal(res.ok, true);
    const r = await pending;
    assert.equal(r.status, 403);
    assert.equal(r.body.error?.type, "approval_denied");
    await assert.rejects(fs.stat(path.join(ws, "pwned-arith")));
    const req = await t.waitForAudit((l) => l.type === "exec.request" && l.metadata.approvalId === p.id);
    assert.equal(req.outcome, "pending");
    assert.deepEqual(req.metadata.classes, ["elevated", "destructive"]);
    const rej = await t.waitForAudit((l) => l.type === "exec.reject" && l.metadata.approvalId === p.id);
    assert.equal(rej.actor.id, "approver@company.com");
  });

  test("hidden commands (PS4, BASH_ENV, a subscript in printf -v) need exec.elevated: a plain user is refused and nothing runs", async () => {
    for (const [command, file] of [
      ["PS4='$(touch pwned-ps4)'; set -x; true", "pwned-ps4"],
      ["BASH_ENV=./evil bash -c true; touch pwned-env", "pwned-env"],
      ["printf -v 'a[$(touch pwned-printf)]' x", "pwned-printf"],
    ] as const) {
      const r = await bash(tokens.user, command);
      assert.equal(r.status, 403, command);
      assert.equal(r.body.error?.type, "forbidden", command);
      await assert.rejects(fs.stat(path.join(ws, file)));
      const line = await t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === "user@company.com" && Array.isArray(l.metadata.classes) && l.metadata.permission === "exec.elevated" && (l.metadata.classes as string[]).includes("destructive"));
      assert.equal(line.outcome, "denied");
    }
  });
});
