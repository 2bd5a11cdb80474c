/**
 * Hostile data on the control page (headless Chromium, real gateway): markup
 * and `javascript:` links in a tool output, a command, a device client id and
 * audit fields are shown as text and execute nothing; large inputs (1,000
 * audit lines, a 500-message transcript) render (timings are printed; the
 * figures in docs come from `npm run bench`); a dropped connection shows its
 * state, reconnects, and a refused reconnect returns to the sign-in form.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { RawWs, connectParams, randomToken, startTestGateway, type TestGateway } from "../helpers/harness.js";
import { TestDevice } from "../helpers/device.js";
import { go, launchBrowser, newContext, signedIn, signInByForm, type Signed } from "../helpers/browser.js";
import { perfProbeSource } from "../helpers/perf-probe.js";

declare const document: any, window: any, sessionStorage: any;

// No "|" or ",": a device's client id must be signable unambiguously.
const IMG = `<img src=x onerror="window.__xss=1">`;
const LINK = `<a href="javascript:window.__xss=2">click</a>`;
const SCRIPT = `<script>window.__xss=1</script>`;
const JS_URL = "javascript:window.__xss=1";
const otherToken = randomToken();

/** Nothing ran, nothing became markup or a link, no CSP violation was reported. */
async function assertInert(s: Signed, page: Page, mustShow: string[]): Promise<void> {
  const r = await page.evaluate(() => ({
    xss: window.__xss,
    imgs: document.querySelectorAll("img").length,
    scripts: [...document.querySelectorAll("script")].filter((x: any) => !x.src.endsWith("/ui/app.js")).length,
    jsLinks: [...document.querySelectorAll("a, [href], [src], [action]")].filter((e: any) => /javascript:/i.test(e.getAttribute("href") ?? e.getAttribute("src") ?? e.getAttribute("action") ?? "")).length,
    handlers: [...document.querySelectorAll("*")].filter((e: any) => [...e.attributes].some((a: any) => a.name.startsWith("on"))).length,
    text: document.body.innerText,
  }));
  assert.equal(r.xss, undefined, "no probe executed");
  assert.equal(r.imgs, 0, "no <img> was created");
  assert.equal(r.scripts, 0, "no extra <script>");
  assert.equal(r.jsLinks, 0, "no javascript: URL in any attribute");
  assert.equal(r.handlers, 0, "no inline event handler attribute");
  for (const m of mustShow) assert.ok(r.text.includes(m), `shown as text: ${m}`);
  assert.deepEqual(await s.violations(), []);
}

/** The gateway's config; `devToken` is dev@company.com's token (a literal, or the env reference). */
const config = (devToken: string): Record<string, unknown> => ({
  gateway: {
    rateLimit: { maxRequests: 100_000 },
    pairing: { maxAttempts: 1000, backoffBaseMs: 1, backoffMaxMs: 1 },
    auth: { users: [{ id: "dev@company.com", token: devToken === otherToken ? "${TEST_OTHER_TOKEN}" : devToken }] },
  },
  approvals: { exec: { enabled: true, timeoutMs: 60_000 } },
  rbac: { enabled: true, defaultRole: "user" },
});

describe("control page with hostile data (Chromium)", () => {
  let t: TestGateway;
  let browser: Browser;
  before(async () => {
    t = await startTestGateway({ config: config(otherToken), env: { TEST_OTHER_TOKEN: otherToken } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test("a device client id and audit fields carrying markup and javascript: URLs are shown as text", async () => {
    // A pairing request whose client id is a probe (it lands on the Devices page and in pairing.request's audit line).
    const d = new TestDevice();
    const c = await RawWs.open(t.wsUrl);
    const { nonce } = await c.challenge();
    const res = await c.request("connect", connectParams({ client: { id: IMG, mode: "ui", platform: JS_URL }, device: d.sign({ nonce, clientId: IMG, clientMode: "ui" }) }));
    assert.equal(res.error?.details?.code, "PAIRING_REQUIRED");
    // A refused login whose client id is a link probe (auth.failure metadata.clientId).
    const c2 = await RawWs.open(t.wsUrl);
    await c2.challenge();
    await c2.request("connect", connectParams({ client: { id: LINK, mode: SCRIPT }, auth: { token: "wrong-" + randomToken() } }));
    await t.waitForAudit((l) => l.type === "auth.failure" && l.metadata.clientId === LINK);

    const s = await signedIn(browser, t.httpUrl, t.token, "devices");
    try {
      await s.page.waitForSelector('[data-testid="pending-device"]');
      await s.page.waitForFunction((want: string[]) => want.every((m) => document.body.innerText.includes(m)), [IMG, JS_URL]);
      await assertInert(s, s.page, [IMG, JS_URL]);
      await go(s.page, "audit");
      const needles = [JSON.stringify(IMG).slice(1, -1), JSON.stringify(LINK).slice(1, -1)];
      // Rows arrive from the backlog query and the live tail; open every row (so the full JSON of each
      // line is in the DOM) until both probe lines are there, then check nothing became markup.
      await s.page.waitForFunction((want: string[]) => {
        document.querySelectorAll('[data-testid="audit-row"]').forEach((r: any) => (r.open = true));
        return want.every((m) => document.body.innerText.includes(m));
      }, needles);
      await assertInert(s, s.page, needles);
    } finally {
      await s.context.close();
    }
  });

  test("a command and a tool output carrying markup are shown as text (Approvals, Chat's transcript renderer)", async () => {
    const s = await signedIn(browser, t.httpUrl, t.token, "approvals");
    try {
      // A destructive command (rm) with a probe in it, requested by another principal (nobody approves their own).
      // The file it writes is new: under a root gateway the sandbox user could not overwrite a file root made here.
      const command = `rm -f x.old; echo '${IMG} ${JS_URL}' > x.html; cat x.html`;
      const other = await startOther(t);
      const pending = other.request("tools.invoke", { tool: "bash", args: { command } });
      await s.page.waitForSelector('[data-testid="approval-card"]');
      await assertInert(s, s.page, [command]);
      await s.page.click('[data-testid="approve"]');
      const result = await pending;
      assert.equal(result.ok, true, JSON.stringify(result.error));
      // The tool's output (the probe, echoed by bash) through Chat's renderer, as the transcript would show it.
      const output = JSON.stringify((result.payload as any).result);
      assert.ok(output.includes("onerror"));
      await s.page.evaluate(await perfProbeSource());
      const rendered = await s.page.evaluate(async (text) => {
        const r = await window.__perf.transcript(1, text);
        return r.nodes;
      }, output);
      assert.equal(rendered, 2, "the message and the streamed update");
      await assertInert(s, s.page, [IMG]);
      other.close();
    } finally {
      await s.context.close();
    }
  });

  test("1,000 audit lines and a 500-message transcript render in the page (timings printed)", async () => {
    const s = await newContext(browser);
    try {
      // 1,000 real audit lines: authenticated refusals are recorded every time.
      const admin = await RawWs.open(t.wsUrl);
      await admin.challenge();
      const hello = await admin.request("connect", connectParams({ auth: { token: t.token } }));
      assert.equal(hello.ok, true, JSON.stringify(hello.error));
      for (let i = 0; i < 1000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => admin.request(`perf.unknown.${i + j}`)));
      admin.close();
      await signInByForm(s.page, t.httpUrl, t.token);
      await go(s.page, "audit");
      await s.page.waitForSelector('[data-testid="audit-row"]');
      await s.page.fill("#f-type", "request.rejected");
      const t0 = await s.page.evaluate(() => performance.now());
      await s.page.click(".filters button[type=submit]");
      await s.page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-row"]').length >= 1000);
      const queryMs = (await s.page.evaluate(() => performance.now())) - t0;
      await s.page.evaluate(await perfProbeSource());
      const auditPerf = await s.page.evaluate(() => window.__perf.audit(1000));
      const chatPerf = await s.page.evaluate(() => window.__perf.transcript(500));
      assert.equal(auditPerf.rows, 1000);
      assert.ok(chatPerf.nodes >= 500);
      // The page still answers input after all that: a keypress reaches the filter field.
      await s.page.fill("#f-actor", "still-responsive");
      assert.equal(await s.page.inputValue("#f-actor"), "still-responsive");
      console.log(`# control page: query+render 1000 audit lines ${queryMs.toFixed(0)} ms; rows ${JSON.stringify(auditPerf)}; transcript ${JSON.stringify(chatPerf)}`);
    } finally {
      await s.context.close();
    }
  });

  test("a dropped connection shows Reconnecting, reconnects, and a changed token sends the person back to sign-in", async () => {
    const s = await signedIn(browser, t.httpUrl, otherToken);
    try {
      const states: string[] = [];
      await s.page.exposeFunction("__state", (v: string) => states.push(v));
      await s.page.evaluate(() => {
        const badge = document.querySelector('[data-testid="conn-state"]');
        new window.MutationObserver(() => window.__state(badge.dataset.state)).observe(badge, { attributes: true });
      });
      // A reload that changes dev's token closes the connections that logged in with the old one.
      const next = randomToken();
      await t.writeConfig(config(next));
      assert.equal((await t.gw.reload()).applied, true);
      await s.page.waitForSelector('[data-testid="signin-error"]');
      assert.match(await s.page.textContent('[data-testid="signin-error"]') ?? "", /Sign-in refused/);
      assert.ok(states.includes("reconnecting"), `states seen: ${states.join(",")}`);
      assert.equal(await s.page.evaluate(() => sessionStorage.length), 0, "the refused secret is forgotten");
      await s.page.fill("#secret", next);
      await s.page.click("button[type=submit]");
      await s.page.waitForSelector('[data-testid="conn-state"][data-state="open"]');
    } finally {
      await s.context.close();
    }
  });
});

/** A second principal over WebSocket (a named user), so the owner in the browser may approve its request. */
async function startOther(t: TestGateway): Promise<RawWs> {
  const c = await RawWs.open(t.wsUrl);
  await c.challenge();
  const res = await c.request("connect", connectParams({ auth: { token: otherToken } }));
  assert.equal(res.ok, true, JSON.stringify(res.error));
  return c;
}
