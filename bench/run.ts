/**
 * `npm run bench`: the gateway against bare `ws` and bare `node:http` servers
 * doing the same framing, measured in the same run on this machine. Every
 * server runs in its own process; the load comes from this one, on loopback,
 * bounded in time. Prints figures, ratios and the targets from the issues.
 */
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { handshakes, httpInvokes, wsRequests, type Rate } from "./load.js";
import { benchAuditThroughput } from "./audit-bench.js";
import { benchPolicyDecisions } from "./policy-bench.js";
import { benchAgents, type AgentBenchResult } from "./agents.js";
import { benchPageRendering, bundleSizes, pageLoadLoop } from "./control-ui-bench.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(here, "../src/cli/main.js");
const BARE = path.resolve(here, "bare-servers.js");
const CLIENT = path.resolve(here, "independent-client.js");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const MS = SECONDS * 1000;

function waitForLine(child: ChildProcess, match: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error("server did not start")), 20_000);
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n").find(match);
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once("exit", (c) => reject(new Error(`server exited ${c}`)));
  });
}

async function startBare(kind: "ws" | "http"): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [BARE, kind], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await waitForLine(child, (l) => l.startsWith("{"));
  return { child, port: (JSON.parse(line) as { port: number }).port };
}

async function startGateway(stateDir: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number; startMs: number }> {
  const t0 = process.hrtime.bigint();
  // Run the bin as a user does (its shebang carries the gateway's V8 flags).
  const child = spawn(BIN, ["gateway"], { env, stdio: ["ignore", "pipe", "ignore"] });
  const line = await waitForLine(child, (l) => l.includes('"listening"'));
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { child, port: (JSON.parse(line) as { port: number }).port, startMs };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((r) => {
    child.once("exit", () => r());
    child.kill("SIGTERM");
  });
}

async function rssMb(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await fs.readFile(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb("VmRSS") / 1024), peak: Math.round(kb("VmHWM") / 1024) };
}

/** The independent load client (bench/independent-client.ts) in its own process. */
async function independentHttp(base: string, token: string | undefined, body: unknown, clients: number, ms: number, status: number): Promise<Rate> {
  const args = [CLIENT, base, token ?? "-", JSON.stringify(body), String(clients), String(ms), String(status)];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  if (code !== 0) throw new Error(`independent client exited ${code}`);
  return JSON.parse(out) as Rate;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-bench-"));
  const token = crypto.randomBytes(32).toString("base64url");
  await fs.mkdir(path.join(stateDir, "workspace"), { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(stateDir, "workspace", "README.txt"), "hello from the bench workspace\n".repeat(20));
  await fs.writeFile(
    path.join(stateDir, "config.yaml"),
    stringify({
      gateway: {
        port: 0,
        auth: { mode: "token", token: "${BENCH_TOKEN}" },
        rateLimit: { enabled: false, maxConnections: 10_000, maxUnauthenticatedPerIp: 10_000, maxUnauthenticated: 10_000 },
        // The load client is one address opening many sockets at once: no per-address share in the bench.
        limits: { maxHttpConnections: 10_000, maxHttpConnectionsPerIp: 10_000, maxUnauthenticatedHttpConnections: 10_000 },
      },
      rbac: { enabled: true, defaultRole: "viewer" },
      ...(process.env.BENCH_SEARCH_WORKERS ? { tools: { limits: { searchWorkers: Number(process.env.BENCH_SEARCH_WORKERS) } } } : {}),
    }),
    { mode: 0o600 },
  );
  const env = { PATH: process.env.PATH, HOME: stateDir, CLAWDBOT_STATE_DIR: stateDir, BENCH_TOKEN: token };

  const results: Record<string, unknown> = { machine: { cpus: os.cpus().length, node: process.version, memGiB: Math.round(os.totalmem() / 2 ** 30) }, seconds: SECONDS };

  // Start-up: median of 3 cold starts (process spawn to readiness line).
  const starts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const g = await startGateway(stateDir, env);
    starts.push(g.startMs);
    await stop(g.child);
  }
  results.startupMs = Math.round(median(starts));

  const bareWs = await startBare("ws");
  const bareHttp = await startBare("http");
  const gw = await startGateway(stateDir, env);
  const wsUrl = (port: number) => `ws://127.0.0.1:${port}`;
  const httpUrl = (port: number) => `http://127.0.0.1:${port}`;
  try {
    // Warm-up both sides.
    await wsRequests(wsUrl(bareWs.port), undefined, 4, 8, 500);
    await wsRequests(wsUrl(gw.port), token, 4, 8, 500);

    const r: Record<string, Rate> = {};
    r.wsBare = await wsRequests(wsUrl(bareWs.port), undefined, 8, 16, MS);
    r.wsGateway = await wsRequests(wsUrl(gw.port), token, 8, 16, MS);
    // 64 clients connecting at once: every gateway login is made durable in the audit log before
    // hello-ok, so one client's handshakes are bound by fdatasync latency; group commit makes
    // concurrent logins share it (docs/performance.md shows 16 vs 64).
    r.handshakeBare = await handshakes(wsUrl(bareWs.port), undefined, 64, MS);
    r.handshakeGateway = await handshakes(wsUrl(gw.port), token, 64, MS);
    r.httpBare = await httpInvokes(httpUrl(bareHttp.port), undefined, { tool: "read", args: { path: "README.txt" } }, 16, MS, 200);
    r.httpGatewayNotFound = await httpInvokes(httpUrl(gw.port), token, { tool: "teleport", args: {} }, 16, MS, 404);
    r.httpGatewayRead = await httpInvokes(httpUrl(gw.port), token, { tool: "read", args: { path: "README.txt" } }, 16, MS, 200);
    // The control page: GET / alone, as fast as 8 clients go (br, every other one revalidating with its ETag);
    // then the API load above while the page is fetched 50 times a second.
    const alone = pageLoadLoop(`${httpUrl(gw.port)}/`, 8);
    await new Promise((res) => setTimeout(res, MS));
    r.pageGets = await alone.stop();
    const pages = pageLoadLoop(`${httpUrl(gw.port)}/`, 8, 50);
    r.httpGatewayNotFoundWithPageLoad = await httpInvokes(httpUrl(gw.port), token, { tool: "teleport", args: {} }, 16, MS, 404);
    r.pageGetsDuringApi = await pages.stop();
    const mem = await rssMb(gw.child.pid as number);
    // Issue 9 item 25: the independent client shape (own process, one keep-alive agent per client).
    r.indepHttpBare = await independentHttp(httpUrl(bareHttp.port), undefined, { tool: "read", args: { path: "README.txt" } }, 16, MS, 200);
    r.indepHttpGatewayRead = await independentHttp(httpUrl(gw.port), token, { tool: "read", args: { path: "README.txt" } }, 16, MS, 200);
    // glob and search on the one-file workspace, same client as `read` above (warm walk-worker pool).
    r.httpGatewayGlob = await httpInvokes(httpUrl(gw.port), token, { tool: "glob", args: { pattern: "**/*.txt" } }, 16, MS, 200);
    r.httpGatewaySearch = await httpInvokes(httpUrl(gw.port), token, { tool: "search", args: { pattern: "hello" } }, 16, MS, 200);
    const memWalk = await rssMb(gw.child.pid as number);
    results.rates = r;
    results.rssMb = mem.rss;
    results.peakRssMb = mem.peak;
    results.rssAfterGlobSearchMb = memWalk.rss;
    results.ratios = {
      wsRequests: +(r.wsGateway.perSec / r.wsBare.perSec).toFixed(2),
      handshakes: +(r.handshakeGateway.perSec / r.handshakeBare.perSec).toFixed(2),
      httpInvokeNotFound: +(r.httpGatewayNotFound.perSec / r.httpBare.perSec).toFixed(2),
      httpInvokeRead: +(r.httpGatewayRead.perSec / r.httpBare.perSec).toFixed(2),
      httpInvokeWithPageLoad: +(r.httpGatewayNotFoundWithPageLoad.perSec / r.httpGatewayNotFound.perSec).toFixed(2),
      independentHttpRead: +(r.indepHttpGatewayRead.perSec / r.indepHttpBare.perSec).toFixed(2),
      globVsRead: +(r.httpGatewayGlob.perSec / r.httpGatewayRead.perSec).toFixed(2),
      searchVsRead: +(r.httpGatewaySearch.perSec / r.httpGatewayRead.perSec).toFixed(2),
    };
  } finally {
    await stop(gw.child);
    await stop(bareWs.child);
    await stop(bareHttp.child);
  }

  results.audit = await benchAuditThroughput({ events: 60_000, concurrency: 512 });
  results.policy = benchPolicyDecisions({ roles: 20, decisions: 200_000 });
  // Agent runs get their own gateway (with a model provider pointing at the stand-in) after the others stopped.
  results.agents = await benchAgents({ startGateway, stop, rssMb }, { samples: 200, runs: 200 });
  results.controlUi = { bundle: bundleSizes(), render: await benchPageRendering() };

  const rates = results.rates as Record<string, Rate>;
  const ratios = results.ratios as Record<string, number>;
  const audit = results.audit as { eventsPerSec: number };
  const policy = results.policy as { p99Us: number };
  const rows: [string, string, string, boolean][] = [
    ["WebSocket requests/s", `${rates.wsGateway?.perSec} (bare ws ${rates.wsBare?.perSec})`, "≥ 0.5 × bare ws", (ratios.wsRequests ?? 0) >= 0.5],
    ["handshakes/s", `${rates.handshakeGateway?.perSec} (bare ws ${rates.handshakeBare?.perSec})`, "≥ 2000/s", (rates.handshakeGateway?.perSec ?? 0) >= 2000],
    ["HTTP /tools/invoke (unknown tool) /s", `${rates.httpGatewayNotFound?.perSec} (bare http ${rates.httpBare?.perSec})`, "reported", true],
    ["HTTP /tools/invoke read, audit on /s", `${rates.httpGatewayRead?.perSec} (ratio ${ratios.httpInvokeRead})`, "≥ 0.3 × bare http", (ratios.httpInvokeRead ?? 0) >= 0.3],
    ["HTTP read, independent client /s", `${rates.indepHttpGatewayRead?.perSec} (bare http ${rates.indepHttpBare?.perSec})`, "≥ 0.3 × bare http", (ratios.independentHttpRead ?? 0) >= 0.3],
    ["HTTP glob /s (one-file workspace)", `${rates.httpGatewayGlob?.perSec} (ratio to read ${ratios.globVsRead})`, "≥ 0.5 × read", (ratios.globVsRead ?? 0) >= 0.5],
    ["HTTP search /s (one-file workspace)", `${rates.httpGatewaySearch?.perSec} (ratio to read ${ratios.searchVsRead})`, "≥ 0.5 × read", (ratios.searchVsRead ?? 0) >= 0.5],
    ["RSS after glob+search load", `${results.rssAfterGlobSearchMb} MB (after read ${results.rssMb} MB)`, "≤ read + 2 workers (40 MB)", (results.rssAfterGlobSearchMb as number) - (results.rssMb as number) <= 40],
    ["start-up", `${results.startupMs} ms`, "≤ 1500 ms", (results.startupMs as number) <= 1500],
    ["RSS after load", `${results.rssMb} MB (peak ${results.peakRssMb} MB)`, "≤ 150 MB", (results.peakRssMb as number) <= 150],
    ["durable audit events/s", `${audit.eventsPerSec}`, "≥ 20000/s", audit.eventsPerSec >= 20_000],
    ...controlUiRows(results.controlUi as ControlUiResults, rates),
    ["policy decision p99", `${policy.p99Us.toFixed(2)} µs (20 roles)`, "< 1000 µs", policy.p99Us < 1000],
    ...agentRows(results.agents as AgentBenchResult),
  ];
  console.log(`\nClawdbot Gateway benchmark — ${os.cpus().length} cores, Node ${process.version}, ${SECONDS}s per measurement\n`);
  for (const [name, value, target, ok] of rows) console.log(`${ok ? "ok  " : "MISS"}  ${name.padEnd(38)} ${value.padEnd(40)} target ${target}`);
  console.log(`\nratios: ${JSON.stringify(ratios)}`);
  console.log(`\n${JSON.stringify(results)}`);
  await fs.rm(stateDir, { recursive: true, force: true });
}

type ControlUiResults = { bundle: ReturnType<typeof bundleSizes>; render: Awaited<ReturnType<typeof benchPageRendering>> };
function controlUiRows(ui: ControlUiResults, rates: Record<string, Rate>): [string, string, string, boolean][] {
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  return [
    ["control page first load (br / gzip)", `${kb(ui.bundle.br)} / ${kb(ui.bundle.gzip)} (raw ${kb(ui.bundle.identity)})`, "≤ 150 KB compressed", ui.bundle.gzip <= 150 * 1024],
    ["control page GET / (br or 304) /s", `${rates.pageGets?.perSec} (unknown-tool invoke ${rates.httpGatewayNotFound?.perSec})`, "reported", true],
    ["unknown tool /s with 50 pages/s", `${rates.httpGatewayNotFoundWithPageLoad?.perSec} (alone ${rates.httpGatewayNotFound?.perSec})`, "≥ 0.8 × alone", (rates.httpGatewayNotFoundWithPageLoad?.perSec ?? 0) >= 0.8 * (rates.httpGatewayNotFound?.perSec ?? 0)],
    ["page: query + render 1000 audit lines", `${ui.render.queryAndRender1000AuditMs} ms`, "reported", true],
    ["page: 1000 audit rows / 1 live line", `${ui.render.audit1000.renderMs.toFixed(0)} ms / ${ui.render.audit1000.liveMs.toFixed(1)} ms`, "live line < 50 ms", ui.render.audit1000.liveMs < 50],
    ["page: 500 messages / 1 streamed update", `${ui.render.transcript500.renderMs.toFixed(0)} ms / ${ui.render.transcript500.updateMs.toFixed(1)} ms`, "update < 50 ms", ui.render.transcript500.updateMs < 50],
  ];
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

function agentRows({ ttft, load }: AgentBenchResult): [string, string, string, boolean][] {
  return [
    ["agent time-to-first-token overhead p50", `${ttft.overheadP50Ms} ms (gateway ${ttft.gatewayP50Ms}, SDK direct ${ttft.directP50Ms})`, "≤ 3 ms", ttft.overheadP50Ms <= 3],
    ["  … first message of a new session", `${ttft.newSessionOverheadP50Ms} ms (gateway ${ttft.newSessionP50Ms})`, "reported", true],
    [`${load.runs} concurrent runs (tool + 200 tokens)`, `${load.errors} errors, ${load.runsPerSec} runs/s, ${load.deltaEventsPerSec} deltas/s`, "no error", load.errors === 0],
    ["gateway peak RSS, concurrent runs", `${load.peakRssMb} MB`, "≤ 250 MB", load.peakRssMb <= 250],
  ];
}
