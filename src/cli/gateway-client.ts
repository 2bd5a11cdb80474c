/**
 * A small client of the gateway's own WebSocket protocol, for the CLI commands
 * that talk to a running gateway (approvals, devices). It finds the gateway
 * from the config (gateway.port, gateway.bind) and authenticates with the
 * configured or stored token, unless --url / --token say otherwise.
 */
import crypto from "node:crypto";
import WebSocket from "ws";
import { loadClientSettings, resolvePaths } from "../config/index.js";
import { readGatewayToken } from "../auth/credentials.js";
import { VERSION } from "../app/version.js";

export interface ClientTarget {
  url: string;
  token: string | undefined;
  password: string | undefined;
}

export class ClientError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export async function resolveTarget(opts: {
  url?: string | undefined;
  token?: string | undefined;
  configFlag?: string | undefined;
  env: NodeJS.ProcessEnv;
}): Promise<ClientTarget> {
  const paths = resolvePaths({ configFlag: opts.configFlag, env: opts.env });
  let url = opts.url;
  let token = opts.token ?? opts.env.CLAWDBOT_TOKEN;
  let password: string | undefined;
  // The configured or stored secret is sent on its own only to a gateway on this machine (or over wss://);
  // for any other --url the caller passes --token / CLAWDBOT_TOKEN explicitly.
  if (url && !token && !isLocalOrTls(url))
    throw new ClientError(`refusing to send the stored gateway token to ${url}; pass --token (or CLAWDBOT_TOKEN) for a remote gateway`);
  if (!url || !token) {
    // Only what this client needs: the address, and the shared secret when no credential was given.
    const settings = loadClientSettings({ path: paths.configPath, explicit: paths.configExplicit, env: opts.env, needCredential: !token });
    if (!url) {
      const bind = settings.bind;
      const host = bind === "0.0.0.0" || bind === "localhost" ? "127.0.0.1" : bind === "::" ? "::1" : bind;
      url = `ws://${host.includes(":") ? `[${host}]` : host}:${settings.port}`;
    }
    if (!token) {
      if (settings.auth.mode === "password") password = settings.auth.password;
      else token = settings.auth.token ?? (await readGatewayToken(paths.stateDir));
    }
  }
  if (url.startsWith("http://")) url = `ws://${url.slice(7)}`;
  if (url.startsWith("https://")) url = `wss://${url.slice(8)}`;
  return { url, token, password };
}

export function isLocalOrTls(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === "wss:" || u.protocol === "https:") return true;
    const h = u.hostname.replace(/^\[|\]$/g, "");
    return h === "localhost" || h === "::1" || /^127\./.test(h);
  } catch {
    return false;
  }
}

type EventHandler = (event: string, payload: unknown) => void;

export class GatewayClient {
  private pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private listeners: EventHandler[] = [];
  hello: Record<string, unknown> | undefined;

  private constructor(private readonly ws: WebSocket) {}

  static connect(target: ClientTarget, opts: { scopes?: string[]; timeoutMs?: number } = {}): Promise<GatewayClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(target.url, { handshakeTimeout: opts.timeoutMs ?? 10_000 });
      const client = new GatewayClient(ws);
      const connectId = crypto.randomUUID();
      let settled = false;
      const done = (e?: Error): void => {
        if (settled) return;
        settled = true;
        if (e) reject(e);
        else resolve(client);
      };
      ws.on("unexpected-response", (_req, res) => {
        done(new ClientError(`gateway refused the connection: HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.on("error", (e) =>
        done(
          new ClientError(
            `cannot reach the gateway at ${target.url}: ${e.message}${(e as NodeJS.ErrnoException).code === "ECONNREFUSED" ? " (is it running? start it with: clawdbot gateway)" : ""}`,
          ),
        ),
      );
      ws.on("close", (code, reason) => {
        const err = new ClientError(`connection closed (${code}${reason.length ? `: ${reason.toString()}` : ""})`);
        for (const p of client.pending.values()) p.reject(err);
        client.pending.clear();
        done(err);
      });
      ws.on("message", (data) => {
        let msg: { type?: string; id?: string; ok?: boolean; payload?: unknown; error?: { code?: string; message?: string; details?: { code?: string } }; event?: string };
        try {
          msg = JSON.parse(data.toString());
        } catch {
          return;
        }
        if (msg.type === "event" && msg.event === "connect.challenge") {
          ws.send(
            JSON.stringify({
              type: "req",
              id: connectId,
              method: "connect",
              params: {
                minProtocol: 3,
                maxProtocol: 4,
                client: { id: "clawdbot-cli", version: VERSION, platform: process.platform, mode: "cli" },
                role: "operator",
                scopes: opts.scopes ?? ["operator.admin", "operator.approvals", "operator.read", "operator.write"],
                auth: { ...(target.token ? { token: target.token } : {}), ...(target.password ? { password: target.password } : {}) },
              },
            }),
          );
          return;
        }
        if (msg.type === "event" && msg.event) {
          for (const l of client.listeners) l(msg.event, msg.payload);
          return;
        }
        if (msg.type === "res" && msg.id === connectId) {
          if (msg.ok) {
            client.hello = msg.payload as Record<string, unknown>;
            done();
          } else done(new ClientError(`authentication failed: ${msg.error?.message ?? "refused"}`, msg.error?.details?.code ?? msg.error?.code));
          return;
        }
        if (msg.type === "res" && msg.id) {
          const p = client.pending.get(msg.id);
          if (!p) return;
          client.pending.delete(msg.id);
          if (msg.ok) p.resolve(msg.payload);
          else p.reject(new ClientError(msg.error?.message ?? "request failed", msg.error?.details?.code ?? msg.error?.code));
        }
      });
    });
  }

  request<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = crypto.randomUUID();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  /** Adds an event listener; returns a function that removes it. */
  onEvent(fn: EventHandler): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  close(): void {
    this.ws.close(1000);
  }

  get closed(): Promise<void> {
    return new Promise((r) => {
      if (this.ws.readyState === WebSocket.CLOSED) r();
      else this.ws.once("close", () => r());
    });
  }
}
