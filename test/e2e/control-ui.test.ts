/**
 * The control page in headless Chromium against a real gateway: serving and
 * headers, sign-in (form and fragment link), pairing, a two-person approval,
 * what a viewer is (not) offered, the live audit tail, a foreign origin, and
 * screenshots of every page at 1280 and 375 px.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Browser } from "playwright-core";
import { RawWs, connectParams, randomToken, startTestGateway, type TestGateway } from "../helpers/harness.js";
import { TestDevice } from "../helpers/device.js";
import { runCli } from "../helpers/cli.js";
import { go, launchBrowser, newContext, screenshot, signedIn, signInByForm } from "../helpers/browser.js";

// Globals of the page, used inside page.evaluate callbacks (they run in the browser).
declare const document: any, location: any, sessionStorage: any, localStorage: any, window: any;

const tokens = { approver: randomToken(), viewer: randomToken(), user: randomToken() };
const config = {
  gateway: {
    auth: {
      users: [
        { id: "approver@company.com", token: "${T_APPROVER}" },
        { id: "viewer@company.com", token: "${T_VIEWER}" },
        { id: "user@company.com", token: "${T_USER}" },
      ],
    },
    rateLimit: { maxRequests: 10_000 },
  },
  rbac: { enabled: true, defaultRole: "viewer", assignments: { "approver@company.com": "operator", "user@company.com": "user" } },
  approvals: { exec: { enabled: true, timeoutMs: 60_000 } },
};
const env = { T_APPROVER: tokens.approver, T_VIEWER: tokens.viewer, T_USER: tokens.user };
const CSP = "default-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

describe("control page (Chromium)", () => {
  let t: TestGateway;
  let browser: Browser;
  before(async () => {
    t = await startTestGateway({ config, env });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test("GET / and /ui/ assets: headers on every response, ETag/304, compression, nothing else exposed", async () => {
    const paths = ["/", "/ui/app.js", "/ui/style.css", "/ui/favicon.svg", "/health", "/nope", "/ui/../config.yaml", "/ui/%2e%2e/config.yaml", "/tools/invoke"];
    for (const p of paths) {
      const r = await fetch(`${t.httpUrl}${p}`);
      assert.equal(r.headers.get("content-security-policy"), CSP, p);
      assert.equal(r.headers.get("x-frame-options"), "DENY", p);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff", p);
      assert.equal(r.headers.get("referrer-policy"), "no-referrer", p);
      await r.arrayBuffer();
    }
    const page = await fetch(`${t.httpUrl}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/ui\/app\.js"><\/script>/);
    assert.doesNotMatch(html, /<script>[^<]/, "no inline script");
    assert.ok(!html.includes(t.token));
    const etag = page.headers.get("etag")!;
    const again = await fetch(`${t.httpUrl}/`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get("content-security-policy"), CSP);
    const js = await fetch(`${t.httpUrl}/ui/app.js`, { headers: { "accept-encoding": "br" } });
    assert.equal(js.headers.get("content-encoding"), "br");
    assert.equal(js.headers.get("vary"), "Accept-Encoding");
    for (const p of ["/ui/../config.yaml", "/ui/%2e%2e/config.yaml", "/ui/index.html/x", "/ui/.hidden"]) assert.equal((await fetch(`${t.httpUrl}${p}`)).status, 404, p);
    const post = await fetch(`${t.httpUrl}/`, { method: "POST" });
    assert.equal(post.status, 404);
  });

  test("sign in by form; the secret is in sessionStorage only", async () => {
    const s = await newContext(browser);
    const responses: { url: string; csp: string | undefined; frame: string | undefined }[] = [];
    s.page.on("response", (r) => responses.push({ url: r.url(), csp: r.headers()["content-security-policy"], frame: r.headers()["x-frame-options"] }));
    try {
      await signInByForm(s.page, t.httpUrl, t.token);
      assert.match(await s.page.textContent('[data-testid="principal"]') ?? "", /owner/);
      // Every response the browser got for the page (document, script, stylesheet, icon) carried the headers.
      assert.ok(responses.length >= 3, JSON.stringify(responses));
      for (const r of responses) assert.deepEqual([r.csp, r.frame], [CSP, "DENY"], r.url);
      const stored = await s.page.evaluate(() => ({ session: sessionStorage.length, local: localStorage.length, cookie: document.cookie }));
      assert.deepEqual(stored, { session: 1, local: 0, cookie: "" });
      assert.deepEqual(await s.violations(), []);
      // A wrong secret is refused with a message and the form back (and the refusal is audited).
      const w = await newContext(browser);
      await w.page.goto(`${t.httpUrl}/`);
      await w.page.fill("#secret", "wrong-" + randomToken());
      await w.page.click("button[type=submit]");
      await w.page.waitForSelector('[data-testid="signin-error"]');
      assert.equal(await w.page.evaluate(() => sessionStorage.length), 0);
      await w.context.close();
    } finally {
      await s.context.close();
    }
  });

  test("sign in by the #token= link `clawdbot dashboard` prints: the token leaves the address bar at once", async () => {
    const s = await newContext(browser);
    try {
      const cli = await runCli(["dashboard", "--url", t.wsUrl], { ...t.env, CLAWDBOT_CONFIG: t.configPath, CLAWDBOT_STATE_DIR: t.stateDir });
      assert.equal(cli.code, 0, cli.stderr);
      const link = cli.stdout.trim();
      assert.equal(link, `${t.httpUrl}/#token=${encodeURIComponent(t.token)}`);
      await s.page.goto(link);
      await s.page.waitForSelector('[data-testid="conn-state"][data-state="open"]');
      const url = s.page.url();
      assert.ok(!url.includes(t.token) && !url.includes("token="), url);
      // The history entry was replaced, not added: going back leaves the page, forward returns without the token.
      await s.page.goBack();
      await s.page.goForward();
      assert.ok(!s.page.url().includes("token="), s.page.url());
      await s.page.waitForSelector('[data-testid="conn-state"][data-state="open"]');
      await screenshot(s.page, "chat");
      assert.match(await s.page.textContent('[data-testid="no-agents"]') ?? "", /not configured/);
    } finally {
      await s.context.close();
    }
  });

  test("the #token= link pasted into a tab already showing the sign-in form (no reload) signs in and leaves the address bar", async () => {
    const s = await newContext(browser);
    try {
      await s.page.goto(`${t.httpUrl}/`);
      await s.page.waitForSelector("#secret");
      let loads = 0;
      s.page.on("load", () => loads++);
      // Same document, only the fragment changes: the browser fires hashchange, not a new page load.
      await s.page.goto(`${t.httpUrl}/#token=${encodeURIComponent(t.token)}`);
      await s.page.waitForSelector('[data-testid="conn-state"][data-state="open"]');
      assert.equal(loads, 0, "the page was not reloaded");
      assert.ok(!s.page.url().includes("token="), s.page.url());
      assert.match(await s.page.textContent('[data-testid="principal"]') ?? "", /owner/);
      assert.deepEqual(await s.violations(), []);
    } finally {
      await s.context.close();
    }
  });

  test("an admin approves a pairing request from the Devices page", async () => {
    const s = await signedIn(browser, t.httpUrl, t.token, "devices");
    try {
      const d = new TestDevice();
      const c = await RawWs.open(t.wsUrl);
      const { nonce } = await c.challenge();
      const res = await c.request("connect", connectParams({ client: { id: "phone-app", mode: "ui", platform: "ios" }, device: d.sign({ nonce, clientId: "phone-app", clientMode: "ui" }) }));
      assert.equal(res.error?.details?.code, "PAIRING_REQUIRED");
      await s.page.waitForSelector('[data-testid="pending-device"]');
      await screenshot(s.page, "devices-pending");
      await s.page.fill('[data-testid="pending-device"] input[name=principal]', "user@company.com");
      await s.page.click('[data-testid="approve-device"]');
      await s.page.waitForSelector('[data-testid="paired-device"]');
      const line = await t.waitForAudit((l) => l.type === "pairing.approve" && l.metadata.deviceId === d.id);
      assert.equal(line.actor.id, "owner");
      assert.equal(line.metadata.boundPrincipal, "user@company.com");
      // Rotate and revoke ask for a second press; each is audited.
      await s.page.click('[data-testid="rotate-device"]');
      assert.equal(await s.page.textContent('[data-testid="rotate-device"]'), "Confirm rotate");
      await s.page.click('[data-testid="rotate-device"]');
      await t.waitForAudit((l) => l.type === "device.token.rotate" && l.metadata.deviceId === d.id);
      await s.page.click('[data-testid="revoke-device"]');
      await s.page.click('[data-testid="revoke-device"]');
      await t.waitForAudit((l) => l.type === "device.token.revoke" && l.metadata.deviceId === d.id);
      await s.page.waitForFunction(() => document.querySelectorAll('[data-testid="paired-device"]').length === 0);
      // A second request is rejected from the page.
      const d2 = new TestDevice();
      const c2 = await RawWs.open(t.wsUrl);
      const n2 = (await c2.challenge()).nonce;
      await c2.request("connect", connectParams({ client: { id: "laptop", mode: "ui" }, device: d2.sign({ nonce: n2, clientId: "laptop", clientMode: "ui" }) }));
      await s.page.waitForSelector('[data-testid="pending-device"]');
      await s.page.click('[data-testid="reject-device"]');
      await s.page.click('[data-testid="reject-device"]');
      await t.waitForAudit((l) => l.type === "pairing.reject" && l.metadata.deviceId === d2.id);
      await s.page.waitForFunction(() => document.querySelectorAll('[data-testid="pending-device"]').length === 0);
    } finally {
      await s.context.close();
    }
  });

  test("a destructive command waits; an approver in another context approves; the requester sees the result", async () => {
    const requester = await signedIn(browser, t.httpUrl, tokens.user, "approvals");
    const approver = await signedIn(browser, t.httpUrl, tokens.approver, "approvals");
    try {
      await fs.writeFile(path.join(t.stateDir, "workspace", "old.log"), "x");
      // The requester's own page calls the API (same origin, bearer token from its sign-in).
      const result = requester.page.evaluate(async (token) => {
        const r = await fetch("/tools/invoke", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ tool: "bash", args: { command: "rm old.log && echo removed-ok" } }) });
        return { status: r.status, body: await r.json() };
      }, tokens.user);
      await requester.page.waitForSelector('[data-testid="mine-card"]');
      assert.match(await requester.page.textContent('[data-testid="mine-card"]') ?? "", /rm old\.log/);
      assert.equal(await requester.page.locator('[data-testid="approve"]').count(), 0, "a requester has no buttons");
      await approver.page.waitForSelector('[data-testid="approval-card"]');
      const card = await approver.page.textContent('[data-testid="approval-card"]');
      for (const want of ["rm old.log && echo removed-ok", "destructive", "user@company.com", "main", t.stateDir]) assert.ok(card?.includes(want), want);
      await screenshot(approver.page, "approvals-pending");
      await approver.page.setViewportSize({ width: 375, height: 900 });
      await screenshot(approver.page, "approvals-pending");
      await approver.page.fill('[data-testid="approval-card"] input[name=reason]', "cleanup is fine");
      await approver.page.click('[data-testid="approve"]');
      const r = await result;
      assert.equal(r.status, 200);
      assert.match(JSON.stringify(r.body), /removed-ok/);
      await requester.page.waitForSelector('[data-testid="recent-row"]');
      assert.match(await requester.page.textContent('[data-testid="recent-row"]') ?? "", /approved.*approver@company\.com.*cleanup is fine/s);
      await approver.page.waitForSelector('[data-testid="recent-row"]');
      const line = await t.waitForAudit((l) => l.type === "exec.approve" && l.actor.id === "approver@company.com");
      assert.equal(line.outcome, "success");
    } finally {
      await requester.context.close();
      await approver.context.close();
    }
  });

  test("a viewer is offered no decision; a forged approve from their page is refused and audited", async () => {
    const viewer = await signedIn(browser, t.httpUrl, tokens.viewer);
    const requesterWs = await RawWs.open(t.wsUrl);
    try {
      const nav = await viewer.page.locator("nav[aria-label=Pages] button").allTextContents();
      assert.deepEqual(nav, ["Chat", "Approvals", "Status"], "no Devices or Audit for a viewer");
      await go(viewer.page, "approvals");
      await fs.writeFile(path.join(t.stateDir, "workspace", "keep.txt"), "x");
      await requesterWs.challenge();
      await requesterWs.request("connect", connectParams({ auth: { token: t.token } }));
      const pending = fetch(`${t.httpUrl}/tools/invoke`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.user}`, "content-type": "application/json" },
        body: JSON.stringify({ tool: "bash", args: { command: "rm keep.txt" } }),
      });
      const ev = await requesterWs.next((f) => f.event === "exec.approval.requested");
      const id = (ev.payload as any).id as string;
      assert.equal(await viewer.page.locator('[data-testid="approve"]').count(), 0);
      assert.equal(await viewer.page.locator('[data-testid="approval-queue"]').count(), 0);
      await screenshot(viewer.page, "approvals-viewer");
      // The viewer's page forges the call over its own WebSocket with its own token.
      const forged = await viewer.page.evaluate(
        ({ token, id }) =>
          new Promise<any>((resolve) => {
            const ws = new WebSocket(`ws://${location.host}/`);
            ws.onmessage = (m) => {
              const f = JSON.parse(m.data);
              if (f.event === "connect.challenge")
                ws.send(JSON.stringify({ type: "req", id: "c", method: "connect", params: { minProtocol: 3, maxProtocol: 4, client: { id: "forged", mode: "ui" }, auth: { token } } }));
              else if (f.id === "c") ws.send(JSON.stringify({ type: "req", id: "x", method: "exec.approval.resolve", params: { id, decision: "approve" } }));
              else if (f.id === "x") resolve(f);
            };
          }),
        { token: tokens.viewer, id },
      );
      assert.equal(forged.ok, false);
      assert.equal(forged.error.code, "FORBIDDEN");
      const line = await t.waitForAudit((l) => l.type === "rbac.denied" && l.actor.id === "viewer@company.com" && l.metadata.method === "exec.approval.resolve");
      assert.equal(line.outcome, "denied");
      assert.ok((await fs.stat(path.join(t.stateDir, "workspace", "keep.txt"))).isFile(), "nothing ran");
      await requesterWs.request("exec.approval.resolve", { id, decision: "reject", reason: "test over" });
      assert.equal((await pending).status, 403);
    } finally {
      requesterWs.close();
      await viewer.context.close();
    }
  });

  test("an audit line appears live on the Audit page; the chain is verified", async () => {
    const s = await signedIn(browser, t.httpUrl, t.token, "audit");
    try {
      await s.page.waitForSelector('[data-testid="audit-row"]');
      await s.page.waitForFunction(() => /Hash chain verified/.test(document.querySelector('[data-testid="audit-verify"]')?.textContent ?? ""));
      const marker = `live-${randomToken().slice(0, 8)}`;
      // A refused login names the client id in its audit line.
      const c = await RawWs.open(t.wsUrl);
      await c.challenge();
      await c.request("connect", connectParams({ client: { id: marker, mode: "backend" }, auth: { token: "wrong-" + randomToken() } }));
      await s.page.waitForFunction((m) => document.querySelector('[data-testid="audit-rows"]')?.firstElementChild?.textContent?.includes(m), marker);
      await screenshot(s.page, "audit-live");
      // Query by type and outcome.
      await s.page.fill("#f-type", "auth.failure");
      await s.page.selectOption("#f-outcome", "failure");
      await s.page.click(".filters button[type=submit]");
      await s.page.waitForFunction(() => /^Query:/.test(document.querySelector('[data-testid="audit-mode"]')?.textContent ?? ""));
      const types = await s.page.locator('[data-testid="audit-row"] .type').allTextContents();
      assert.ok(types.length > 0 && types.every((x) => x === "auth.failure"));
      const download = s.page.waitForEvent("download");
      await s.page.click('[data-testid="audit-export"]');
      const file = await (await download).path();
      const exported = JSON.parse(await fs.readFile(file, "utf8")) as any[];
      assert.ok(exported.length === types.length && exported.every((r) => r.type === "auth.failure"));
    } finally {
      await s.context.close();
    }
  });

  test("Status shows version, uptime and doctor findings; every page at 1280 and 375 px", async () => {
    for (const width of [1280, 375]) {
      const s = await newContext(browser, { width, colorScheme: width === 375 ? "dark" : "light" });
      try {
        await s.page.goto(`${t.httpUrl}/`);
        await screenshot(s.page, "signin");
        await signInByForm(s.page, t.httpUrl, t.token);
        await go(s.page, "status");
        await s.page.waitForSelector('[data-testid="finding"]');
        assert.match(await s.page.textContent('[data-testid="version"]') ?? "", /\d+\.\d+\.\d+/);
        assert.ok(!(await s.page.content()).includes(tokens.approver), "no secret on the Status page");
        await screenshot(s.page, "status");
        for (const p of ["chat", "approvals", "devices", "audit"]) {
          await go(s.page, p);
          if (p === "audit") await s.page.waitForSelector('[data-testid="audit-row"]');
          if (p === "chat") await s.page.waitForSelector('[data-testid="no-agents"]');
          if (width === 375) {
            const overflow = await s.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
            assert.ok(overflow <= 1, `${p} fits 375 px (overflow ${overflow})`);
          }
          await screenshot(s.page, p);
        }
        // Keyboard: Tab reaches the nav and Enter switches pages.
        await s.page.focus('[data-testid="nav-status"]');
        await s.page.keyboard.press("Enter");
        await s.page.waitForFunction(() => location.hash === "#/status");
        assert.deepEqual(await s.violations(), []);
      } finally {
        await s.context.close();
      }
    }
  });

  test("a page from another origin cannot open the WebSocket (refused and audited)", async () => {
    // A real other origin: a page served by another server on another port, its script trying the gateway.
    const other = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!doctype html><title>other</title>");
    });
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    const s = await newContext(browser);
    try {
      await s.page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      const opened = await s.page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const ws = new (window as any).WebSocket(url);
            ws.onopen = () => resolve("open");
            ws.onerror = () => resolve("error");
          }),
        t.wsUrl,
      );
      assert.equal(opened, "error");
      // Same for a scripted client claiming a foreign Origin.
      const foreign = await RawWs.open(t.wsUrl, { origin: "https://evil.example" }).then(
        () => "open",
        (e: { statusCode?: number }) => e.statusCode,
      );
      assert.equal(foreign, 403);
      // Refusals of anonymous clients are recorded once per reason and address per window.
      await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.reason === "origin_not_allowed" && l.metadata.transport === "ws");
    } finally {
      await s.context.close();
      other.close();
    }
  });
});
