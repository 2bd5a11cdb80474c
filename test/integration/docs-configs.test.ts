/**
 * Every config printed in README.md and docs/*.md works as printed: each ```yaml block is
 * loaded the way the gateway loads it (every ${VAR} it names set to a generated value), and
 * where it turns on exec approvals, a gateway runs it and a command one principal starts is
 * approved by a second principal with credentials of their own. A block that is only a
 * fragment is marked `<!-- config-test: fragment -->` on the line before its fence: it must
 * still be valid YAML.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { parseDocument } from "yaml";
import { loadRuntime, startGateway } from "../../src/app/gateway.js";
import { silentLogger } from "../../src/app/logger.js";
import { GatewayClient } from "../../src/cli/gateway-client.js";
import { invokeHttp, makeStateDir } from "../helpers/harness.js";
import { BIN } from "../helpers/cli.js";

const ROOT = path.resolve(path.dirname(BIN), "../../..");
const MARKER = /^\s*<!--\s*config-test:\s*fragment\b.*-->\s*$/;

interface Block {
  file: string;
  line: number;
  text: string;
  fragment: boolean;
}

export function yamlBlocks(markdown: string, file: string): Block[] {
  const lines = markdown.split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ya?ml\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const indent = (open[1] as string).length;
    let j = i + 1;
    const body: string[] = [];
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] as string); j++) body.push((lines[j] as string).slice(indent));
    let k = i - 1;
    while (k >= 0 && (lines[k] as string).trim() === "") k--;
    out.push({ file, line: i + 1, text: body.join("\n") + "\n", fragment: k >= 0 && MARKER.test(lines[k] as string) });
    i = j;
  }
  return out;
}

async function allBlocks(): Promise<Block[]> {
  const docs = (await fs.readdir(path.join(ROOT, "docs"))).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f));
  const blocks: Block[] = [];
  for (const f of ["README.md", ...docs.sort()]) blocks.push(...yamlBlocks(await fs.readFile(path.join(ROOT, f), "utf8"), f));
  return blocks;
}

/** A generated value for every variable the block names (tokens never begin with "-"). */
function envFor(text: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g)) env[m[1] as string] ??= `t${crypto.randomBytes(24).toString("base64url")}`;
  return env;
}

describe("configs in README.md and docs/ work as printed", () => {
  test("the extractor finds fenced blocks, indented ones, and honours the fragment marker", () => {
    const md = "x\n```yaml\na: 1\n```\n\n<!-- config-test: fragment -->\n\n```yml\n  b: 2\n```\n- item\n\n  ```yaml\n  c: 3\n  ```\n";
    const b = yamlBlocks(md, "t.md");
    assert.deepEqual(
      b.map((x) => [x.line, x.text, x.fragment]),
      [
        [2, "a: 1\n", false],
        [8, "  b: 2\n", true],
        [13, "c: 3\n", false],
      ],
    );
  });

  test("every block loads; every block with approvals on lets a second principal approve", async (t) => {
    const blocks = await allBlocks();
    assert.ok(blocks.some((b) => b.file === "README.md"), "README.md has its config");
    for (const b of blocks) {
      const where = `${b.file}:${b.line}`;
      const doc = parseDocument(b.text);
      assert.deepEqual(doc.errors.map((e) => e.message), [], `${where} is valid YAML`);
      if (b.fragment) continue;
      const stateDir = await makeStateDir();
      const configPath = path.join(stateDir, "config.yaml");
      await fs.writeFile(configPath, b.text, { mode: 0o600 });
      const env = envFor(b.text);
      const { runtime } = await loadRuntime({ stateDir, configPath, configExplicit: true, env, generateToken: false, requireToken: false }).catch((e: Error) =>
        assert.fail(`${where} does not load as printed: ${e.message}`),
      );
      if (!runtime.config.approvals.exec.enabled) continue;
      // The one liberty taken: absolute workspace paths (/srv/…) are re-rooted under the temp dir,
      // so running the config creates nothing outside it.
      const root = await makeStateDir();
      await fs.writeFile(configPath, b.text.replace(/^(\s*workspace:\s*["']?)\//gm, `$1${root}/`), { mode: 0o600 });
      await t.test(`${where}: approved by a second principal`, () => approveWithSecondPrincipal(where, stateDir, configPath, env));
    }
  });
});

async function approveWithSecondPrincipal(where: string, stateDir: string, configPath: string, env: NodeJS.ProcessEnv): Promise<void> {
  const gw = await startGateway({ stateDir, configPath, configExplicit: true, env, logger: silentLogger, watch: false, port: 0, bind: "127.0.0.1" });
  try {
    const runtime = gw.runtime();
    const auth = runtime.config.gateway.auth;
    // Who can log in, with what: the shared secret (or the stored token) and every user.
    const shared = auth.mode === "password" ? auth.password : (auth.token ?? (await fs.readFile(path.join(stateDir, "credentials", "gateway-token"), "utf8")).trim());
    const logins: { id: string; secret: string }[] = [
      ...(shared ? [{ id: auth.principal, secret: shared }] : []),
      ...auth.users.map((u) => ({ id: u.id, secret: "token" in u ? u.token : u.password })),
    ];
    const may = (id: string, perm: "exec" | "exec.approve"): boolean => runtime.policy.hasPermission(id, perm).allow;
    const requester = logins.find((l) => may(l.id, "exec") && runtime.policy.authorizeTool({ principalId: l.id, agentId: "main", tool: "bash", mutates: true }).allow);
    assert.ok(requester, `${where}: no principal with credentials may run bash on agent main`);
    const approver = logins.find((l) => l.id !== requester.id && may(l.id, "exec.approve"));
    assert.ok(approver, `${where}: approvals are on, but no second principal with credentials holds exec.approve (a requester cannot approve their own command)`);
    const pending = invokeHttp(gw.url, requester.secret, { tool: "bash", args: { command: "rm -f docs-config-test.log && echo approved" } });
    const client = await GatewayClient.connect({ url: gw.url.replace("http", "ws"), token: approver.secret, password: undefined });
    try {
      let id: string | undefined;
      while (!id) {
        const { approvals } = await client.request<{ approvals: { id: string; requester: { id: string } }[] }>("exec.approval.list");
        id = approvals.find((a) => a.requester.id === requester.id)?.id;
        if (!id) await new Promise((r) => setImmediate(r));
      }
      await client.request("exec.approval.resolve", { id, decision: "approve" });
    } finally {
      client.close();
    }
    const r = await pending;
    assert.equal(r.status, 200, `${where}: ${JSON.stringify(r.body)}`);
    assert.equal((r.body.result as { stdout: string }).stdout.trim(), "approved");
  } finally {
    await gw.close();
  }
}
