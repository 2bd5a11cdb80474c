/**
 * One WebSocket connection of the gateway protocol: the challenge, the
 * `connect`-first rule, the handshake timeout, the small pre-auth frame cap,
 * request/response framing, events with a sequence number, ticks, and a cap
 * on what a slow reader may leave buffered. What a frame *means* is the app's
 * business (`WsHandlers`).
 */
import crypto from "node:crypto";
import type { WebSocket, RawData } from "ws";
import { GatewayError } from "../../core/errors.js";
import { CloseCodes, requestFrame, type RequestFrame } from "../../protocol/frames.js";

export interface WsLimits {
  maxPayload: number;
  maxPreAuthPayload: number;
  maxBufferedBytes: number;
  handshakeTimeoutMs: number;
  tickIntervalMs: number;
}

export interface WsHandlers<S> {
  /** Handles the `connect` request; returns the hello-ok payload and the session state, or throws GatewayError. */
  connect(conn: WsConnection<S>, frame: RequestFrame): Promise<{ hello: unknown; session: S }>;
  /** Handles any later request; returns the payload, or throws GatewayError. */
  request(conn: WsConnection<S>, session: S, frame: RequestFrame): Promise<unknown>;
  closed(conn: WsConnection<S>, session: S | undefined): void;
  /** Called for a frame that breaks the protocol before or after auth (for audit). */
  protocolError?(conn: WsConnection<S>, reason: string): void;
}

export class WsConnection<S> {
  readonly id = crypto.randomUUID();
  readonly nonce = crypto.randomUUID();
  session: S | undefined;
  private state: "handshake" | "connecting" | "open" | "closed" = "handshake";
  private seq = 0;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private inflight = 0;

  constructor(
    readonly ws: WebSocket,
    private readonly limits: WsLimits,
    private readonly handlers: WsHandlers<S>,
    readonly context: unknown,
  ) {
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("close", () => this.onClosed());
    ws.on("error", (err: Error & { code?: string }) => {
      // ws has already answered an oversized frame with 1009; record it as a protocol violation.
      if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") this.handlers.protocolError?.(this, "frame_too_large");
      this.close(CloseCodes.internalError, "socket error");
    });
    this.handshakeTimer = setTimeout(() => {
      this.handlers.protocolError?.(this, "handshake_timeout");
      this.close(CloseCodes.policyViolation, "handshake timeout");
    }, limits.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    this.sendEvent("connect.challenge", { nonce: this.nonce, ts: Date.now() }, false);
  }

  get isOpen(): boolean {
    return this.state === "open";
  }

  get isClosed(): boolean {
    return this.state === "closed";
  }

  sendEvent(event: string, payload: unknown, withSeq = true): void {
    const frame: Record<string, unknown> = { type: "event", event, payload };
    if (withSeq) frame.seq = ++this.seq;
    this.sendRaw(frame);
  }

  private sendRaw(frame: unknown): void {
    if (this.state === "closed" || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.close(CloseCodes.tryAgainLater, "slow consumer: send buffer over limit");
      return;
    }
    this.ws.send(JSON.stringify(frame));
  }

  private respond(id: string, ok: boolean, body: unknown, payload?: unknown): void {
    if (ok) this.sendRaw({ type: "res", id, ok: true, payload: body });
    else this.sendRaw({ type: "res", id, ok: false, error: body, ...(payload !== undefined ? { payload } : {}) });
  }

  /** An early `res` for a request still running (the `agent` method answers "accepted", then the result). */
  sendInterimResponse(id: string, payload: unknown): void {
    if (this.state === "open") this.respond(id, true, payload);
  }

  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    const wasOpen = this.state;
    this.state = "closed";
    this.clearTimers();
    try {
      if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
    void wasOpen;
    // Do not wait forever for a peer that ignores the close handshake.
    setTimeout(() => this.ws.terminate(), 2_000).unref();
  }

  private clearTimers(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.handshakeTimer = undefined;
    this.tickTimer = undefined;
  }

  private onClosed(): void {
    if (this.state !== "closed") {
      this.state = "closed";
      this.clearTimers();
    }
    this.handlers.closed(this, this.session);
  }

  private fail(id: string | undefined, err: GatewayError, closeCode?: number): void {
    if (id !== undefined) this.respond(id, false, err.toWire(), err.payload);
    if (closeCode !== undefined) {
      const code = err.details?.code;
      const reason =
        code === "PAIRING_REQUIRED"
          ? // What to run, and the request id in the form OpenClaw clients parse (a close reason holds at most 123 bytes).
            `pairing required: clawdbot devices approve <id> --as <principal> (requestId: ${String(err.details?.requestId).slice(0, 40)})`
          : `${err.code}${typeof code === "string" ? `: ${code}` : ""}`;
      this.close(closeCode, reason);
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.state === "closed") return;
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength;
    if (this.state !== "open" && size > this.limits.maxPreAuthPayload) {
      this.handlers.protocolError?.(this, "preauth_frame_too_large");
      this.close(CloseCodes.messageTooBig, "frame too large before authentication");
      return;
    }
    if (isBinary) {
      this.handlers.protocolError?.(this, "binary_frame");
      this.close(CloseCodes.policyViolation, "binary frames are not part of the protocol");
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as Buffer).toString("utf8"));
    } catch {
      parsed = undefined;
    }
    const frame = requestFrame.safeParse(parsed);
    if (!frame.success) {
      const id = typeof (parsed as { id?: unknown })?.id === "string" ? (parsed as { id: string }).id : undefined;
      const err = new GatewayError("INVALID_REQUEST", "malformed frame: expected {type:\"req\",id,method,params}");
      if (this.state !== "open") {
        this.handlers.protocolError?.(this, "malformed_frame");
        this.fail(id, err, CloseCodes.policyViolation);
      } else this.fail(id, err);
      return;
    }
    const f = frame.data;
    if (this.state === "handshake") {
      if (f.method !== "connect") {
        this.handlers.protocolError?.(this, "connect_not_first");
        this.fail(f.id, new GatewayError("INVALID_REQUEST", "the first request must be connect", { details: { code: "CONNECT_REQUIRED" } }), CloseCodes.policyViolation);
        return;
      }
      this.state = "connecting";
      this.handlers.connect(this, f).then(
        ({ hello, session }) => {
          if (this.state === "closed") {
            // Closed while connect was awaiting: the session never starts; let the app forget it.
            this.handlers.closed(this, session);
            return;
          }
          this.session = session;
          this.state = "open";
          if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
          this.handshakeTimer = undefined;
          this.respond(f.id, true, hello);
          this.tickTimer = setInterval(() => this.sendEvent("tick", { ts: Date.now() }), this.limits.tickIntervalMs);
          this.tickTimer.unref();
        },
        (e: unknown) => {
          const err = e instanceof GatewayError ? e : new GatewayError("INTERNAL", "connect failed");
          this.fail(f.id, err, CloseCodes.policyViolation);
        },
      );
      return;
    }
    if (this.state === "connecting") {
      this.fail(f.id, new GatewayError("INVALID_REQUEST", "connect in progress"), CloseCodes.policyViolation);
      return;
    }
    if (f.method === "connect") {
      this.fail(f.id, new GatewayError("INVALID_REQUEST", "already connected"));
      return;
    }
    this.inflight++;
    this.handlers.request(this, this.session as S, f).then(
      (payload) => {
        this.inflight--;
        this.respond(f.id, true, payload ?? {});
      },
      (e: unknown) => {
        this.inflight--;
        const err = e instanceof GatewayError ? e : new GatewayError("INTERNAL", "request failed");
        this.fail(f.id, err);
      },
    );
  }

  get pendingRequests(): number {
    return this.inflight;
  }
}
