/**
 * Issue 10 (CLI and operability) and issue 9 item 8 (terminal injection), end to end:
 * --help everywhere, tokens beginning with "-", client commands that need only their
 * own credential, status, approvals cancel, escaped output, tools.catalog / GET /tools.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { COMMANDS } from "../../src/cli/commands.js";
import { VERSION } from "../../src/app/version.js";
import { RawWs, connectParams, connectWs, invokeHttp, makeStateDir, randomToken, startTestGateway, type TestGateway } from "../helpers/harness.js";
import { TestDevice } from "../helpers/device.js";
import { Capture, cli } from "../helpers/cli-inproc.js";

/** Subcommands to try with --help (every command in the table is tried without one too). */
const SUBCOMMANDS: Record<string, string[]> = {
  gateway: [],
  status: [],
  config: ["validate", "show", "schema"],
  token: ["generate", "rotate"],
  audit: ["query", "tail", "stats", "verify"],
  approvals: ["list", "approve", "reject", "cancel", "watch"],
  devices: ["list", "approve", "reject", "revoke", "rotate"],
  doctor: [],
};

// Deterministic awkward tokens: each begins with "-" (the CI flake), one even with "--".
const DASH_TOKEN = "-dAsh_token-0123456789abcdefABCDEF_xyz-uvw0";
const DOUBLE_DASH_TOKEN = "--dbl_token-0123456789abcdefABCDEF_xyz-uvw";

describe("clawdbot CLI: help, version, --json", () => {
  test("--help and -h work for every command and subcommand; -v / --version print the version", async () => {
    const names = COMMANDS.map((c) => c.name);
    for (const n of Object.keys(SUBCOMMANDS)) assert.ok(names.includes(n), `${n} is in the command table`);
    const top = await cli(["--help"], {});
    assert.equal(top.code, 0);
    for (const n of names) assert.match(top.stdout, new RegExp(`^  ${n} `, "m"));
    for (const name of names) {
      const subs = SUBCOMMANDS[name] ?? [];
      for (const args of [[name, "--help"], [name, "-h"], ["help", name], ...subs.flatMap((s) => [[name, s, "--help"], [name, s, "-h"]])]) {
        const r = await cli(args, {});
        assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stdout, /^usage: clawdbot/im, args.join(" "));
        assert.equal(r.stderr, "");
      }
    }
    for (const v of ["-v", "--version", "version"]) assert.equal((await cli([v], {})).stdout, `${VERSION}\n`);
    const bad = await cli(["approvals", "--bogus"], {});
    assert.equal(bad.code, 2);
  });

  test("token generate/rotate --json print one JSON document", async () => {
    const stateDir = await makeStateDir();
    const g = await cli(["token", "generate", "--json"], { CLAWDBOT_STATE_DIR: stateDir });
    assert.equal(g.code, 0);
    const { token } = JSON.parse(g.stdout) as { token: string };
    assert.equal(Buffer.from(token, "base64").length, 32);
    const r = await cli(["token", "rotate", "--json"], { CLAWDBOT_STATE_DIR: stateDir });
    assert.equal(r.code, 0, r.stderr);
    const rotated = JSON.parse(r.stdout) as { rotated: boolean; path: string };
    assert.equal(rotated.rotated, true);
    assert.equal(rotated.path, path.join(stateDir, "credentials", "gateway-token"));
    assert.ok(!r.stdout.includes((await fs.readFile(rotated.path, "utf8")).trim()), "rotate never prints the new token");
  });
});

describe("clawdbot client commands against a running gateway", () => {
  let t: TestGateway;
  const devToken = randomToken();
  const approver = randomToken();
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: t.stateDir, CLAWDBOT_STATE_DIR: t.stateDir });
  const as = (token: string): string[] => ["--url", t.httpUrl, "--token", token];
  /** Waits (by polling the gateway, not a clock) until `principal`'s request shows as pending. */
  const pendingOf = async (token: string, pred: (a: { id: string; command: string }) => boolean): Promise<string> => {
    for (;;) {
      const r = await cli(["approvals", "list", "--mine", "--json", ...as(token)], env());
      assert.equal(r.code, 0, r.stderr);
      const hit = (JSON.parse(r.stdout) as { id: string; command: string }[]).find(pred);
      if (hit) return hit.id;
      await new Promise((res) => setImmediate(res));
    }
  };
  before(async () => {
    t = await startTestGateway({
      config: {
        gateway: {
          auth: {
            users: [
              { id: "dev@company.com", token: "${DEV_TOKEN}" },
              { id: "dash@company.com", token: "${DASH_TOKEN}" },
              { id: "ddash@company.com", token: "${DDASH_TOKEN}" },
              { id: "approver@company.com", token: "${APPROVER_TOKEN}" },
            ],
          },
          rateLimit: { maxRequests: 100000 },
        },
        rbac: {
          enabled: true,
          defaultRole: "viewer",
          assignments: { "dev@company.com": "user", "dash@company.com": "viewer", "ddash@company.com": "viewer", "approver@company.com": "admin" },
        },
        approvals: { exec: { enabled: true, timeoutMs: 60000 } },
      },
      env: { DEV_TOKEN: devToken, DASH_TOKEN: DASH_TOKEN, DDASH_TOKEN: DOUBLE_DASH_TOKEN, APPROVER_TOKEN: approver },
    });
  });
  after(() => t.close());

  test("a token beginning with '-' works as --token X and --token=X (status)", async () => {
    for (const [token, who] of [
      [DASH_TOKEN, "dash@company.com"],
      [DOUBLE_DASH_TOKEN, "ddash@company.com"],
    ] as const) {
      for (const args of [["--url", t.httpUrl, "--token", token], ["--url", t.httpUrl, `--token=${token}`], ["--token", token, "--url", t.httpUrl]]) {
        const r = await cli(["status", "--json", ...args], env());
        assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
        const s = JSON.parse(r.stdout) as { principal: string; rbacRole: string; version: string };
        assert.equal(s.principal, who);
        assert.equal(s.rbacRole, "viewer");
      }
    }
    const text = await cli(["status", ...as(DASH_TOKEN)], env());
    assert.match(text.stdout, /^version: +\S+$/m);
    assert.match(text.stdout, /^you are: +dash@company\.com \(role viewer\)$/m);
    assert.match(text.stdout, /^pending approvals: +\d+$/m);
  });

  test("CLAWDBOT_TOKEN=… clawdbot approvals list needs neither ${GATEWAY_TOKEN} nor another user's ${ADMIN_TOKEN}", async () => {
    const cfg = path.join(t.stateDir, "client-config.yaml");
    await fs.writeFile(
      cfg,
      `gateway:\n  bind: "127.0.0.1"\n  port: ${new URL(t.httpUrl).port}\n  auth:\n    token: \${GATEWAY_TOKEN}\n    users:\n      - id: admin@company.com\n        token: \${ADMIN_TOKEN}\nrbac:\n  enabled: true\n`,
    );
    const r = await cli(["--config", cfg, "approvals", "list", "--json"], { ...env(), CLAWDBOT_TOKEN: approver });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Array.isArray(JSON.parse(r.stdout)), "--json list: one JSON array");
    // Without a credential of its own, the client needs the shared token and names exactly that variable.
    const none = await cli(["--config", cfg, "approvals", "list"], env());
    assert.equal(none.code, 1);
    assert.match(none.stderr, /gateway\.auth\.token: environment variable GATEWAY_TOKEN is not set/);
    assert.doesNotMatch(none.stderr, /ADMIN_TOKEN/);
  });

  test("a requester cancels their own pending approval; nobody else can; both are audited", async () => {
    const pending = invokeHttp(t.httpUrl, devToken, { tool: "bash", args: { command: "rm -r cancelled-dir" } });
    const id = await pendingOf(devToken, (a) => a.command === "rm -r cancelled-dir");
    const other = await cli(["approvals", "cancel", id, ...as(approver)], env());
    assert.equal(other.code, 1);
    assert.match(other.stderr, /only the requester can cancel/);
    const denied = await t.waitForAudit((l) => l.type === "exec.approval.cancel" && l.outcome === "denied");
    assert.equal(denied.actor.id, "approver@company.com");
    assert.equal(denied.metadata.approvalId, id);
    const mine = await cli(["approvals", "cancel", id, "--json", ...as(devToken)], env());
    assert.equal(mine.code, 0, mine.stderr);
    assert.deepEqual(JSON.parse(mine.stdout), { id, cancelled: true });
    const r = await pending;
    assert.equal(r.status, 403);
    assert.equal(r.body.error?.type, "approval_denied");
    const ok = await t.waitForAudit((l) => l.type === "exec.approval.cancel" && l.outcome === "success");
    assert.equal(ok.actor.id, "dev@company.com");
    const rejected = await t.waitForAudit((l) => l.type === "exec.reject" && l.metadata.approvalId === id);
    assert.equal(rejected.metadata.reason, "cancelled by the requester");
    const again = await cli(["approvals", "cancel", id, ...as(devToken)], env());
    assert.equal(again.code, 1, "already ended");
  });

  test("approvals list and watch show a hostile command escaped: \\r, ESC sequences and bidi overrides cannot hide it", async () => {
    const hostile = "rm -rf x\r\x1b[2K\x1b[1Gls -la \u202etxt.exe\u2066";
    const watchOut = new Capture();
    const ac = new AbortController();
    const watching = cli(["approvals", "watch", ...as(approver)], env(), { signal: ac.signal, stdout: watchOut });
    const jsonOut = new Capture();
    const ac2 = new AbortController();
    const watchingJson = cli(["approvals", "watch", "--json", ...as(approver)], env(), { signal: ac2.signal, stdout: jsonOut });
    // Both watchers are connected once the gateway counts their connections (status answers from the same gateway).
    for (;;) {
      const s = JSON.parse((await cli(["status", "--json", ...as(approver)], env())).stdout) as { connections: number };
      if (s.connections >= 3) break;
      await new Promise((res) => setImmediate(res));
    }
    const pending = invokeHttp(t.httpUrl, devToken, { tool: "bash", args: { command: hostile } });
    const id = await pendingOf(devToken, (a) => a.command === hostile);
    const list = await cli(["approvals", "list", ...as(approver)], env());
    assert.equal(list.code, 0, list.stderr);
    const escaped = "rm -rf x\\u000d\\u001b[2K\\u001b[1Gls -la \\u202etxt.exe\\u2066";
    assert.ok(list.stdout.includes(escaped), list.stdout);
    await watchOut.until(new RegExp(id));
    assert.ok(watchOut.text.includes(escaped), watchOut.text);
    for (const out of [list.stdout, watchOut.text]) {
      // eslint-disable-next-line no-control-regex -- the point: no raw control or bidi character reaches the terminal
      assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
    // --json keeps the exact command (JSON escapes it), one object per line for the stream.
    await jsonOut.until(new RegExp(id));
    const events = jsonOut.text.trim().split("\n").map((l) => JSON.parse(l) as { event: string; payload: { id: string; command: string } });
    assert.equal(events.find((e) => e.payload.id === id)?.payload.command, hostile);
    await cli(["approvals", "reject", id, ...as(approver)], env());
    assert.equal((await pending).status, 403);
    await watchOut.until(/resolved {2}\S+ {2}reject/);
    ac.abort();
    ac2.abort();
    assert.equal((await watching).code, 0);
    assert.equal((await watchingJson).code, 0);
  });

  test("devices list escapes bidi overrides and invisible characters in client ids and platforms", async () => {
    const d = new TestDevice();
    // The handshake refuses control characters in ids; bidi and zero-width characters get through to the list.
    const clientId = "trusted\u202egnp.exe\u200b\u2066";
    const c = await RawWs.open(t.wsUrl);
    const { nonce } = await c.challenge();
    const res = await c.request("connect", connectParams({ client: { id: clientId, version: "1", platform: "li\u2067nux\u200f", mode: "backend" }, device: d.sign({ nonce, clientId }) }));
    assert.equal(res.error?.details?.code, "PAIRING_REQUIRED", JSON.stringify(res.error));
    const out = await cli(["devices", "list", "--url", t.httpUrl, "--token", t.token], env());
    assert.equal(out.code, 0, out.stderr);
    assert.ok(out.stdout.includes("trusted\\u202egnp.exe\\u200b\\u2066"), out.stdout);
    assert.ok(out.stdout.includes("li\\u2067nux\\u200f"), out.stdout);
    // eslint-disable-next-line no-control-regex -- no raw control or bidi character reaches the terminal
    assert.doesNotMatch(out.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    const json = JSON.parse((await cli(["devices", "list", "--json", "--url", t.httpUrl, "--token", t.token], env())).stdout) as { pending: { clientId: string }[] };
    assert.ok(json.pending.some((p) => p.clientId === clientId), "--json keeps the exact value");
  });

  test("tools.catalog and GET /tools list what the caller may use, each with its JSON Schema", async () => {
    const { c } = await connectWs(t.wsUrl, { token: DASH_TOKEN });
    const viewer = await c.request("tools.catalog", {});
    assert.equal(viewer.ok, true, JSON.stringify(viewer.error));
    const viewerTools = (viewer.payload as { tools: { name: string; mutates: boolean; inputSchema: any }[] }).tools;
    assert.deepEqual(viewerTools.map((x) => x.name).sort(), ["glob", "read", "search"], "a read-only role sees no mutating tool");
    const read = viewerTools.find((x) => x.name === "read");
    assert.equal(read?.inputSchema.type, "object");
    assert.ok(read?.inputSchema.properties.path, "read takes a path");
    const unknown = await c.request("tools.catalog", { agentId: "nope" });
    assert.equal(unknown.ok, false);
    assert.equal(unknown.error?.code, "NOT_FOUND");
    c.close();
    const get = async (token: string | undefined, q = ""): Promise<{ status: number; body: any }> => {
      const r = await fetch(`${t.httpUrl}/tools${q}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: r.status, body: await r.json() };
    };
    assert.equal((await get(undefined)).status, 401);
    assert.equal((await get(randomToken())).status, 401);
    const dev = await get(devToken);
    assert.equal(dev.status, 200);
    const names = (dev.body.tools as { name: string }[]).map((x) => x.name);
    for (const n of ["read", "write", "edit", "glob", "search", "bash"]) assert.ok(names.includes(n), `${n} for a user`);
    const bash = (dev.body.tools as { name: string; inputSchema: any }[]).find((x) => x.name === "bash");
    assert.ok(bash?.inputSchema.properties.command, "bash takes a command");
    assert.deepEqual((await get(DASH_TOKEN, "?agentId=main")).body.tools.map((x: { name: string }) => x.name).sort(), ["glob", "read", "search"]);
    assert.equal((await get(devToken, "?agentId=nope")).status, 404);
    assert.equal((await get(devToken, "?agentId=%1b")).status, 400);
  });
});
