/**
 * The control page behind a real TLS proxy (nginx, a certificate made with
 * openssl): the page's own https origin passes the Origin check when the proxy
 * forwards the Host the browser used; with the guide's nginx block as written
 * (no Host forwarding) the upgrade is refused until the origin is listed in
 * gateway.allowedOrigins — and a foreign origin is refused either way.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { chromium, type Browser } from "playwright-core";
import { startTestGateway, type TestGateway } from "../helpers/harness.js";
import { CHROMIUM } from "../helpers/browser.js";

declare const window: any;

const NAME = "gateway.company.test";
const run = promisify(execFile);

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
  });

/** nginx with two server blocks in front of `upstream`: "forwarding" adds `proxy_set_header Host $http_host;`, "guide" is the guide's block. */
async function startNginx(dir: string, upstream: number): Promise<{ child: ChildProcess; forwarding: number; guide: number }> {
  const crt = path.join(dir, "gateway.crt");
  const key = path.join(dir, "gateway.key");
  await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", `/CN=${NAME}`, "-addext", `subjectAltName=DNS:${NAME}`, "-keyout", key, "-out", crt]);
  for (let attempt = 0; ; attempt++) {
    const [forwarding, guide] = [await freePort(), await freePort()];
    const block = (port: number, extra: string): string => `
  server {
    listen 127.0.0.1:${port} ssl;
    server_name ${NAME};
    ssl_certificate ${crt};
    ssl_certificate_key ${key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://localhost:${upstream};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header X-Forwarded-Proto $scheme;${extra}
    }
  }`;
    const t = (n: string): string => `${n}_temp_path ${path.join(dir, n)};`;
    const conf = [
      "worker_processes 1;",
      "daemon off;",
      `pid ${path.join(dir, "nginx.pid")};`,
      `error_log ${path.join(dir, "error.log")} warn;`,
      process.getuid?.() === 0 ? "user root root;" : "",
      "events { worker_connections 64; }",
      `http { access_log off; ${t("client_body")} ${t("proxy")} ${t("fastcgi")} ${t("uwsgi")} ${t("scgi")}`,
      block(forwarding, "\n      proxy_set_header Host $http_host;"),
      block(guide, ""),
      "}",
    ].join("\n");
    await fs.writeFile(path.join(dir, "nginx.conf"), conf);
    const child = spawn("nginx", ["-p", dir, "-c", path.join(dir, "nginx.conf")], { stdio: "ignore" });
    let exited = false;
    child.once("exit", () => (exited = true));
    while (!exited && !((await accepts(forwarding)) && (await accepts(guide)))) await new Promise((r) => setTimeout(r, 50));
    if (!exited) return { child, forwarding, guide };
    // A port was taken between choosing and binding: choose again.
    if (attempt >= 4) throw new Error(`nginx did not start: ${await fs.readFile(path.join(dir, "error.log"), "utf8").catch(() => "")}`);
  }
}

describe("control page behind a TLS proxy (nginx, Chromium)", () => {
  let t: TestGateway;
  let dir: string;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let browser: Browser;
  before(async () => {
    t = await startTestGateway({ config: { gateway: { trustedProxies: ["127.0.0.1", "::1"] } } });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-uiproxy-"));
    nginx = await startNginx(dir, t.gw.port);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", `--host-resolver-rules=MAP ${NAME} 127.0.0.1`],
    });
  });
  after(async () => {
    await browser?.close();
    if (nginx && nginx.child.exitCode === null) {
      const gone = new Promise((r) => nginx.child.once("exit", r));
      nginx.child.kill("SIGTERM");
      await gone;
    }
    await t?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  /** Opens the page at `origin`, signs in with the token, and reports whether the socket came up. */
  async function signIn(origin: string): Promise<{ state: string; close(): Promise<void> }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const res = await page.goto(`${origin}/`);
    assert.equal(res?.status(), 200);
    assert.equal(res?.headers()["content-security-policy"]?.startsWith("default-src 'self'"), true);
    await page.fill("#secret", t.token);
    await page.click("button[type=submit]");
    await page.waitForFunction(() => ["open", "reconnecting"].includes(window.document.querySelector('[data-testid="conn-state"]')?.dataset.state));
    const state = await page.getAttribute('[data-testid="conn-state"]', "data-state");
    return { state: String(state), close: () => context.close() };
  }

  test("with the Host forwarded, the page's https origin is its own: sign-in works over wss through the proxy", async () => {
    const s = await signIn(`https://${NAME}:${nginx.forwarding}`);
    try {
      assert.equal(s.state, "open");
      const login = await t.waitForAudit((l) => l.type === "auth.login" && l.metadata.clientId === "clawdbot-control-ui");
      assert.equal(login.actor.id, "owner");
    } finally {
      await s.close();
    }
  });

  test("the guide's block as written forwards no Host: refused until the origin is in gateway.allowedOrigins", async () => {
    const origin = `https://${NAME}:${nginx.guide}`;
    // The upstream sees Host "localhost:<port>", so the browser's origin is foreign to it: the page's module
    // script (fetched with an Origin header) and the WebSocket upgrade are both refused.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      const ws = await page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const w = new window.WebSocket(url);
            w.onopen = () => resolve("open");
            w.onerror = () => resolve("error");
          }),
        `wss://${NAME}:${nginx.guide}/`,
      );
      assert.equal(ws, "error");
      assert.equal(await page.locator("#secret").count(), 0, "the page's script was refused too");
    } finally {
      await context.close();
    }
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "origin_not_allowed" && l.metadata.origin === origin);
    await t.writeConfig({ gateway: { trustedProxies: ["127.0.0.1", "::1"], allowedOrigins: [origin] } });
    const r = await t.gw.reload();
    assert.equal(r.applied, true);
    const ok = await signIn(origin);
    assert.equal(ok.state, "open");
    await ok.close();
  });
});
