/**
 * The control page's numbers: first-load size (as served: the gateway's own
 * gzip/brotli of dist/ui), rendering in headless Chromium (1,000 audit lines
 * through a real audit.query, 500 transcript messages, one live update), and
 * a GET / load loop used by run.ts to show that serving the page does not slow
 * the API.
 */
import crypto from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { stringify } from "yaml";
import WebSocket from "ws";
import { BUILT_UI_DIR } from "../src/app/control-ui.js";
import { startGateway } from "../src/app/gateway.js";
import { silentLogger } from "../src/app/logger.js";
import { loadStaticDir } from "../src/transport/http/static-files.js";
import type { Rate } from "./load.js";

// The page's global, used inside a callback that runs in the browser.
declare const document: { querySelectorAll(s: string): { length: number } };

export interface BundleSizes {
  files: string[];
  identity: number;
  gzip: number;
  br: number;
}

/** JS + CSS + HTML of the first load, as the gateway serves them. */
export function bundleSizes(dir = BUILT_UI_DIR): BundleSizes {
  const files = loadStaticDir(dir);
  const first = ["index.html", "app.js", "style.css"];
  let identity = 0;
  let gzip = 0;
  let br = 0;
  for (const f of first) {
    const a = files.get(f);
    if (!a) throw new Error(`dist/ui/${f} missing: run npm run build`);
    identity += a.identity.length;
    gzip += (a.gzip ?? a.identity).length;
    br += (a.br ?? a.identity).length;
  }
  return { files: first, identity, gzip, br };
}

/**
 * Keep-alive `GET /` requests on `conns` connections (every other one revalidating with its ETag) until
 * stopped: as fast as they go, or, with `perSec`, at that steady rate (people opening the page).
 */
export function pageLoadLoop(url: string, conns: number, perSec?: number): { stop(): Promise<Rate> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
  let running = true;
  let ops = 0;
  let etag = "";
  const t0 = Date.now();
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = http.get(url, { agent, headers: { "accept-encoding": "br, gzip", ...(ops % 2 && etag ? { "if-none-match": etag } : {}) } }, (res) => {
        etag = String(res.headers.etag ?? etag);
        res.resume();
        res.on("end", () => {
          ops++;
          resolve();
        });
      });
      req.on("error", () => resolve());
    });
  const inflight = new Set<Promise<void>>();
  const paced =
    perSec === undefined
      ? undefined
      : setInterval(() => {
          if (inflight.size >= conns) return;
          const p = one().finally(() => inflight.delete(p));
          inflight.add(p);
        }, 1000 / perSec);
  const workers =
    perSec === undefined
      ? Array.from({ length: conns }, async () => {
          while (running) await one();
        })
      : [];
  return {
    async stop() {
      running = false;
      if (paced) clearInterval(paced);
      await Promise.all([...workers, ...inflight]);
      agent.destroy();
      const ms = Date.now() - t0;
      return { ops, seconds: ms / 1000, perSec: Math.round((ops * 1000) / ms) };
    },
  };
}

export interface RenderResult {
  queryAndRender1000AuditMs: number;
  audit1000: { rows: number; renderMs: number; liveMs: number };
  transcript500: { nodes: number; renderMs: number; updateMs: number };
}

/** Real gateway in-process, real page in Chromium; the page's own performance.now timings. */
export async function benchPageRendering(chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"): Promise<RenderResult> {
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-uibench-"));
  const token = crypto.randomBytes(32).toString("base64url");
  const configPath = path.join(stateDir, "config.yaml");
  await fs.writeFile(configPath, stringify({ gateway: { port: 0, auth: { mode: "token", token }, rateLimit: { maxRequests: 100_000 } } }), { mode: 0o600 });
  const gw = await startGateway({ stateDir, configPath, configExplicit: true, env: {}, logger: silentLogger, watch: false });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
  try {
    // 1,000 audit lines: an authenticated request for an unknown method is recorded every time.
    const ws = new WebSocket(gw.url.replace(/^http/, "ws"));
    await new Promise<void>((resolve, reject) => {
      let n = 0;
      ws.on("message", (d) => {
        const f = JSON.parse(d.toString()) as { event?: string; id?: string };
        if (f.event === "connect.challenge")
          ws.send(JSON.stringify({ type: "req", id: "c", method: "connect", params: { minProtocol: 3, maxProtocol: 4, client: { id: "bench", mode: "backend" }, auth: { token } } }));
        else if (f.id === "c") for (let i = 0; i < 1000; i++) ws.send(JSON.stringify({ type: "req", id: `r${i}`, method: `bench.unknown.${i}` }));
        else if (f.id?.startsWith("r") && ++n === 1000) resolve();
      });
      ws.on("error", reject);
    });
    ws.close();
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${gw.url}/`);
    await page.fill("#secret", token);
    await page.click("button[type=submit]");
    await page.waitForSelector('[data-testid="conn-state"][data-state="open"]');
    await page.click('[data-testid="nav-audit"]');
    await page.waitForSelector('[data-testid="audit-row"]');
    await page.fill("#f-type", "request.rejected");
    const t0 = await page.evaluate(() => performance.now());
    await page.click(".filters button[type=submit]");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-row"]').length >= 1000);
    const queryAndRender1000AuditMs = Math.round((await page.evaluate(() => performance.now())) - t0);
    const probe = await build({ entryPoints: [path.resolve("ui/src/perf-probe.ts")], bundle: true, write: false, format: "iife", target: "es2022", logLevel: "silent" });
    await page.evaluate(probe.outputFiles[0]!.text);
    type Perf = { audit(n: number): Promise<RenderResult["audit1000"]>; transcript(n: number): Promise<RenderResult["transcript500"]> };
    const audit1000 = await page.evaluate(() => (globalThis as unknown as { __perf: Perf }).__perf.audit(1000));
    const transcript500 = await page.evaluate(() => (globalThis as unknown as { __perf: Perf }).__perf.transcript(500));
    return { queryAndRender1000AuditMs, audit1000, transcript500 };
  } finally {
    await browser.close();
    await gw.close();
    await fs.rm(stateDir, { recursive: true, force: true });
  }
}
