import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { describe, test } from "node:test";
import { stringify } from "yaml";
import { connectWs, invokeHttp, makeStateDir, randomToken } from "../helpers/harness.js";
import { runCli, spawnGateway } from "../helpers/cli.js";

const sh = promisify(execFile);
const baseEnv = (stateDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: stateDir,
  CLAWDBOT_STATE_DIR: stateDir,
  ...extra,
});
/** A bare POST on its own connection (no pooling), settling on any outcome. */
function rawPost(base: string, token: string, body: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.request(`${base}/tools/invoke`, {
      method: "POST",
      agent: false,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
      res.on("error", () => resolve(undefined));
    });
    req.on("error", () => resolve(undefined));
    req.setTimeout(5000, () => req.destroy());
    req.end(body);
  });
}

const mode = async (p: string): Promise<number> => (await fs.stat(p)).mode & 0o777;

describe("clawdbot CLI", () => {
  test("with no config at all: loopback, token auth, a generated 0600 token that is never printed; SIGTERM drains and flushes", async () => {
    const stateDir = path.join(await makeStateDir(), "state");
    const gw = await spawnGateway(["--port", "0"], baseEnv(stateDir));
    try {
      assert.match(gw.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const tokenFile = path.join(stateDir, "credentials", "gateway-token");
      const token = (await fs.readFile(tokenFile, "utf8")).trim();
      assert.equal(Buffer.from(token, "base64").length, 32);
      assert.equal(await mode(tokenFile), 0o600);
      assert.equal(await mode(path.join(stateDir, "credentials")), 0o700);
      assert.equal(await mode(stateDir), 0o700);
      assert.match(gw.stderr(), /cat .*credentials\/gateway-token/);
      assert.ok(!gw.stderr().includes(token) && !gw.stdout().includes(token), "the token is never printed");
      // Token auth is on.
      assert.equal((await invokeHttp(gw.url, undefined, { tool: "read", args: {} })).status, 401);
      const { c, hello } = await connectWs(gw.url.replace("http", "ws"), { token });
      assert.equal((hello.payload as any).auth.principal, "owner");
      c.close();
      await c.closed;
      // An open connection when SIGTERM arrives is closed 1001 and the audit log is flushed.
      const { c: open } = await connectWs(gw.url.replace("http", "ws"), { token });
      gw.child.kill("SIGTERM");
      assert.equal((await open.closed).code, 1001);
      assert.equal(await gw.exited, 0);
      assert.equal(await mode(gw.auditPath), 0o600);
      const lines = (await fs.readFile(gw.auditPath, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
      assert.equal(lines.filter((l) => l.type === "auth.login").length, 2);
      const v = await runCli(["audit", "verify"], baseEnv(stateDir));
      assert.equal(v.code, 0, v.stdout + v.stderr);
    } finally {
      gw.child.kill("SIGKILL");
    }
  });

  test("kill -9 mid-burst leaves every audit line whole; the chain verifies and the gateway keeps appending", async () => {
    const stateDir = await makeStateDir();
    const env = baseEnv(stateDir);
    const gw = await spawnGateway(["--port", "0"], env);
    // Each refused login is an audit line: a burst of them keeps the writer busy when the kill lands.
    const burst = Array.from({ length: 400 }, (_, i) => rawPost(gw.url, randomToken(), JSON.stringify({ tool: "read", args: { i } })));
    // Kill once the burst is visibly being written, i.e. mid-burst.
    for (let i = 0; i < 200; i++) {
      const size = await fs.stat(gw.auditPath).then((s) => s.size, () => 0);
      if (size > 20 * 300) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    gw.child.kill("SIGKILL");
    await gw.exited;
    await Promise.all(burst);
    const text = await fs.readFile(gw.auditPath, "utf8");
    const whole = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
    for (const line of whole.split("\n").filter(Boolean)) JSON.parse(line);
    assert.ok(whole.split("\n").filter(Boolean).length > 0);
    // Restart: a torn tail is repaired, the chain verifies, and appends continue.
    const again = await spawnGateway(["--port", "0"], env);
    const token = (await fs.readFile(path.join(stateDir, "credentials", "gateway-token"), "utf8")).trim();
    const { c } = await connectWs(again.url.replace("http", "ws"), { token });
    c.close();
    again.child.kill("SIGTERM");
    assert.equal(await again.exited, 0);
    const v = await runCli(["audit", "verify", "--json"], env);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const after = (await fs.readFile(gw.auditPath, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(after.some((l) => l.type === "auth.login"));
  });

  test("the guide's jq recipes work unchanged on the gateway's audit log", async () => {
    const stateDir = await makeStateDir();
    const userToken = randomToken();
    const config = {
      gateway: { port: 0, auth: { mode: "token", token: "${GW_TOKEN}", users: [{ id: "user@company.com", token: "${USER_TOKEN}" }] } },
      rbac: { enabled: true, defaultRole: "viewer" },
    };
    await fs.writeFile(path.join(stateDir, "config.yaml"), stringify(config), { mode: 0o600 });
    const env = baseEnv(stateDir, { GW_TOKEN: randomToken(), USER_TOKEN: userToken });
    const gw = await spawnGateway([], env);
    try {
      await invokeHttp(gw.url, randomToken(), { tool: "read", args: {} });
      await invokeHttp(gw.url, userToken, { tool: "write", args: { path: "x", content: "y" } });
    } finally {
      gw.child.kill("SIGTERM");
      await gw.exited;
    }
    const file = path.join(stateDir, "audit.jsonl");
    const run = async (filter: string, slurp = false): Promise<unknown[]> => {
      const { stdout } = await sh("bash", ["-c", `cat "$1" | jq -c ${slurp ? "-s " : ""}"$2"`, "_", file, filter]);
      return stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
    };
    const failures = (await run('select(.type == "auth.failure")')) as { type: string }[];
    assert.ok(failures.length >= 1 && failures.every((f) => f.type === "auth.failure"));
    const denials = (await run('select(.type == "rbac.denied" and .actor.id == "user@company.com")')) as { metadata: { tool: string } }[];
    assert.equal(denials.length, 1);
    assert.equal(denials[0]?.metadata.tool, "write");
    const [counts] = (await run("group_by(.type) | map({type: .[0].type, count: length})", true)) as { type: string; count: number }[][];
    assert.ok(counts?.some((c) => c.type === "auth.failure" && c.count >= 1));
    assert.ok(counts?.some((c) => c.type === "rbac.denied" && c.count === 1));
  });

  test("token rotate: the running gateway stops accepting the old token", async () => {
    const stateDir = await makeStateDir();
    const env = baseEnv(stateDir);
    const gw = await spawnGateway(["--port", "0"], env);
    try {
      const tokenFile = path.join(stateDir, "credentials", "gateway-token");
      const old = (await fs.readFile(tokenFile, "utf8")).trim();
      assert.equal((await invokeHttp(gw.url, old, { tool: "teleport", args: {} })).status, 404);
      const r = await runCli(["token", "rotate"], env);
      assert.equal(r.code, 0, r.stderr);
      const fresh = (await fs.readFile(tokenFile, "utf8")).trim();
      assert.notEqual(fresh, old);
      assert.ok(!r.stdout.includes(fresh));
      const meta = JSON.parse(await fs.readFile(path.join(stateDir, "credentials", "gateway-token.meta.json"), "utf8"));
      assert.ok(Math.abs(meta.issuedAtMs - Date.now()) < 60_000);
      let status = 0;
      for (let i = 0; i < 100 && status !== 401; i++) {
        await new Promise((res) => setTimeout(res, 50));
        status = (await invokeHttp(gw.url, old, { tool: "teleport", args: {} })).status;
      }
      assert.equal(status, 401, "old token refused after rotation");
      assert.equal((await invokeHttp(gw.url, fresh, { tool: "teleport", args: {} })).status, 404);
    } finally {
      gw.child.kill("SIGTERM");
      await gw.exited;
    }
  });

  test("token generate prints 32 random bytes in base64", async () => {
    const a = await runCli(["token", "generate"], baseEnv(await makeStateDir()));
    const b = await runCli(["token", "generate"], baseEnv(await makeStateDir()));
    assert.equal(a.code, 0);
    assert.equal(Buffer.from(a.stdout.trim(), "base64").length, 32);
    assert.match(a.stdout.trim(), /^[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(a.stdout, b.stdout);
  });

  test("config validate / show / schema", async () => {
    const stateDir = await makeStateDir();
    const secret = randomToken();
    const cfgPath = path.join(stateDir, "config.yaml");
    await fs.writeFile(cfgPath, `gateway:\n  auth:\n    token: \${GW_TOKEN}\nmodels:\n  anthropic:\n    apiKey: "${secret}-literal"\n`, { mode: 0o600 });
    const env = baseEnv(stateDir, { GW_TOKEN: secret });
    const ok = await runCli(["config", "validate"], env);
    assert.equal(ok.code, 0, ok.stderr);
    const show = await runCli(["config", "show"], env);
    assert.equal(show.code, 0);
    assert.match(show.stdout, /\[REDACTED\]/);
    assert.ok(!show.stdout.includes(secret), "secrets are redacted");
    const schema = await runCli(["config", "schema"], env);
    const js = JSON.parse(schema.stdout);
    assert.equal(js.type, "object");
    assert.ok(js.properties.gateway && js.properties.rbac && js.properties.tools);
    await fs.writeFile(cfgPath, `gateway:\n  auth:\n    token: "${secret}"\n  rateLimit:\n    maxRequests: "lots"\n  bogus: 1\ntools:\n  policy: jail\n`);
    const bad = await runCli(["config", "validate"], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /gateway\.rateLimit\.maxRequests: expected number/);
    assert.match(bad.stderr, /gateway\.bogus: unknown key/);
    assert.match(bad.stderr, /tools\.policy: must be one of "sandbox", "host"/);
    assert.ok(!bad.stderr.includes(secret));
    // Semantic checks (roles, blocklist, proxies) report together once the structure is valid.
    await fs.writeFile(cfgPath, `gateway:\n  auth:\n    token: "${secret}"\n  trustedProxies: ["10.0.0.1/8"]\n  allowedOrigins: ["null"]\nrbac:\n  defaultRole: nope\n  assignments:\n    "x@y": ops\ntools:\n  exec:\n    blocklist: ["rm -rf /", "echo 'unterminated"]\n`);
    const sem = await runCli(["config", "validate", "--json"], env);
    assert.equal(sem.code, 1);
    const paths = (JSON.parse(sem.stdout).issues as { path: string }[]).map((i) => i.path);
    for (const p of ['rbac.assignments["x@y"]', "rbac.defaultRole", "tools.exec.blocklist[1]", "gateway.trustedProxies[0]", "gateway.allowedOrigins[0]"]) assert.ok(paths.includes(p), `${p} in ${paths.join(", ")}`);
    assert.ok(!sem.stdout.includes(secret));
    const missing = await runCli(["--config", path.join(stateDir, "nope.yaml"), "config", "validate"], env);
    assert.equal(missing.code, 1);
    // The gateway refuses to start on it, naming the path.
    const start = await runCli(["gateway", "--port", "0"], env);
    assert.equal(start.code, 1);
    assert.match(start.stderr, /rbac\.defaultRole: unknown role/);
  });

  test("approvals and devices commands talk to the running gateway; doctor checks credentials", async () => {
    const stateDir = await makeStateDir();
    const env = baseEnv(stateDir);
    const gw = await spawnGateway(["--port", "0"], env);
    try {
      const list = await runCli(["approvals", "list", "--url", gw.url], env);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /no pending approvals/);
      const devices = await runCli(["devices", "list", "--json", "--url", gw.url], env);
      assert.equal(devices.code, 0, devices.stderr);
      assert.deepEqual(JSON.parse(devices.stdout), { pending: [], paired: [] });
      const wrong = await runCli(["devices", "list", "--url", gw.url, "--token", randomToken()], env);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /authentication failed/);
      const unknown = await runCli(["devices", "approve", "0".repeat(64), "--as", "x@y", "--url", gw.url], env);
      assert.equal(unknown.code, 1);
      const doctor = await runCli(["doctor", "--check", "credentials", "--json"], env);
      const report = JSON.parse(doctor.stdout);
      assert.equal(report.ok, true, doctor.stdout);
      const token = (await fs.readFile(path.join(stateDir, "credentials", "gateway-token"), "utf8")).trim();
      assert.ok(!doctor.stdout.includes(token));
    } finally {
      gw.child.kill("SIGTERM");
      await gw.exited;
    }
  });
});
