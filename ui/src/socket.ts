/**
 * The one socket client the views share. It connects only to the page's own
 * origin (`location.host`), answers the challenge with `connect`, reconnects
 * with backoff after a drop, and reports its state so the page can show it.
 * A refused sign-in stops it (no retry loop against the lockout).
 */
export type ConnState = "connecting" | "open" | "reconnecting" | "signed-out";
export interface Secret {
  kind: "token" | "password";
  value: string;
}
export interface Hello {
  protocol: number;
  server: { version: string; connId: string };
  features: { methods: string[]; events: string[] };
  auth: { principal: string; rbacRole: string | null; scopes: string[] };
  snapshot: { uptimeMs: number; agents: string[] };
}
export interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  retryAfterMs?: number;
}

export class RequestError extends Error {
  constructor(readonly error: WireError) {
    super(error.message);
  }
  get code(): string {
    return this.error.code;
  }
  get detail(): string | undefined {
    const c = this.error.details?.code;
    return typeof c === "string" ? c : undefined;
  }
}

type EventFn = (payload: unknown) => void;
interface Frame {
  type?: string;
  id?: unknown;
  ok?: boolean;
  event?: unknown;
  payload?: unknown;
  error?: WireError;
}
const CONNECT_ID = "connect";
const MAX_BACKOFF_MS = 15_000;

export class GatewayClient {
  state: ConnState = "connecting";
  hello: Hello | undefined;
  /** Why the last sign-in was refused (shown on the sign-in form). */
  refusal: string | undefined;
  private ws: WebSocket | undefined;
  private n = 0;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, Set<EventFn>>();
  private readonly stateListeners = new Set<(s: ConnState) => void>();

  constructor(private readonly secret: Secret) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000, "signed out");
    this.setState("signed-out");
  }

  onState(fn: (s: ConnState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** Payloads are the gateway's: handlers treat them as untrusted input. */
  on<T>(event: string, fn: (payload: T) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const f = fn as EventFn;
    set.add(f);
    return () => set.delete(f);
  }

  has(method: string): boolean {
    return this.hello?.features.methods.includes(method) ?? false;
  }

  request<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const ws = this.ws;
    if (!ws || this.state !== "open") return Promise.reject(new RequestError({ code: "UNAVAILABLE", message: "not connected" }));
    const id = `r${++this.n}`;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  private setState(s: ConnState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private open(): void {
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    // Always this page's own origin: never a URL taken from the address, storage or the gateway.
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/`);
    this.ws = ws;
    ws.onmessage = (m) => this.onFrame(ws, typeof m.data === "string" ? m.data : "");
    ws.onclose = () => this.onClose(ws);
  }

  private onFrame(ws: WebSocket, text: string): void {
    let f: Frame;
    try {
      f = JSON.parse(text) as Frame;
    } catch {
      return;
    }
    if (f?.type === "event") {
      if (f.event === "connect.challenge") {
        const auth = this.secret.kind === "token" ? { token: this.secret.value } : { password: this.secret.value };
        const client = { id: "clawdbot-control-ui", version: "1", platform: "web", mode: "ui" };
        ws.send(JSON.stringify({ type: "req", id: CONNECT_ID, method: "connect", params: { minProtocol: 3, maxProtocol: 4, client, role: "operator", scopes: [], auth } }));
        return;
      }
      for (const fn of this.listeners.get(String(f.event)) ?? []) fn(f.payload);
      return;
    }
    if (f?.type !== "res") return;
    if (f.id === CONNECT_ID) {
      if (f.ok) {
        this.hello = f.payload as Hello;
        this.attempt = 0;
        this.refusal = undefined;
        this.setState("open");
      } else {
        const e = (f.error ?? {}) as WireError;
        const code = String(e.details?.code ?? e.code);
        // Wrong credentials or lockout: stop and ask again rather than hammer the gateway.
        if (e.code === "UNAUTHORIZED" || code.startsWith("AUTH_") || e.code === "FORBIDDEN") {
          this.refusal = e.message || "sign-in refused";
          this.stopped = true;
        }
      }
      return;
    }
    const p = this.pending.get(String(f.id));
    if (!p) return;
    this.pending.delete(String(f.id));
    if (f.ok) p.resolve(f.payload);
    else p.reject(new RequestError((f.error ?? { code: "INTERNAL", message: "request failed" }) as WireError));
  }

  private onClose(ws: WebSocket): void {
    if (ws !== this.ws) return;
    for (const p of this.pending.values()) p.reject(new RequestError({ code: "UNAVAILABLE", message: "connection lost" }));
    this.pending.clear();
    if (this.stopped) {
      this.setState("signed-out");
      return;
    }
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt++;
    this.setState("reconnecting");
    this.timer = setTimeout(() => this.open(), delay);
  }
}
