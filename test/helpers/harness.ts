/**
 * Integration-test harness: the real gateway on port 0 with a temp state dir,
 * talked to over real sockets. Tokens are generated per test.
 */
import crypto from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import WebSocket from "ws";
import { startGateway, type Gateway } from "../../src/app/gateway.js";
import { silentLogger, type Logger } from "../../src/app/logger.js";
import type { Clock } from "../../src/core/clock.js";

export const randomToken = (): string => crypto.randomBytes(32).toString("base64url");

export interface AuditLine {
  ts: string;
  eventId: string;
  type: string;
  actor: { type: string; id: string; remoteIp?: string };
  outcome: string;
  traceId: string;
  metadata: Record<string, unknown>;
  prevHash?: string;
  hash?: string;
}

export interface TestGateway {
  gw: Gateway;
  stateDir: string;
  configPath: string;
  token: string;
  env: NodeJS.ProcessEnv;
  httpUrl: string;
  wsUrl: string;
  audit(): Promise<AuditLine[]>;
  waitForAudit(pred: (l: AuditLine) => boolean, timeoutMs?: number): Promise<AuditLine>;
  writeConfig(cfg: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/**
 * The whole lines of an audit log a running gateway may be appending to: only newline-terminated
 * lines are complete (the last piece may be half written); a missing file has none.
 */
export async function readAuditLines(file: string): Promise<AuditLine[]> {
  let text = "";
  try {
    text = await fs.readFile(file, "utf8");
  } catch {
    return [];
  }
  const lines = text.split("\n");
  lines.pop();
  return lines.filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as AuditLine);
}

export async function makeStateDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "clawdbot-test-"));
}

/** Deep-merge b into a (plain objects only); a null in b deletes the key. */
export function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    if (v === null) {
      delete out[k];
      continue;
    }
    if (v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" && !Array.isArray(cur))
      out[k] = merge(cur as Record<string, unknown>, v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

export async function startTestGateway(
  opts: { config?: Record<string, unknown>; env?: NodeJS.ProcessEnv; watch?: boolean; stateDir?: string; logger?: Logger; clock?: Clock; monotonic?: Clock } = {},
): Promise<TestGateway> {
  const stateDir = opts.stateDir ?? (await makeStateDir());
  const token = randomToken();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TEST_GATEWAY_TOKEN: token, ...opts.env };
  const configPath = path.join(stateDir, "config.yaml");
  const base = { gateway: { port: 0, bind: "127.0.0.1", auth: { mode: "token", token: "${TEST_GATEWAY_TOKEN}" } } };
  const writeConfig = async (cfg: Record<string, unknown>): Promise<void> => {
    const tmp = `${configPath}.tmp`;
    await fs.writeFile(tmp, stringify(merge(base, cfg)), { mode: 0o600 });
    await fs.rename(tmp, configPath);
  };
  await writeConfig(opts.config ?? {});
  const gw = await startGateway({
    stateDir,
    configPath,
    configExplicit: true,
    env,
    logger: opts.logger ?? silentLogger,
    watch: opts.watch ?? false,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.monotonic ? { monotonic: opts.monotonic } : {}),
  });
  const audit = (): Promise<AuditLine[]> => readAuditLines(gw.auditPath);
  return {
    gw,
    stateDir,
    configPath,
    token,
    env,
    httpUrl: gw.url,
    wsUrl: gw.url.replace(/^http/, "ws"),
    audit,
    waitForAudit: async (pred, timeoutMs = 5000) => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = (await audit()).find(pred);
        if (hit) return hit;
        if (Date.now() > end) throw new Error("audit line not found in time");
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    writeConfig,
    close: () => gw.close(),
  };
}

export interface WsFrame {
  type: string;
  id?: string;
  ok?: boolean;
  payload?: Record<string, unknown> & { [k: string]: unknown };
  error?: { code: string; message: string; details?: Record<string, unknown>; retryAfterMs?: number };
  event?: string;
  seq?: number;
}

/** A raw protocol client: exposes every frame, the close code and reason. */
export class RawWs {
  readonly frames: WsFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { pred: (f: WsFrame) => boolean; resolve: (f: WsFrame) => void }[] = [];
  private n = 0;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as WsFrame;
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => {
        if (w.pred(f)) {
          w.resolve(f);
          return false;
        }
        return true;
      });
    });
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on("error", () => undefined);
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<RawWs> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const raw = new RawWs(ws);
      ws.once("open", () => resolve(raw));
      ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode, headers: res.headers })));
      ws.once("error", reject);
    });
  }

  next(pred: (f: WsFrame) => boolean, timeoutMs = 5000): Promise<WsFrame> {
    const hit = this.frames.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("frame not received in time")), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(t);
          resolve(f);
        },
      });
    });
  }

  async challenge(): Promise<{ nonce: string; ts: number }> {
    const f = await this.next((f) => f.type === "event" && f.event === "connect.challenge");
    return f.payload as unknown as { nonce: string; ts: number };
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  async request(method: string, params: unknown = {}, extra: Record<string, unknown> = {}): Promise<WsFrame> {
    const id = `r${++this.n}`;
    this.send({ type: "req", id, method, params, ...extra });
    return this.next((f) => f.type === "res" && f.id === id, 15_000);
  }

  close(): void {
    this.ws.close();
  }
}

export function connectParams(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    minProtocol: 3,
    maxProtocol: 4,
    client: { id: "test-client", version: "1.0.0", platform: "linux", mode: "backend" },
    role: "operator",
    scopes: [],
    ...over,
  };
}

/** Opens a connection and completes the handshake; returns the client and the hello-ok response frame. */
export async function connectWs(
  url: string,
  auth: Record<string, unknown>,
  over: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ c: RawWs; hello: WsFrame }> {
  const c = await RawWs.open(url, headers);
  await c.challenge();
  const hello = await c.request("connect", connectParams({ auth, ...over }));
  return { c, hello };
}

export async function invokeHttp(
  baseUrl: string,
  token: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> & { ok?: boolean; error?: { type: string; message: string; reason?: string; code?: string }; result?: unknown }; headers: Headers }> {
  const res = await fetch(`${baseUrl}/tools/invoke`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}
