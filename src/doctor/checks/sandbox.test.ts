import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { contextFor, one, tempStates } from "../doctor-fixture.js";
import type { SandboxProbe } from "../types.js";
import type { SandboxFacts } from "../../sandbox/probe.js";
import { sandboxCheck } from "./sandbox.js";

describe("sandbox check", () => {
  const { state, cleanup } = tempStates();
  after(cleanup);
  const run = async (yaml: string, probe?: SandboxProbe) => sandboxCheck(await contextFor({ stateDir: await state(), yaml, ...(probe ? { checkSandbox: probe } : {}) }));
  const approvalsOn = "approvals:\n  exec:\n    enabled: true\n";

  it("fails when the sandbox policy is set and bubblewrap is unusable, probing the configured path", async () => {
    const asked: (string | undefined)[] = [];
    const probe: SandboxProbe = async (p) => {
      asked.push(p);
      return { ok: false, reason: "bubblewrap (bwrap) not found" };
    };
    const f = one(await run("tools:\n  exec:\n    bwrapPath: /opt/bw/bwrap\n", probe), "sandbox.bwrap");
    assert.equal(f.status, "fail");
    assert.match(f.message, /not found/);
    assert.deepEqual(asked, ["/opt/bw/bwrap"]);
  });

  it("passes when bubblewrap works", async () => {
    assert.equal(one(await run(approvalsOn, async () => ({ ok: true })), "sandbox.bwrap").status, "pass");
  });

  const facts = (over: Partial<SandboxFacts> = {}): SandboxFacts => ({
    uid: 65534,
    gid: 65534,
    dropped: true,
    hostUserNamespaces: true,
    sandboxUserNamespaces: false,
    limits: { maxProcesses: 99, maxMemoryBytes: 2 * 1024 ** 3, maxCpuSeconds: 600, maxFileBytes: 1024 ** 3 },
    ...over,
  });
  const tuned = "tools:\n  sandbox:\n    maxProcesses: 99\n";

  it("reports the uid commands run as, user namespaces and the limits, probing with the configured settings", async () => {
    const seen: unknown[] = [];
    const findings = await run(tuned, async (_p, settings) => {
      seen.push(settings?.maxProcesses);
      return { ok: true, facts: facts() };
    });
    assert.deepEqual(seen, [99]);
    const user = one(findings, "sandbox.user");
    assert.equal(user.status, "pass");
    assert.match(user.message, /host uid 65534 gid 65534: the gateway is root and drops/);
    assert.equal(one(findings, "sandbox.userns").status, "pass");
    const limits = one(findings, "sandbox.limits");
    assert.equal(limits.status, "pass");
    assert.match(limits.message, /99 processes per command, 2 GiB address space and 600 s CPU per process, 1 GiB per file, 256 MiB \/tmp/);
  });

  const factCases: { name: string; facts: Partial<SandboxFacts>; id: string; status: string; text: RegExp }[] = [
    { name: "commands run as root", facts: { uid: 0, gid: 0, dropped: false }, id: "sandbox.user", status: "fail", text: /host uid 0 gid 0: root privilege/ },
    { name: "the gateway's own user", facts: { uid: 1000, gid: 1000, dropped: false }, id: "sandbox.user", status: "pass", text: /the gateway's own user/ },
    { name: "sandbox can make user namespaces", facts: { sandboxUserNamespaces: true }, id: "sandbox.userns", status: "warn", text: /can create user namespaces/ },
    { name: "a limit not in force", facts: { limits: { maxProcesses: undefined, maxMemoryBytes: 2 * 1024 ** 3, maxCpuSeconds: 600, maxFileBytes: 1024 ** 3 } }, id: "sandbox.limits", status: "fail", text: /maxProcesses is unlimited inside, configured 99/ },
  ];
  for (const c of factCases) {
    it(`facts: ${c.name} → ${c.id} ${c.status}`, async () => {
      const f = one(await run(tuned, async () => ({ ok: true, facts: facts(c.facts) })), c.id);
      assert.equal(f.status, c.status);
      assert.match(f.message, c.text);
    });
  }

  it("warns on the host policy and does not probe bubblewrap", async () => {
    let probed = false;
    const findings = await run("tools:\n  policy: host\n", async () => {
      probed = true;
      return { ok: true };
    });
    assert.equal(one(findings, "sandbox.policy").status, "warn");
    assert.equal(probed, false);
  });

  const approvalCases: { name: string; yaml: string; status: string }[] = [
    { name: "approvals off, RBAC off (owner may exec)", yaml: "{}\n", status: "warn" },
    { name: "approvals on", yaml: approvalsOn, status: "pass" },
    { name: "approvals on but nothing requires approval", yaml: "approvals:\n  exec:\n    enabled: true\n    requireApproval: []\n", status: "warn" },
    {
      name: "approvals off, RBAC on, nobody can run commands",
      yaml: "gateway:\n  auth:\n    principal: alice\nrbac:\n  enabled: true\n  defaultRole: viewer\n  assignments:\n    alice: viewer\n",
      status: "pass",
    },
    {
      name: "approvals off, RBAC on, exec role denies bash",
      yaml: "rbac:\n  enabled: true\n  roles:\n    nobash:\n      permissions: [exec]\n      tools:\n        deny: [exec]\n  assignments:\n    owner: nobash\n",
      status: "pass",
    },
    { name: "approvals off, RBAC on, default role user", yaml: "rbac:\n  enabled: true\n  defaultRole: user\n  assignments:\n    owner: viewer\n", status: "warn" },
  ];
  for (const c of approvalCases) {
    it(`approvals: ${c.name} → ${c.status}`, async () => {
      assert.equal(one(await run(c.yaml), "sandbox.approvals").status, c.status);
    });
  }

  it("warns when the guide's blocklist entries were removed", async () => {
    const f = one(await run('tools:\n  exec:\n    blocklist: ["rm -rf /"]\n'), "sandbox.blocklist");
    assert.equal(f.status, "warn");
    assert.match(f.message, /dd if=\/dev\/zero/);
  });

  it("passes the default blocklist", async () => {
    assert.equal(one(await run("{}\n"), "sandbox.blocklist").status, "pass");
  });
});
