/**
 * Issue 9.18: a half-written config is never applied; a weakening change is
 * loud and audited; symlinked configs (in-place edit of the target, a
 * Kubernetes ConfigMap `..data` swap) reload.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startGateway, type Gateway } from "../../src/app/gateway.js";
import type { Logger } from "../../src/app/logger.js";
import { FakeTimers } from "../helpers/fake-timers.js";
import { makeStateDir, randomToken, readAuditLines, type AuditLine } from "../helpers/harness.js";

interface Started {
  gw: Gateway;
  stateDir: string;
  warnings: string[];
  audit(): Promise<AuditLine[]>;
  until(pred: (lines: AuditLine[]) => boolean): Promise<AuditLine[]>;
}

const HEAD = (settleMs: number) => `gateway:
  port: 0
  bind: 127.0.0.1
  auth:
    mode: token
    token: \${T}
  reload:
    settleMs: ${settleMs}
`;
const RBAC = `rbac:
  enabled: true
  defaultRole: support
  roles:
    support:
      permissions: [read-only, exec]
      tools:
        deny: [bash]
`;

async function start(configPath: string, opts: { timers?: FakeTimers; stateDir?: string } = {}): Promise<Started> {
  const stateDir = opts.stateDir ?? (await makeStateDir());
  const warnings: string[] = [];
  const logger: Logger = { info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const gw = await startGateway({
    stateDir,
    configPath,
    configExplicit: true,
    env: { PATH: process.env.PATH, T: randomToken() },
    logger,
    ...(opts.timers ? { watchTimers: opts.timers } : {}),
  });
  const audit = (): Promise<AuditLine[]> => readAuditLines(gw.auditPath);
  return {
    gw,
    stateDir,
    warnings,
    audit,
    until: async (pred) => {
      for (let i = 0; i < 2000; i++) {
        const lines = await audit();
        if (pred(lines)) return lines;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error("the expected audit line never came");
    },
  };
}

const changes = (lines: AuditLine[]): AuditLine[] => lines.filter((l) => l.type === "config.change");
const waitFor = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), "condition never held");
};

test("an in-place write that pauses mid-file (before rbac:) longer than the old debounce is never applied half-written", async () => {
  const dir = await makeStateDir();
  const configPath = path.join(dir, "config.yaml");
  const whole = `${HEAD(500)}  rateLimit:\n    maxRequests: 100\n${RBAC}`;
  await fs.writeFile(configPath, whole, { mode: 0o600 });
  const timers = new FakeTimers();
  const s = await start(configPath, { timers });
  try {
    assert.equal(s.gw.runtime().config.rbac.enabled, true);
    // The writer truncates the file in place and writes the part before rbac:, then pauses.
    const next = whole.replace("maxRequests: 100", "maxRequests: 200");
    const cut = next.indexOf("rbac:");
    const fh = await fs.open(configPath, "w");
    await fh.write(next.slice(0, cut));
    await waitFor(() => timers.pending > 0); // the watcher saw the write
    for (const step of [150, 200, 149]) {
      timers.advance(step); // past the old 150 ms debounce, and on to just under settleMs
      assert.equal(s.gw.runtime().config.rbac.enabled, true, `rbac still on after ${timers.now} ms of pause`);
    }
    timers.advance(1); // settleMs of quiet: read once (the half file), not applied
    await new Promise((r) => setImmediate(r));
    assert.equal(changes(await s.audit()).length, 0);
    assert.equal(s.gw.runtime().config.rbac.enabled, true);

    const armed = timers.armed;
    await fh.write(next.slice(cut));
    await fh.close();
    await waitFor(() => timers.armed > armed); // the watcher saw the rest
    let lines: AuditLine[] = [];
    for (let i = 0; i < 20 && changes(lines).length === 0; i++) {
      timers.advance(500);
      lines = await s.until(() => true);
      if (changes(lines).length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    lines = await s.until((l) => changes(l).length > 0);
    const applied = changes(lines);
    assert.equal(applied.length, 1, "exactly one reload: the whole file");
    assert.deepEqual(applied[0]?.metadata.changed, ["gateway.rateLimit.maxRequests"]);
    assert.equal(applied[0]?.metadata.weakened, undefined);
    await waitFor(() => s.gw.runtime().config.gateway.rateLimit.maxRequests === 200);
    assert.equal(s.gw.runtime().config.rbac.enabled, true);
  } finally {
    await s.gw.close();
  }
});

test("a change that weakens controls is applied loudly: a warning and config.change metadata.weakened", async () => {
  const dir = await makeStateDir();
  const configPath = path.join(dir, "config.yaml");
  await fs.writeFile(configPath, `${HEAD(500)}${RBAC}tools:\n  policy: sandbox\n`, { mode: 0o600 });
  const s = await start(configPath);
  try {
    await fs.writeFile(configPath, `${HEAD(500)}rbac:\n  enabled: false\ntools:\n  policy: host\n  exec:\n    blocklist: ["rm -rf /"]\n`);
    const r = await s.gw.reload();
    assert.equal(r.applied, true);
    assert.deepEqual(r.weakened, ["rbac.enabled", "tools.policy", "tools.exec.blocklist"]);
    const line = changes(await s.audit())[0];
    assert.deepEqual(line?.metadata.weakened, ["rbac.enabled", "tools.policy", "tools.exec.blocklist"]);
    assert.match(s.warnings.join("\n"), /config change WEAKENS security controls: rbac\.enabled, tools\.policy, tools\.exec\.blocklist/);
  } finally {
    await s.gw.close();
  }
});

test("a symlinked config reloads when its target is edited in place", async () => {
  const dir = await makeStateDir();
  const elsewhere = await makeStateDir();
  const target = path.join(elsewhere, "real-config.yaml");
  await fs.writeFile(target, `${HEAD(20)}  rateLimit:\n    maxRequests: 100\n`, { mode: 0o600 });
  const configPath = path.join(dir, "config.yaml");
  await fs.symlink(target, configPath);
  const s = await start(configPath);
  try {
    await fs.writeFile(target, `${HEAD(20)}  rateLimit:\n    maxRequests: 300\n`);
    const lines = await s.until((l) => changes(l).length > 0);
    assert.deepEqual(changes(lines)[0]?.metadata.changed, ["gateway.rateLimit.maxRequests"]);
  } finally {
    await s.gw.close();
  }
});

test("a Kubernetes ConfigMap ..data swap reloads, twice", async () => {
  const dir = await makeStateDir();
  const version = async (name: string, maxRequests: number): Promise<void> => {
    await fs.mkdir(path.join(dir, name));
    await fs.writeFile(path.join(dir, name, "config.yaml"), `${HEAD(20)}  rateLimit:\n    maxRequests: ${maxRequests}\n`, { mode: 0o600 });
  };
  const swap = async (name: string): Promise<void> => {
    await fs.symlink(name, path.join(dir, "..data_tmp"));
    await fs.rename(path.join(dir, "..data_tmp"), path.join(dir, "..data"));
  };
  await version("..2024_01_01", 100);
  await fs.symlink("..2024_01_01", path.join(dir, "..data"));
  await fs.symlink("..data/config.yaml", path.join(dir, "config.yaml"));
  const s = await start(path.join(dir, "config.yaml"), { stateDir: await makeStateDir() });
  try {
    await version("..2024_01_02", 400);
    await swap("..2024_01_02");
    await fs.rm(path.join(dir, "..2024_01_01"), { recursive: true });
    await s.until((l) => changes(l).length === 1);
    await waitFor(() => s.gw.runtime().config.gateway.rateLimit.maxRequests === 400);
    await version("..2024_01_03", 500);
    await swap("..2024_01_03");
    await s.until((l) => changes(l).length === 2);
    await waitFor(() => s.gw.runtime().config.gateway.rateLimit.maxRequests === 500);
  } finally {
    await s.gw.close();
  }
});

test("a secret pasted as ${ghp_…} in a reloaded config is named in neither the log nor config.change", async () => {
  const dir = await makeStateDir();
  const configPath = path.join(dir, "config.yaml");
  await fs.writeFile(configPath, HEAD(500), { mode: 0o600 });
  const s = await start(configPath);
  try {
    const pasted = `ghp_${randomToken().replace(/[^A-Za-z0-9]/g, "").slice(0, 36)}`;
    await fs.writeFile(configPath, `${HEAD(500)}models:\n  gh:\n    apiKey: "\${${pasted}}"\n`);
    const r = await s.gw.reload();
    assert.equal(r.applied, false);
    assert.match(JSON.stringify(r.issues), /models\.gh\.apiKey.*name not shown/);
    const line = changes(await s.audit())[0];
    assert.equal(line?.outcome, "failure");
    const everything = `${JSON.stringify(await s.audit())}\n${s.warnings.join("\n")}`;
    assert.ok(!everything.includes(pasted.slice(4)), "the pasted secret appears nowhere");
  } finally {
    await s.gw.close();
  }
});
