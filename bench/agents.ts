/**
 * Agent runs under load, against the model stand-in in its own process (bench/model-standin-server.ts):
 *
 * - Time to first token: the `@anthropic-ai/sdk` client calling the stand-in directly, versus a WebSocket
 *   client running `agent` on the gateway (which calls the same stand-in through the same SDK), measured
 *   alternately in the same run; the overhead is the difference of the medians. Measured on a session that
 *   already exists (a conversation's next message) and, separately, on a new session each time (which
 *   also creates the session's files and index entry before the model is called).
 * - Concurrency: `runs` runs at once (each: one `read` tool call, then 200 streamed tokens) by 20 principals,
 *   one connection each; errors, runs/s, streamed delta events/s received by the clients, and the gateway's
 *   peak RSS. (Events go to every connection of the run's principal, so 20 connections of ONE principal would
 *   each receive all 200 runs' events: a 20× fan-out no real deployment has.)
 */
import Anthropic from "@anthropic-ai/sdk";
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import type WebSocket from "ws";
import { openConn } from "./load.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const STANDIN = path.resolve(here, "model-standin-server.js");
const MODEL = "bench-model";
const PRINCIPALS = 20;

export interface AgentBenchDeps {
  startGateway(stateDir: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }>;
  stop(child: ChildProcess): Promise<void>;
  rssMb(pid: number): Promise<{ rss: number; peak: number }>;
}

export interface AgentBenchResult {
  ttft: {
    samples: number;
    directP50Ms: number;
    gatewayP50Ms: number;
    overheadP50Ms: number;
    directP90Ms: number;
    gatewayP90Ms: number;
    newSessionP50Ms: number;
    newSessionOverheadP50Ms: number;
  };
  load: { runs: number; errors: number; seconds: number; runsPerSec: number; deltaEvents: number; deltaEventsPerSec: number; peakRssMb: number };
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const round = (x: number, d = 2): number => +x.toFixed(d);

async function startStandIn(): Promise<{ child: ChildProcess; anthropicBaseUrl: string }> {
  const child = spawn(process.execPath, [STANDIN], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
    });
    child.once("exit", (c) => reject(new Error(`stand-in exited ${c}`)));
  });
  return { child, ...(JSON.parse(line) as { anthropicBaseUrl: string }) };
}

interface Frame {
  type: string;
  id?: string;
  ok?: boolean;
  event?: string;
  payload?: { runId?: string; stream?: string; state?: string; status?: string };
}

/** One `agent` run on `ws`: resolves with the time to its first assistant delta, its delta count, and its outcome. */
function agentRun(ws: WebSocket, message: string, sessionKey: string): Promise<{ ttftMs: number; deltas: number; ok: boolean }> {
  const runId = crypto.randomUUID();
  const t0 = process.hrtime.bigint();
  let ttftMs = -1;
  let deltas = 0;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const f = JSON.parse(data.toString()) as Frame;
      if (f.type === "event" && f.payload?.runId === runId) {
        if (f.event === "agent" && f.payload.stream === "assistant") {
          if (ttftMs < 0) ttftMs = ms(t0);
          deltas++;
        }
      } else if (f.type === "res" && f.id === runId && (f.ok === false || f.payload?.status !== "accepted")) {
        ws.off("message", onMessage);
        resolve({ ttftMs, deltas, ok: f.ok === true && f.payload?.status === "ok" });
      }
    };
    ws.on("message", onMessage);
    ws.send(JSON.stringify({ type: "req", id: runId, method: "agent", params: { message, idempotencyKey: runId, sessionKey } }));
  });
}

async function directTtft(client: Anthropic): Promise<number> {
  const t0 = process.hrtime.bigint();
  let first = -1;
  const stream = await client.messages.create({ model: MODEL, max_tokens: 4096, messages: [{ role: "user", content: "ttft" }], stream: true });
  for await (const ev of stream) if (first < 0 && ev.type === "content_block_delta" && ev.delta.type === "text_delta") first = ms(t0);
  return first;
}

export async function benchAgents(deps: AgentBenchDeps, opts: { samples: number; runs: number }): Promise<AgentBenchResult> {
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-bench-agents-"));
  const standIn = await startStandIn();
  const token = crypto.randomBytes(32).toString("base64url");
  const userTokens = Array.from({ length: PRINCIPALS }, () => crypto.randomBytes(32).toString("base64url"));
  const modelKey = `sk-ant-${crypto.randomBytes(24).toString("hex")}`;
  const workspace = path.join(stateDir, "workspace");
  await fs.mkdir(workspace, { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(workspace, "README.txt"), "hello from the bench workspace\n".repeat(20));
  await fs.writeFile(
    path.join(stateDir, "config.yaml"),
    stringify({
      gateway: {
        port: 0,
        auth: { mode: "token", token: "${BENCH_TOKEN}", users: userTokens.map((_, i) => ({ id: `bench-${i}@example.com`, token: `\${BENCH_T${i}}` })) },
        rateLimit: { enabled: false, maxConnections: 10_000, maxUnauthenticatedPerIp: 10_000 },
        limits: { maxRunsPerPrincipal: Math.ceil(opts.runs / PRINCIPALS) + 16 },
      },
      rbac: { enabled: true, defaultRole: "operator" },
      models: { anthropic: { apiKey: "${BENCH_MODEL_KEY}", baseUrl: standIn.anthropicBaseUrl } },
      agents: { main: { model: `anthropic/${MODEL}`, workspace } },
    }),
    { mode: 0o600 },
  );
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: stateDir, CLAWDBOT_STATE_DIR: stateDir, BENCH_TOKEN: token, BENCH_MODEL_KEY: modelKey };
  for (const [i, t] of userTokens.entries()) env[`BENCH_T${i}`] = t;
  const gw = await deps.startGateway(stateDir, env);
  const url = `ws://127.0.0.1:${gw.port}`;
  const sockets: WebSocket[] = [];
  try {
    const client = new Anthropic({ apiKey: modelKey, baseURL: standIn.anthropicBaseUrl, maxRetries: 0 });
    const ws = await openConn(url, token);
    sockets.push(ws);
    let n = 0;
    const viaGateway = async (session?: string): Promise<number> => (await agentRun(ws, "ttft", session ?? `ttft-${++n}`)).ttftMs;
    for (let i = 0; i < 20; i++) {
      await directTtft(client);
      await viaGateway("ttft");
      await viaGateway();
    }
    const direct: number[] = [];
    const gateway: number[] = [];
    const fresh: number[] = [];
    for (let i = 0; i < opts.samples; i++) {
      direct.push(await directTtft(client));
      gateway.push(await viaGateway("ttft"));
      fresh.push(await viaGateway());
    }

    // Concurrency: every run at once, spread over 20 principals with one connection each.
    const conns = await Promise.all(userTokens.map((t) => openConn(url, t)));
    sockets.push(...conns);
    const t0 = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: opts.runs }, (_, i) => agentRun(conns[i % conns.length]!, "tool", `load-${i}`)));
    const seconds = ms(t0) / 1000;
    const deltaEvents = results.reduce((s, r) => s + r.deltas, 0);
    const errors = results.filter((r) => !r.ok || r.deltas < 200).length;
    const mem = await deps.rssMb(gw.child.pid as number);
    return {
      ttft: {
        samples: opts.samples,
        directP50Ms: round(pct(direct, 0.5)),
        gatewayP50Ms: round(pct(gateway, 0.5)),
        overheadP50Ms: round(pct(gateway, 0.5) - pct(direct, 0.5)),
        directP90Ms: round(pct(direct, 0.9)),
        gatewayP90Ms: round(pct(gateway, 0.9)),
        newSessionP50Ms: round(pct(fresh, 0.5)),
        newSessionOverheadP50Ms: round(pct(fresh, 0.5) - pct(direct, 0.5)),
      },
      load: {
        runs: opts.runs,
        errors,
        seconds: round(seconds),
        runsPerSec: round(opts.runs / seconds, 1),
        deltaEvents,
        deltaEventsPerSec: Math.round(deltaEvents / seconds),
        peakRssMb: mem.peak,
      },
    };
  } finally {
    for (const s of sockets) s.terminate();
    await deps.stop(gw.child);
    await deps.stop(standIn.child);
    await fs.rm(stateDir, { recursive: true, force: true });
  }
}
