/**
 * The Chat page in headless Chromium against a real gateway whose `main` agent talks to the loopback
 * model stand-in through the real Anthropic SDK: streamed text, a tool card, an inline approval card
 * decided by an approver in a second browser context, the transcript reloaded from `chat.history`,
 * a new session and an abort. Screenshots of the chat page at 1280 and 375 px.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { startModelStandIn, type StandIn } from "../helpers/model-standin.js";
import { principalOf, startAgentGateway, type AgentGateway } from "../helpers/agents.js";
import { go, launchBrowser, screenshot, signedIn, type Signed } from "../helpers/browser.js";

// Globals of the page, used inside page.evaluate callbacks (they run in the browser).
declare const document: any, window: any, MutationObserver: any;

const FINAL = "Done: notes.txt is written and old.log is removed.";

describe("control page: Chat with an agent (Chromium)", () => {
  let standIn: StandIn;
  let g: AgentGateway;
  let browser: Browser;
  let alice: Signed;
  let approver: Signed;
  before(async () => {
    standIn = await startModelStandIn();
    g = await startAgentGateway(standIn);
    browser = await launchBrowser();
    alice = await signedIn(browser, g.t.httpUrl, g.tokens.alice, "chat");
    approver = await signedIn(browser, g.t.httpUrl, g.tokens.approver, "approvals");
  });
  after(async () => {
    await alice?.context.close();
    await approver?.context.close();
    await browser?.close();
    await g?.t.close();
    await standIn?.close();
  });

  test("streamed text, a tool card, an inline approval decided by another person, then the result", async () => {
    const ws = path.join(g.t.stateDir, "workspace");
    await fs.writeFile(path.join(ws, "old.log"), "x");
    standIn.enqueue(
      { text: "Writing the notes file now.", toolCalls: [{ name: "write", args: { path: "notes.txt", content: "hello from chat" } }] },
      { toolCalls: [{ name: "bash", args: { command: "rm old.log && echo removed-ok" } }] },
      { text: FINAL },
    );
    const page = alice.page;
    await page.waitForFunction(() => document.querySelector("#agent")?.value === "main");
    assert.deepEqual(await page.locator("#agent option").allTextContents(), ["main", "local"], "agents.bare has no model: not offered");
    // Every text the assistant bubbles show, recorded on each DOM change (one WS frame is one task).
    await page.evaluate(() => {
      const seen: string[] = [];
      window.__assistantTexts = seen;
      new MutationObserver(() => {
        const last = [...document.querySelectorAll('[data-testid="msg-assistant"] .text')].at(-1);
        if (last && last.textContent !== seen.at(-1)) seen.push(last.textContent);
      }).observe(document.querySelector('[data-testid="transcript"]'), { childList: true, subtree: true, characterData: true });
    });
    await page.fill("#message", "write notes.txt and remove old.log");
    await page.press("#message", "Enter");

    // The run waits for an approval: the page shows it inline, with the command; the write already ran.
    const inline = page.locator('[data-testid="approval-inline"]');
    await inline.waitFor();
    assert.match(await inline.textContent() ?? "", /rm old\.log && echo removed-ok/);
    assert.equal(await inline.locator('[data-testid="approval-status"]').textContent(), "pending");
    assert.equal(await page.locator('[data-testid="approve"]').count(), 0, "the requester decides nothing");
    const write = page.locator('[data-testid="tool-card"]').first();
    assert.equal(await write.locator('[data-testid="tool-name"]').textContent(), "write");
    await page.waitForFunction(() => document.querySelector('[data-testid="tool-card"] .badge')?.textContent === "done");
    assert.equal(await page.locator('[data-testid="abort"]').isEnabled(), true, "a run is going");
    await screenshot(page, "chat-approval");

    // The approver (a second context) approves it on the Approvals page.
    const card = approver.page.locator('[data-testid="approval-card"]', { hasText: "rm old.log" });
    await card.waitFor();
    assert.match(await card.textContent() ?? "", new RegExp(principalOf("alice").replace(".", "\\.")));
    await card.locator("input[name=reason]").fill("the log can go");
    await card.locator('[data-testid="approve"]').click();

    await page.waitForFunction(() => document.querySelector('[data-testid="approval-status"]')?.textContent === "approved");
    await page.waitForFunction((want) => [...document.querySelectorAll('[data-testid="msg-assistant"]')].at(-1)?.textContent === want, FINAL);
    await page.waitForFunction(() => document.querySelector('[data-testid="abort"]')?.disabled === true);
    assert.equal(await page.locator('.composer button[type="submit"]').isEnabled(), true);
    // The session the run created is listed once it ends, and marked as the open one.
    await page.waitForFunction(() => document.querySelector('nav.sessions button[aria-current="page"]')?.textContent === "main");

    // (1) Streamed: the final answer grew in pieces before it was whole.
    const texts = (await page.evaluate(() => window.__assistantTexts)) as string[];
    const growing = texts.filter((t) => t.length > 0 && t.length < FINAL.length && FINAL.startsWith(t));
    assert.ok(growing.length >= 2, `streamed in pieces: ${JSON.stringify(texts)}`);
    assert.ok(texts.includes("Writing the notes file now."));
    // (2) Tool cards: name, arguments and result as text, collapsed until opened.
    const cards = page.locator('[data-testid="tool-card"]');
    assert.deepEqual(await cards.locator('[data-testid="tool-name"]').allTextContents(), ["write", "bash"]);
    assert.equal(await write.evaluate((el: any) => el.open), false);
    assert.equal(await write.locator('[data-testid="tool-args"]').isVisible(), false);
    await write.locator("summary").click();
    assert.equal(await write.evaluate((el: any) => el.open), true);
    assert.deepEqual(JSON.parse(await write.locator('[data-testid="tool-args"]').textContent() ?? ""), { path: "notes.txt", content: "hello from chat" });
    assert.match(await write.locator('[data-testid="tool-result"]').textContent() ?? "", /notes\.txt/);
    const bash = cards.nth(1);
    assert.match(await bash.locator('[data-testid="tool-result"]').textContent() ?? "", /removed-ok/);
    await screenshot(page, "chat-run");
    await page.setViewportSize({ width: 375, height: 900 });
    await bash.locator("summary").click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `chat fits 375 px (overflow ${overflow})`);
    await screenshot(page, "chat-run");
    await page.setViewportSize({ width: 1280, height: 900 });

    // (3) What the page showed happened: the file written, the other removed, both audited.
    assert.equal(await fs.readFile(path.join(ws, "notes.txt"), "utf8"), "hello from chat");
    await assert.rejects(fs.stat(path.join(ws, "old.log")));
    const approve = await g.t.waitForAudit((l) => l.type === "exec.approve" && l.actor.id === principalOf("approver"));
    assert.equal(approve.outcome, "success");
    const run = await g.t.waitForAudit((l) => l.type === "agent.run" && l.actor.id === principalOf("alice"));
    assert.equal(run.metadata.sessionKey, "agent:main:main");
    assert.deepEqual(await alice.violations(), []);
    assert.deepEqual(await approver.violations(), []);
  });

  test("a reload shows the transcript from chat.history (results in their tool cards); New session; Abort", async () => {
    const page = alice.page;
    await page.reload();
    await page.waitForSelector('[data-testid="conn-state"][data-state="open"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tool-card"]').length === 2);
    const cards = page.locator('[data-testid="tool-card"]');
    assert.deepEqual(await cards.locator('[data-testid="tool-name"]').allTextContents(), ["write", "bash"]);
    assert.deepEqual(await cards.locator(".badge").allTextContents(), ["done", "done"], "each result fills its call's card");
    assert.match(await cards.nth(1).locator('[data-testid="tool-result"]').textContent() ?? "", /removed-ok/);
    assert.match(await cards.nth(1).locator('[data-testid="tool-args"]').textContent() ?? "", /rm old\.log/);
    const bubbles = await page.locator('[data-testid^="msg-"]').allTextContents();
    assert.deepEqual(bubbles, ["write notes.txt and remove old.log", "Writing the notes file now.", FINAL]);
    assert.equal(await page.locator('nav.sessions button[aria-current="page"]').textContent(), "main");

    // A new session starts empty; a reply that stalls is aborted from the page, and the model request is cancelled.
    await page.click('[data-testid="new-session"]');
    await page.waitForFunction(() => /^ui-/.test(document.querySelector('nav.sessions button[aria-current="page"]')?.textContent ?? ""));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tool-card"], [data-testid^="msg-"]').length === 0);
    standIn.enqueue({ hang: true, text: "Thinking about it at length" });
    const abortsBefore = standIn.abortCount;
    await page.fill("#message", "take your time");
    await page.click('.composer button[type="submit"]');
    await page.waitForFunction(() => /Thinking/.test(document.querySelector('[data-testid="msg-assistant"]')?.textContent ?? ""));
    await page.click('[data-testid="abort"]');
    await page.waitForSelector('[data-testid="run-aborted"]');
    await standIn.aborted(abortsBefore + 1);
    await page.waitForFunction(() => document.querySelector('[data-testid="abort"]')?.disabled === true);
    const key = await page.locator('nav.sessions button[aria-current="page"]').evaluate((el: any) => el.dataset.key as string);
    assert.match(key, /^agent:main:ui-[0-9a-f]{8}$/);
    const run = await g.t.waitForAudit((l) => l.type === "agent.run" && l.metadata.sessionKey === key);
    assert.equal(run.metadata.status, "aborted");
    // The first session is still there, one click away.
    await page.click('nav.sessions button[data-key="agent:main:main"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tool-card"]').length === 2);
    await go(page, "status");
    await go(page, "chat");
    assert.deepEqual(await alice.violations(), []);
  });
});
