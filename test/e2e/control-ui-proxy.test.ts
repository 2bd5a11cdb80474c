/**
 * The control page behind a real TLS proxy: nginx running the blocks printed in docs/tls.md
 * (test/helpers/tls-proxy.ts), a certificate made with openssl. With the corrected block
 * (which forwards the Host the browser used) the page's own https origin passes the Origin
 * check; with the guide's block as printed (no Host forwarding) the upgrade is refused until
 * the origin is listed in gateway.allowedOrigins — and a foreign origin is refused either way.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { startTestGateway, type TestGateway } from "../helpers/harness.js";
import { CHROMIUM } from "../helpers/browser.js";
import { SERVER_NAME as NAME, docBlock, makeCert, startNginx, type RunningProxy, type TestCert } from "../helpers/tls-proxy.js";

declare const window: any;

const tlsDoc = await fs.readFile(path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.."), "docs", "tls.md"), "utf8");

describe("control page behind a TLS proxy (nginx, Chromium)", () => {
  let t: TestGateway;
  let cert: TestCert;
  let nginx: { forwarding: RunningProxy; guide: RunningProxy };
  let browser: Browser;
  before(async () => {
    t = await startTestGateway({ config: { gateway: { trustedProxies: ["127.0.0.1", "::1"] } } });
    cert = await makeCert();
    nginx = {
      forwarding: await startNginx(docBlock(tlsDoc, "nginx"), cert, t.gw.port),
      guide: await startNginx(docBlock(tlsDoc, "guide-nginx"), cert, t.gw.port),
    };
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", `--host-resolver-rules=MAP ${NAME} 127.0.0.1`],
    });
  });
  after(async () => {
    await browser?.close();
    await nginx?.forwarding.stop();
    await nginx?.guide.stop();
    await t?.close();
    if (cert) await fs.rm(cert.dir, { recursive: true, force: true });
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

  test("with the corrected block (Host forwarded), the page's https origin is its own: sign-in works over wss through the proxy", async () => {
    const s = await signIn(`https://${NAME}:${nginx.forwarding.port}`);
    try {
      assert.equal(s.state, "open");
      const login = await t.waitForAudit((l) => l.type === "auth.login" && l.metadata.clientId === "clawdbot-control-ui");
      assert.equal(login.actor.id, "owner");
    } finally {
      await s.close();
    }
  });

  test("the guide's block as written forwards no Host: refused until the origin is in gateway.allowedOrigins", async () => {
    const origin = `https://${NAME}:${nginx.guide.port}`;
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
        `wss://${NAME}:${nginx.guide.port}/`,
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
