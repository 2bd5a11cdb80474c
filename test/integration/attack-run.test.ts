/**
 * An attack run against the agent, control-page and operations surfaces, as an outside attacker and as a
 * low-privilege principal would try them, on the real gateway (loopback model stand-in behind the real SDKs).
 * Each test tries the attack, checks it failed and, where a refusal is due, that the audit log says so.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startModelStandIn, type StandIn } from "../helpers/model-standin.js";
import { agentFixture, principalOf, runAgent, startAgentGateway, stream, type AgentGateway } from "../helpers/agents.js";
import { connectParams, RawWs } from "../helpers/harness.js";
import { TestDevice } from "../helpers/device.js";

const fx = agentFixture();
const open = fx.open;

/** A raw HTTP request (fetch would refuse a forbidden Origin/Host header). */
function raw(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: opts.method ?? "GET", path: opts.path, headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

const SECURITY = ["content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"];
function assertSecurityHeaders(what: string, headers: http.IncomingHttpHeaders): void {
  for (const h of SECURITY) assert.ok(headers[h], `${what}: ${h} missing`);
  assert.match(String(headers["content-security-policy"]), /frame-ancestors 'none'/, what);
}

describe("attack run: agents across principals", () => {
  test("another principal's runId: agent.wait, a reused idempotencyKey and chat.abort reach nothing of the owner's", async () => {
    const alice = await open("alice");
    const bob = await open("bob");
    const key = `run-${Date.now()}-alice`;
    fx.standIn.enqueue({ text: "alice private answer" });
    const a = await runAgent(alice, { message: "alice secret question", sessionKey: "main", idempotencyKey: key });
    assert.equal(a.final.ok, true, JSON.stringify(a.final.error));

    const wait = await bob.request("agent.wait", { runId: key, timeoutMs: 1000 });
    assert.equal(wait.ok, false);
    assert.equal(wait.error?.code, "NOT_FOUND");

    // The same idempotencyKey from bob is bob's own run, never a handle on alice's.
    fx.standIn.enqueue({ text: "bob answer" });
    const b = await runAgent(bob, { message: "bob question", sessionKey: "main", idempotencyKey: key });
    assert.equal(b.final.ok, true, JSON.stringify(b.final.error));
    const text = JSON.stringify(b.final.payload);
    assert.ok(text.includes("bob answer") && !text.includes("alice private"), text);
    assert.ok(!bob.frames.some((f) => JSON.stringify(f).includes("alice secret")), "no frame of alice's run on bob's socket");

    const abort = await bob.request("chat.abort", { sessionKey: "main", runId: key });
    assert.equal((abort.payload as any)?.aborted, false);

    // Session-key tricks name nothing outside the configured agents.
    for (const sessionKey of ["agent:../x", "agent:..:x", "agent:main/../local:x", "agent:nosuch:main", "agent:\u202emain:x"]) {
      const h = await bob.request("chat.history", { sessionKey });
      assert.equal(h.ok, false, sessionKey);
      assert.ok(["INVALID_REQUEST", "NOT_FOUND"].includes(String(h.error?.code)), `${sessionKey}: ${h.error?.code}`);
    }
  });

  test("an admin reaching another principal's sessions leaves an audit line naming whose, before the access", async () => {
    const alice = await open("alice");
    fx.standIn.enqueue({ text: "private" });
    const a = await runAgent(alice, { message: "alice diary", sessionKey: "agent:main:diary" });
    assert.equal(a.final.ok, true, JSON.stringify(a.final.error));
    const owner = await open("owner");
    const read = await owner.request("chat.history", { sessionKey: "agent:main:diary", principal: principalOf("alice") });
    assert.equal(read.ok, true);
    const line = await fx.g.t.waitForAudit((l) => l.type === "session.access" && l.metadata.method === "chat.history");
    assert.equal(line.actor.id, "owner");
    assert.deepEqual([line.metadata.principal, line.metadata.sessionKey], [principalOf("alice"), "agent:main:diary"]);
    const del = await owner.request("sessions.delete", { key: "agent:main:diary", principal: principalOf("alice") });
    assert.equal((del.payload as any)?.deleted, true);
    await fx.g.t.waitForAudit((l) => l.type === "session.access" && l.metadata.method === "sessions.delete" && l.metadata.principal === principalOf("alice"));
    // Their own sessions need no such line.
    await owner.request("sessions.list", {});
    assert.ok(!(await fx.g.t.audit()).some((l) => l.type === "session.access" && l.metadata.method === "sessions.list"));
  });

  test("a prompt-injected model: path traversal, the host's environment, and the exec alias never reach a key or a host file", async () => {
    const alice = await open("alice");
    fx.standIn.enqueue(
      {
        toolCalls: [
          { name: "read", args: { path: "../../../../etc/passwd" } },
          { name: "read", args: { path: "/proc/self/environ" } },
          { name: "bash", args: { command: "env; cat /proc/1/environ 2>&1 | tr '\\0' '\\n'; echo done" } },
          { name: "exec", args: { command: "echo via-exec" } },
        ],
      },
      { text: "ok" },
    );
    const r = await runAgent(alice, { message: "do it", sessionKey: "agent:main:injected" });
    assert.equal(r.final.ok, true, JSON.stringify(r.final.error));
    const results = stream(r, "tool").filter((d) => d.phase === "result");
    assert.equal(results.length, 4);
    assert.equal(results[0].isError, true, "no read outside the workspace");
    assert.ok(!JSON.stringify(results[0]).includes("root:x:0:0"));
    assert.equal(results[1].isError, true, "no read of /proc");
    // `exec` is not offered, but a model may name it: it is the same tool as `bash` to RBAC (see the viewer test).
    assert.match(JSON.stringify(results[3]), /via-exec/);
    assert.ok(!JSON.stringify(results[2]).includes("ANTHROPIC_API_KEY"), "the sandbox environment holds no provider key variable");
    const everything = [JSON.stringify(r.events), JSON.stringify(r.final), JSON.stringify((await alice.request("chat.history", { sessionKey: "agent:main:injected" })).payload)];
    for (const f of await fs.readdir(fx.g.t.stateDir, { recursive: true })) {
      const p = path.join(fx.g.t.stateDir, String(f));
      if ((await fs.stat(p)).isFile()) everything.push(await fs.readFile(p, "utf8"));
    }
    for (const key of Object.values(fx.g.keys)) for (const t of everything) assert.ok(!t.includes(key), "an API key reached a transcript, event or state file");
  });

  test("a read-only principal's model asking for write, bash or the exec alias gets refusals (audited), nothing runs", async () => {
    const viewer = await open("viewer");
    fx.standIn.enqueue({ toolCalls: [{ name: "write", args: { path: "pwned.txt", content: "x" } }, { name: "bash", args: { command: "touch pwned2" } }, { name: "exec", args: { command: "touch pwned3" } }] }, { text: "ok" });
    const r = await runAgent(viewer, { message: "write a file", sessionKey: "agent:main:viewer" });
    if (r.final.ok) {
      const results = stream(r, "tool").filter((d) => d.phase === "result");
      assert.ok(results.every((d) => d.isError), "a viewer's model gets no write or bash");
      await fx.g.t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === principalOf("viewer") && l.metadata.tool === "exec");
    } else assert.equal(r.final.error?.code, "FORBIDDEN");
    const files = (await fs.readdir(fx.g.t.stateDir, { recursive: true })).map(String);
    assert.ok(!files.some((f) => f.endsWith("pwned.txt") || f.endsWith("pwned2")), files.join(","));
  });
});

describe("attack run: the HTTP front door", () => {
  test("/v1/chat/completions: no credentials, a foreign Origin, an oversized body and a traversing session are refused", async () => {
    const body = JSON.stringify({ model: "agent:main", messages: [{ role: "user", content: "hi" }] });
    const noAuth = await raw(fx.g.t.httpUrl, { method: "POST", path: "/v1/chat/completions", headers: { "content-type": "application/json" }, body });
    assert.equal(noAuth.status, 401);
    assertSecurityHeaders("401", noAuth.headers);

    const foreign = await raw(fx.g.t.httpUrl, {
      method: "POST",
      path: "/v1/chat/completions",
      headers: { "content-type": "application/json", authorization: `Bearer ${fx.g.tokens.alice}`, origin: "http://evil.example" },
      body,
    });
    assert.equal(foreign.status, 403);
    await fx.g.t.waitForAudit((l) => l.type === "auth.failure" && String(l.metadata.origin) === "http://evil.example");

    // DNS rebinding: the attacker's name resolves to the gateway, so Host and Origin agree — still refused.
    const rebound = await raw(fx.g.t.httpUrl, {
      method: "POST",
      path: "/v1/chat/completions",
      headers: { "content-type": "application/json", authorization: `Bearer ${fx.g.tokens.alice}`, origin: `http://rebind.example:${new URL(fx.g.t.httpUrl).port}`, host: `rebind.example:${new URL(fx.g.t.httpUrl).port}` },
      body,
    });
    assert.equal(rebound.status, 403);

    const huge = await raw(fx.g.t.httpUrl, {
      method: "POST",
      path: "/v1/chat/completions",
      headers: { "content-type": "application/json", authorization: `Bearer ${fx.g.tokens.alice}` },
      body: JSON.stringify({ model: "agent:main", messages: [{ role: "user", content: "x".repeat(2 * 1024 * 1024) }] }),
    }).catch((e: Error) => ({ status: 413, headers: {}, body: e.message }));
    assert.equal(huge.status, 413);

    for (const user of ["agent:../x", "agent:nosuch:x"]) {
      const r = await raw(fx.g.t.httpUrl, {
        method: "POST",
        path: "/v1/chat/completions",
        headers: { "content-type": "application/json", authorization: `Bearer ${fx.g.tokens.alice}` },
        body: JSON.stringify({ model: "agent:main", user, messages: [{ role: "user", content: "hi" }] }),
      });
      assert.ok(r.status === 400 || r.status === 404, `${user}: ${r.status}`);
    }
  });

  test("/v1/chat/completions: a client that goes away mid-stream or before the answer stops its run (the provider request is cancelled)", async () => {
    for (const stream of [true, false]) {
      const user = `gone-${stream ? "sse" : "json"}`;
      fx.standIn.enqueue({ hang: true, text: "partial " });
      const u = new URL(fx.g.t.httpUrl);
      const req = http.request({
        host: u.hostname,
        port: u.port,
        method: "POST",
        path: "/v1/chat/completions",
        headers: { "content-type": "application/json", authorization: `Bearer ${fx.g.tokens.alice}` },
      });
      req.on("error", () => undefined);
      const seen = fx.standIn.requestSeen(fx.standIn.requests.length + 1);
      const abortsBefore = fx.standIn.abortCount;
      req.end(JSON.stringify({ model: "agent:main", user, stream, messages: [{ role: "user", content: "talk forever" }] }));
      await seen;
      req.destroy();
      const line = await fx.g.t.waitForAudit((l) => l.type === "agent.run" && l.metadata.sessionKey === `agent:main:${user}`, 20_000);
      assert.equal(line.metadata.status, "aborted", JSON.stringify(line.metadata));
      assert.equal(line.actor.id, principalOf("alice"));
      await fx.standIn.aborted(abortsBefore + 1);
    }
  });

  test("every response carries the security headers: 304, 404, 405, a traversing /ui path and a refused WebSocket upgrade", async () => {
    const page = await raw(fx.g.t.httpUrl, { path: "/" });
    assertSecurityHeaders("page", page.headers);
    if (page.status === 200) {
      const again = await raw(fx.g.t.httpUrl, { path: "/", headers: { "if-none-match": String(page.headers.etag) } });
      assert.equal(again.status, 304);
      assertSecurityHeaders("304", again.headers);
    }
    for (const p of ["/ui/../config.yaml", "/ui/%2e%2e/config.yaml", "/ui/..%2fconfig.yaml", "/ui//etc/passwd", "/ui/.hidden", "/nope"]) {
      const r = await raw(fx.g.t.httpUrl, { path: p });
      assert.equal(r.status, 404, p);
      assert.ok(!r.body.includes("TEST_GATEWAY_TOKEN") && !r.body.includes("root:x:0"), p);
      assertSecurityHeaders(p, r.headers);
    }
    const get = await raw(fx.g.t.httpUrl, { path: "/v1/chat/completions" });
    assert.equal(get.status, 405);
    assertSecurityHeaders("405", get.headers);

    // A foreign Origin on the WebSocket upgrade: refused before any frame, with the same headers.
    const refused = await RawWs.open(fx.g.t.wsUrl, { origin: "http://evil.example" }).then(
      () => assert.fail("a foreign origin opened a WebSocket"),
      (e: { statusCode?: number; headers?: http.IncomingHttpHeaders }) => e,
    );
    assert.equal(refused.statusCode, 403);
    assertSecurityHeaders("refused upgrade", refused.headers ?? {});
    await fx.g.t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.transport === "ws" && String(l.metadata.origin) === "http://evil.example");
  });

  test("/metrics and status.details: an anonymous or low-privilege caller gets nothing, an admin gets no secret", async () => {
    const anon = await raw(fx.g.t.httpUrl, { path: "/metrics" });
    assert.ok(anon.status === 401 || anon.status === 404, String(anon.status));
    const ready = await raw(fx.g.t.httpUrl, { path: "/ready" });
    assert.ok(!ready.body.includes(fx.g.t.stateDir), "no path to an unauthenticated caller");
    const bob = await open("bob");
    for (const m of ["status.details", "doctor.run", "audit.tail"]) {
      const r = await bob.request(m, {});
      assert.equal(r.ok, false, m);
      assert.equal(r.error?.code, "FORBIDDEN", m);
    }
    const owner = await open("owner");
    const details = await owner.request("status.details", {});
    assert.equal(details.ok, true, JSON.stringify(details.error));
    const text = JSON.stringify(details.payload);
    for (const secret of [...Object.values(fx.g.keys), ...Object.values(fx.g.tokens), fx.g.t.token]) assert.ok(!text.includes(secret), "a secret in status.details");
  });
});

describe("attack run: the sandbox as root, through an agent run", () => {
  let standIn2: StandIn;
  let g2: AgentGateway;
  before(async () => {
    standIn2 = await startModelStandIn();
    // The owner holds every permission and nothing waits for approval: only the sandbox stands in the way.
    g2 = await startAgentGateway(standIn2, { config: { approvals: { exec: { enabled: false } } } });
  });
  after(async () => {
    await g2.t.close();
    await standIn2.close();
  });

  test("kernel knobs, setuid/setgid files and device nodes made by a model's commands leave no privilege on the host", async () => {
    const knobs = ["/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe", "/proc/sys/vm/drop_caches"];
    const before = await Promise.all(knobs.map((k) => fs.readFile(k, "utf8").catch(() => "")));
    const commands = [
      `printf '|/tmp/x %%p' > /proc/sys/kernel/core_pattern; echo rc=$?`,
      `echo /tmp/x | tee /proc/sys/kernel/modprobe; echo rc=$?`,
      `sh -c 'echo 3 > /proc/sys/vm/drop_caches'; echo rc=$?`,
      `cp /usr/bin/true suid && chmod 4755 suid; cp /usr/bin/true sgid && chmod g+s sgid; stat -c '%u %a' suid sgid`,
      `mknod dev c 1 3; echo rc=$?`,
      `id -u`,
    ];
    const owner = await g2.connect("owner");
    fx.sockets.push(owner);
    standIn2.enqueue({ toolCalls: commands.map((command) => ({ name: "bash", args: { command } })) }, { text: "done" });
    const r = await runAgent(owner, { message: "escape", sessionKey: "agent:main:escape" });
    assert.equal(r.final.ok, true, JSON.stringify(r.final.error));
    const results = stream(r, "tool").filter((d) => d.phase === "result");
    assert.equal(results.length, commands.length);
    for (const [i, k] of knobs.entries()) assert.equal(await fs.readFile(k, "utf8").catch(() => ""), before[i], `${k} changed`);
    const ws = path.join(g2.t.stateDir, "workspace");
    for (const name of ["suid", "sgid"]) {
      // The files are made (as the sandbox's unprivileged uid); what matters is whose privilege they carry.
      const st = await fs.stat(path.join(ws, name));
      const privileged = (st.mode & 0o6000) !== 0 && (st.uid === 0 || st.gid === 0);
      assert.ok(!privileged, `${name}: a setuid/setgid file owned by root (uid ${st.uid} gid ${st.gid} mode ${st.mode.toString(8)})`);
    }
    const dev = await fs.stat(path.join(ws, "dev")).catch(() => undefined);
    assert.ok(!dev?.isCharacterDevice(), "a device node in the workspace");
    if (process.geteuid?.() === 0) assert.match(JSON.stringify(results.at(-1)), /65534/, "commands run as an unprivileged host uid");
    await g2.t.waitForAudit((l) => l.type === "exec.request" && String(l.metadata.command).includes("core_pattern"));
  });
});

describe("attack run: loopback auto-pairing", () => {
  test("a web page (even the control page's own origin) and a forwarded request are never auto-paired; each waits for an operator (audited)", async () => {
    const port = new URL(fx.g.t.httpUrl).port;
    // Three: the default pending share of one address (gateway.pairing.maxPendingPerIp).
    const cases: [string, Record<string, string>][] = [
      ["page origin", { origin: `http://127.0.0.1:${port}` }],
      ["forwarded proto", { "x-forwarded-proto": "https" }],
      ["forwarded (RFC 7239)", { forwarded: "proto=https" }],
    ];
    for (const [what, headers] of cases) {
      const d = new TestDevice();
      const c = await RawWs.open(fx.g.t.wsUrl, headers);
      fx.sockets.push(c);
      const { nonce } = await c.challenge();
      const hello = await c.request("connect", connectParams({ auth: { token: fx.g.t.token }, device: d.sign({ nonce, token: fx.g.t.token }) }));
      assert.equal(hello.ok, false, `${what}: auto-paired`);
      assert.match(String(hello.error?.details?.code ?? hello.error?.message), /PAIRING_REQUIRED|pairing required/i, what);
      await fx.g.t.waitForAudit((l) => l.type === "pairing.request" && l.metadata.deviceId === d.id);
      assert.ok(!(await fx.g.t.audit()).some((l) => l.type === "pairing.approve" && l.metadata.deviceId === d.id), what);
    }
  });
});
