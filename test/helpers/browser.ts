/**
 * Headless Chromium (Debian's `chromium`, driven by playwright-core) for the
 * control page's end-to-end tests: one browser per test file, one context per
 * principal. Screenshots go to artifacts/screenshots/ (gitignored).
 */
import fs from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

// Globals of the page, used inside callbacks that run in the browser.
declare const document: any, window: any, location: any;

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = path.resolve("artifacts", "screenshots");

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root (CI and here) cannot use Chromium's sandbox; the rest keeps the browser quiet and offline.
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
  });
}

export interface Signed {
  context: BrowserContext;
  page: Page;
  /** CSP violations the page reported (an injected inline handler or script would show here). */
  violations(): Promise<string[]>;
}

/** A fresh context that records CSP violations and page errors before any page script runs. */
export async function newContext(browser: Browser, opts: { width?: number; colorScheme?: "light" | "dark" } = {}): Promise<Signed> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 }, colorScheme: opts.colorScheme ?? "light" });
  await context.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener("securitypolicyviolation", (e: any) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  return { context, page, violations: () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations) };
}

/** Signs in through the form. */
export async function signInByForm(page: Page, baseUrl: string, secret: string, kind: "token" | "password" = "token"): Promise<void> {
  await page.goto(`${baseUrl}/`);
  if (kind === "password") await page.check("#kind-password");
  await page.fill("#secret", secret);
  await page.click("button[type=submit]");
  await page.waitForSelector('[data-testid="conn-state"][data-state="open"]');
}

export async function go(page: Page, id: string): Promise<void> {
  await page.click(`[data-testid="nav-${id}"]`);
  await page.waitForFunction((pid) => location.hash === `#/${pid}`, id);
}

/** Writes artifacts/screenshots/<name>-<width>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(SCREENSHOT_DIR, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  const file = path.join(SCREENSHOT_DIR, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A fresh context, signed in through the form, optionally on one page. */
export async function signedIn(browser: Browser, baseUrl: string, secret: string, pageId?: string, opts: { width?: number } = {}): Promise<Signed> {
  const s = await newContext(browser, opts);
  await signInByForm(s.page, baseUrl, secret);
  if (pageId) await go(s.page, pageId);
  return s;
}
