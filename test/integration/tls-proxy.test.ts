/**
 * TLS through the guide's reverse proxy, for real: nginx and Caddy from Debian, a certificate
 * made at test time, the blocks printed in docs/tls.md. WSS connect and HTTPS /tools/invoke
 * through each; the guide's block (no X-Forwarded-For) is detected, warned about once and
 * reported by doctor; the corrected blocks carry each client's own address.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import https from "node:https";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import type { Logger } from "../../src/app/logger.js";
import { PROXY_NOTICE_FILE } from "../../src/app/proxy-notice.js";
import { runDoctor } from "../../src/doctor/run-doctor.js";
import { RawWs, connectParams, startTestGateway, type TestGateway } from "../helpers/harness.js";
import { SERVER_NAME, docBlock, lookupServerName, makeCert, startCaddy, startNginx, type RunningProxy, type TestCert } from "../helpers/tls-proxy.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const tlsDoc = await fs.readFile(path.join(root, "docs", "tls.md"), "utf8");

/** Collects the gateway's operational log. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

interface Through {
  proxy: RunningProxy;
  cert: TestCert;
  localAddress?: string;
}

/** `connect` over WSS through the proxy, verifying its certificate by name. */
async function wssConnect(p: Through, token: string): Promise<{ c: RawWs; ok: boolean }> {
  const ws = new WebSocket(`wss://${SERVER_NAME}:${p.proxy.port}/`, { ca: p.cert.cert, lookup: lookupServerName as never, localAddress: p.localAddress });
  const c = new RawWs(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  await c.challenge();
  const hello = await c.request("connect", connectParams({ auth: { token } }));
  return { c, ok: hello.ok === true };
}

/** POST /tools/invoke over HTTPS through the proxy. */
function httpsInvoke(p: Through, token: string, body: unknown): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: SERVER_NAME,
        port: p.proxy.port,
        path: "/tools/invoke",
        method: "POST",
        ca: p.cert.cert,
        lookup: lookupServerName as never,
        localAddress: p.localAddress,
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data), authorization: `Bearer ${token}` },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

async function waitForFile(file: string): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    try {
      await fs.stat(file);
      return;
    } catch {
      if (Date.now() > end) throw new Error(`${file} was not written`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

interface Setup {
  t: TestGateway;
  log: ReturnType<typeof recordingLogger>;
  p: Through;
}

/** A gateway that trusts the local proxy, and `start` running `block` in front of it. */
async function setUp(start: typeof startNginx, block: string, localAddress?: string): Promise<Setup> {
  const log = recordingLogger();
  const t = await startTestGateway({ logger: log, config: { gateway: { trustedProxies: ["127.0.0.1"], rateLimit: { maxRequests: 1000 } } } });
  const proxy = await start(block, cert, Number(new URL(t.httpUrl).port)).catch(async (e: unknown) => {
    await t.close();
    throw e;
  });
  return { t, log, p: { proxy, cert, ...(localAddress ? { localAddress } : {}) } };
}

async function tearDown(s: Setup): Promise<void> {
  await s.p.proxy.stop();
  await s.t.close();
}

let cert: TestCert;
before(async () => {
  cert = await makeCert();
});
after(() => fs.rm(cert.dir, { recursive: true, force: true }));

describe("the guide's nginx block, as printed", { timeout: 60_000 }, () => {
  let t: TestGateway;
  let log: ReturnType<typeof recordingLogger>;
  let p: Through;
  let s: Setup;
  before(async () => {
    s = await setUp(startNginx, docBlock(tlsDoc, "guide-nginx"));
    ({ t, log, p } = s);
  });
  after(() => tearDown(s));

  test("WSS connect and HTTPS /tools/invoke pass through it", async () => {
    const { c, ok } = await wssConnect(p, t.token);
    assert.equal(ok, true);
    c.close();
    const r = await httpsInvoke(p, t.token, { tool: "write", args: { path: "via-guide.txt", content: "x" } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(String(r.headers["strict-transport-security"]), /max-age=31536000/);
  });

  test("every client shows as nginx's address; the gateway warns once and doctor reports it", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await httpsInvoke({ ...p, localAddress: "127.0.0.2" }, t.token, { tool: "write", args: { path: `g${i}.txt`, content: "x" } });
      assert.equal(r.status, 200);
    }
    const line = await t.waitForAudit((l) => l.type === "tool.invoke" && String(l.metadata.path ?? JSON.stringify(l.metadata)).includes("g2.txt"));
    assert.equal(line.actor.remoteIp, "127.0.0.1", "without X-Forwarded-For the proxy's address is all the gateway sees");
    const warnings = log.lines.filter((l) => l.startsWith("warn") && l.includes("X-Forwarded-For"));
    assert.equal(warnings.length, 1, log.lines.join("\n"));
    assert.match(warnings[0] ?? "", /127\.0\.0\.1/);
    await waitForFile(path.join(t.stateDir, PROXY_NOTICE_FILE));
    const { findings } = await runDoctor({ stateDir: t.stateDir, configPath: t.configPath, configExplicit: true, checks: ["network"], fix: false, env: t.env });
    const f = findings.find((x) => x.id === "network.forwarded-for");
    assert.equal(f?.status, "warn");
    assert.match(f?.fix ?? "", /X-Forwarded-For/);
  });

  test("matches the guide word for word (when shared/ is beside the checkout)", async (ctx) => {
    let guide: string;
    try {
      guide = await fs.readFile(path.join(root, "..", "shared", "reference", "security-hardening-guide.md"), "utf8");
    } catch {
      ctx.skip("shared/ is not beside this checkout");
      return;
    }
    const printed = /```nginx\n([\s\S]*?)```/.exec(guide)?.[1];
    assert.equal(docBlock(tlsDoc, "guide-nginx"), printed);
  });
});

for (const kind of ["nginx", "caddy"] as const) {
  describe(`the corrected ${kind === "nginx" ? "nginx block" : "Caddy block"} from docs/tls.md`, { timeout: 60_000 }, () => {
    let t: TestGateway;
    let log: ReturnType<typeof recordingLogger>;
    let p: Through;
    let s: Setup;
    before(async () => {
      s = await setUp(kind === "nginx" ? startNginx : startCaddy, docBlock(tlsDoc, kind), "127.0.0.2");
      ({ t, log, p } = s);
    });
    after(() => tearDown(s));

    test("WSS connect and HTTPS /tools/invoke carry the client's own address", async () => {
      const { c, ok } = await wssConnect(p, t.token);
      assert.equal(ok, true);
      const login = await t.waitForAudit((l) => l.type === "auth.login" && l.metadata.transport === "ws");
      assert.equal(login.actor.remoteIp, "127.0.0.2");
      c.close();
      const r = await httpsInvoke(p, t.token, { tool: "write", args: { path: "via-proxy.txt", content: "x" } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.match(String(r.headers["strict-transport-security"]), /max-age=31536000/);
      const line = await t.waitForAudit((l) => l.type === "tool.invoke" && JSON.stringify(l.metadata).includes("via-proxy.txt"));
      assert.equal(line.actor.remoteIp, "127.0.0.2");
      assert.deepEqual(log.lines.filter((l) => l.includes("X-Forwarded-For")), []);
      await assert.rejects(fs.stat(path.join(t.stateDir, PROXY_NOTICE_FILE)));
    });
  });
}
