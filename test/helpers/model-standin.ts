/**
 * A loopback stand-in for the model vendors (tests never reach the internet): one node:http server on
 * 127.0.0.1, port 0, speaking Anthropic's Messages API (`POST /v1/messages`) and OpenAI's Chat Completions
 * (`POST /v1/chat/completions`), streamed (SSE) and not, in the vendors' own wire format (see
 * model-standin-wire.ts), so the real SDKs drive it.
 *
 * Each test scripts the replies: `enqueue()` turns, answered in order, whichever API asks; or
 * `respondWith(fn)` to answer from the request (used by the bench's concurrent runs). Every request is
 * recorded with its headers and parsed body.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as yieldTurn } from "node:timers/promises";
import {
  anthropicError,
  anthropicMessage,
  anthropicStream,
  countTokens,
  openaiCompletion,
  openaiError,
  openaiStream,
  type ReplyTurn,
} from "./model-standin-wire.js";

export type { ReplyTurn, ScriptedToolCall } from "./model-standin-wire.js";
export { chunkText } from "./model-standin-wire.js";

/** An error reply. Without `body`, the vendor's error shape; a 401 echoes the presented key (a hard case). */
export interface ErrorTurn {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
/** The stream starts (headers, the first frame, and `text` if given), then stalls until the client goes away. */
export interface HangTurn {
  hang: true;
  text?: string;
  /** Instead of stalling, cut the connection (a reply broken off mid-stream). */
  drop?: boolean;
  /** Instead of stalling, send the vendor's in-stream error event of this type (e.g. `overloaded_error`) and end. */
  streamError?: string;
}
export type Turn = ReplyTurn | ErrorTurn | HangTurn;

export interface RecordedRequest {
  api: "anthropic" | "openai";
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

export interface StandIn {
  /** For the Anthropic SDK's `baseURL` (it appends `/v1/messages`). */
  anthropicBaseUrl: string;
  /** For the OpenAI SDK's `baseURL` (it appends `/chat/completions`). */
  openaiBaseUrl: string;
  readonly requests: RecordedRequest[];
  /** Scripts the next replies, answered in order. */
  enqueue(...turns: Turn[]): void;
  /** Answers requests when the script is empty (otherwise an unscripted request gets a 500). */
  respondWith(fn: ((req: RecordedRequest) => Turn) | undefined): void;
  /** Scripted turns not yet used. */
  pending(): number;
  /** Resolves once `count` requests have arrived (counting all since start). */
  requestSeen(count: number): Promise<void>;
  /** Resolves once `count` clients have disconnected before their reply ended. */
  aborted(count?: number): Promise<void>;
  readonly abortCount: number;
  close(): Promise<void>;
}

const isError = (t: Turn): t is ErrorTurn => "status" in t;
const isHang = (t: Turn): t is HangTurn => "hang" in t;

function presentedKey(headers: http.IncomingHttpHeaders): string {
  const auth = headers.authorization;
  if (typeof auth === "string" && auth.startsWith("Bearer ")) return auth.slice(7);
  return typeof headers["x-api-key"] === "string" ? headers["x-api-key"] : "";
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startModelStandIn(): Promise<StandIn> {
  const queue: Turn[] = [];
  const requests: RecordedRequest[] = [];
  let responder: ((req: RecordedRequest) => Turn) | undefined;
  let abortCount = 0;
  let abortWaiters: { count: number; resolve: () => void }[] = [];
  let requestWaiters: { count: number; resolve: () => void }[] = [];

  const noteAbort = (): void => {
    abortCount++;
    const ready = abortWaiters.filter((w) => w.count <= abortCount);
    abortWaiters = abortWaiters.filter((w) => w.count > abortCount);
    for (const w of ready) w.resolve();
  };

  /** Writes frames one at a time (separate TCP writes), honouring backpressure; false if the client left. */
  async function writeFrames(res: http.ServerResponse, frames: string[]): Promise<boolean> {
    for (const [i, frame] of frames.entries()) {
      if (res.destroyed) return false;
      // One frame is cut in two writes, so the SDK's SSE parser must join lines across reads.
      const pieces = i === 1 ? [frame.slice(0, frame.length >> 1), frame.slice(frame.length >> 1)] : [frame];
      for (const piece of pieces) {
        if (!res.write(piece)) await new Promise((r) => res.once("drain", r).once("close", r));
        await yieldTurn();
      }
    }
    return !res.destroyed;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const api = path === "/v1/messages" ? "anthropic" : path === "/v1/chat/completions" ? "openai" : undefined;
    const text = await readBody(req);
    if (req.method !== "POST" || !api) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no route ${path}` } }));
      return;
    }
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    const record: RecordedRequest = { api, method: req.method, path, headers: req.headers, body };
    requests.push(record);
    const seen = requestWaiters.filter((w) => w.count <= requests.length);
    requestWaiters = requestWaiters.filter((w) => w.count > requests.length);
    for (const w of seen) w.resolve();
    const turn: Turn | undefined = queue.shift() ?? responder?.(record);
    const model = typeof body?.model === "string" ? body.model : "unknown";
    const inputTokens = countTokens(body?.messages);
    const errorBody = (status: number, message: string): unknown =>
      api === "anthropic" ? anthropicError(status, message) : openaiError(status, message);

    let finished = false;
    res.on("close", () => {
      if (!finished) noteAbort();
    });
    const end = (payload?: string): void => {
      finished = true;
      res.end(payload);
    };

    if (!turn) {
      res.writeHead(500, { "content-type": "application/json" });
      end(JSON.stringify(errorBody(500, "stand-in: no scripted turn for this request")));
      return;
    }
    if (isError(turn)) {
      const message =
        turn.status === 401 ? `Incorrect API key provided: ${presentedKey(req.headers)}` : `stand-in error ${turn.status}`;
      res.writeHead(turn.status, { "content-type": "application/json", "request-id": "req_standin", ...turn.headers });
      end(JSON.stringify(turn.body ?? errorBody(turn.status, message)));
      return;
    }
    const streaming = body?.stream === true;
    if (!streaming && isHang(turn)) return; // never answers; `close` records the abort
    if (!streaming) {
      const reply = turn as ReplyTurn;
      res.writeHead(200, { "content-type": "application/json", "request-id": "req_standin" });
      end(JSON.stringify(api === "anthropic" ? anthropicMessage(model, inputTokens, reply) : openaiCompletion(model, inputTokens, reply)));
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "request-id": "req_standin",
    });
    res.flushHeaders();
    const includeUsage = body?.stream_options?.include_usage === true;
    const reply: ReplyTurn = isHang(turn) ? { text: turn.text ?? "" } : turn;
    const frames =
      api === "anthropic" ? anthropicStream(model, inputTokens, reply) : openaiStream(model, inputTokens, reply, includeUsage);
    if (isHang(turn)) {
      // The stream begins (and sends the text, if any) but never reaches its closing frames.
      const closing = api === "anthropic" ? 3 : includeUsage ? 3 : 2;
      await writeFrames(res, turn.text ? frames.slice(0, -closing) : frames.slice(0, 1));
      if (turn.streamError) {
        const error = { type: turn.streamError, message: `stand-in ${turn.streamError}` };
        const frame = api === "anthropic" ? `event: error\ndata: ${JSON.stringify({ type: "error", error })}\n\n` : `data: ${JSON.stringify({ error })}\n\n`;
        if (await writeFrames(res, [frame])) end();
        return;
      }
      if (turn.drop) {
        finished = true; // our doing, not the client's
        res.socket?.destroy();
      }
      return; // stalls until the client aborts
    }
    if (await writeFrames(res, frames)) end();
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    anthropicBaseUrl: origin,
    openaiBaseUrl: `${origin}/v1`,
    requests,
    enqueue: (...turns) => void queue.push(...turns),
    respondWith: (fn) => void (responder = fn),
    pending: () => queue.length,
    requestSeen: (count) =>
      count <= requests.length ? Promise.resolve() : new Promise<void>((resolve) => requestWaiters.push({ count, resolve })),
    aborted: (count = 1) =>
      count <= abortCount ? Promise.resolve() : new Promise<void>((resolve) => abortWaiters.push({ count, resolve })),
    get abortCount() {
      return abortCount;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
