/**
 * The provider adapters through the real SDKs (`@anthropic-ai/sdk`, `openai`) against the loopback stand-in:
 * streaming, tool calls assembled from split deltas, transcript mapping, error kinds, abort, timeout, and
 * the key never leaving the request header.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, describe, test } from "node:test";
import { configSchema } from "../../src/config/index.js";
import {
  createProvider,
  ProviderError,
  type ChatMessage,
  type ModelProvider,
  type ModelRequest,
  type ModelStreamEvent,
} from "../../src/agents/providers/index.js";
import { TOOL_ERROR_PREFIX } from "../../src/agents/providers/openai-completions.js";
import { startModelStandIn, type StandIn } from "../helpers/model-standin.js";

// Begins with "-" and holds "_": key-shaped, and awkward for anything that parses it.
const newKey = (): string => `-${crypto.randomBytes(24).toString("base64url")}_k`;

let standIn: StandIn;
before(async () => {
  standIn = await startModelStandIn();
});
after(() => standIn.close());

function provider(id: string, extra: Record<string, unknown>): ModelProvider {
  const cfg = configSchema.parse({ models: { [id]: extra } }).models[id]!;
  return createProvider(id, cfg);
}

const request = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  model: "stand-in-model",
  system: "You are a test.",
  messages: [{ role: "user", text: "hello" }],
  tools: [],
  maxOutputTokens: 256,
  ...over,
});

async function collect(p: ModelProvider, req: ModelRequest, signal = new AbortController().signal): Promise<ModelStreamEvent[]> {
  const out: ModelStreamEvent[] = [];
  for await (const ev of p.stream(req, signal)) out.push(ev);
  return out;
}

async function failure(p: ModelProvider, req: ModelRequest, signal?: AbortSignal): Promise<ProviderError> {
  try {
    await collect(p, req, signal);
  } catch (err) {
    assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the call to fail");
}

const readTool = { name: "read", description: "Read a file", inputSchema: { type: "object", properties: { path: { type: "string" } } } };

const transcript: ChatMessage[] = [
  { role: "user", text: "look at two files" },
  {
    role: "assistant",
    text: "Reading.",
    toolCalls: [
      { id: "call_1", name: "read", args: { path: "a" } },
      { id: "call_2", name: "read", args: { path: "b" } },
    ],
  },
  { role: "tool", toolCallId: "call_1", name: "read", text: "A", isError: false },
  { role: "tool", toolCallId: "call_2", name: "read", text: "denied by policy", isError: true },
  { role: "user", text: "and?" },
];

const apis = [
  { id: "anthropic", cfg: () => ({ baseUrl: standIn.anthropicBaseUrl }) },
  { id: "openai", cfg: () => ({ baseUrl: standIn.openaiBaseUrl }) },
] as const;

for (const api of apis) {
  describe(`${api.id} adapter`, () => {
    test("streams text in several deltas, then done with stop reason and usage", async () => {
      const key = newKey();
      const p = provider(api.id, { ...api.cfg(), apiKey: key });
      standIn.enqueue({ text: "Hello there, this arrives in pieces." });
      const events = await collect(p, request());
      const texts = events.filter((e) => e.type === "text");
      assert.ok(texts.length >= 5, "several deltas");
      assert.equal(texts.map((e) => e.delta).join(""), "Hello there, this arrives in pieces.");
      const done = events.at(-1);
      assert.equal(done?.type, "done");
      assert.equal(done.type === "done" && done.stopReason, "end_turn");
      assert.ok(done.type === "done" && done.usage.inputTokens > 0 && done.usage.outputTokens > 0);
      const rec = standIn.requests.at(-1)!;
      assert.equal(rec.body.stream, true);
      assert.equal(rec.body.model, "stand-in-model");
      // The key travels only in the auth header.
      assert.ok(rec.headers.authorization === `Bearer ${key}` || rec.headers["x-api-key"] === key);
      assert.ok(!JSON.stringify(rec.body).includes(key));
    });

    test("a tool call whose arguments arrive split across deltas is emitted once, parsed", async () => {
      const p = provider(api.id, { ...api.cfg(), apiKey: newKey() });
      const args = { path: "/tmp/dir with spaces/ü.txt", lines: [1, 2, 3], opts: { follow: false } };
      standIn.enqueue({ text: "Let me look.", toolCalls: [{ name: "read", args }, { name: "glob", args: {} }] });
      const events = await collect(p, request({ tools: [readTool] }));
      const calls = events.filter((e) => e.type === "tool_call").map((e) => e.call);
      assert.deepEqual(
        calls.map((c) => [c.name, c.args]),
        [
          ["read", args],
          ["glob", {}],
        ],
      );
      assert.ok(calls.every((c) => c.id.length > 0) && calls[0]!.id !== calls[1]!.id);
      const done = events.at(-1);
      assert.equal(done?.type === "done" && done.stopReason, "tool_use");
      const sent = standIn.requests.at(-1)!.body;
      const tool = api.id === "anthropic" ? sent.tools[0] : sent.tools[0].function;
      assert.equal(tool.name, "read");
      assert.deepEqual(api.id === "anthropic" ? tool.input_schema : tool.parameters, readTool.inputSchema);
    });

    test("a 401 is an auth error, not retryable, and never contains the key the vendor echoed", async () => {
      const key = newKey();
      const p = provider(api.id, { ...api.cfg(), apiKey: key });
      standIn.enqueue({ status: 401 });
      const err = await failure(p, request());
      assert.equal(err.kind, "auth");
      assert.equal(err.status, 401);
      assert.equal(err.retryable, false);
      assert.match(err.message, /HTTP 401/);
      assert.ok(!err.message.includes(key) && !JSON.stringify(err).includes(key) && !String(err.stack).includes(key));
    });

    test("429 carries Retry-After; 500/529 are server errors; 400 a bad request", async () => {
      const p = provider(api.id, { ...api.cfg(), apiKey: newKey() });
      standIn.enqueue({ status: 429, headers: { "retry-after": "7" } }, { status: 529 }, { status: 500 }, { status: 400 });
      const rate = await failure(p, request());
      assert.deepEqual([rate.kind, rate.retryAfterSec, rate.retryable], ["rate_limited", 7, true]);
      assert.equal((await failure(p, request())).kind, "server");
      assert.equal((await failure(p, request())).kind, "server");
      const bad = await failure(p, request());
      assert.deepEqual([bad.kind, bad.retryable], ["bad_request", false]);
    });

    test("abort mid-stream cancels the HTTP request: the stand-in sees the client leave", async () => {
      const p = provider(api.id, { ...api.cfg(), apiKey: newKey() });
      standIn.enqueue({ hang: true, text: "partial answer" });
      const ac = new AbortController();
      const abortsBefore = standIn.abortCount;
      const seen: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const ev of p.stream(request(), ac.signal)) {
            if (ev.type === "text") seen.push(ev.delta);
            if (seen.join("") === "partial answer") ac.abort();
          }
        })(),
        (err: unknown) => err instanceof ProviderError && err.kind === "aborted" && !err.retryable,
      );
      await standIn.aborted(abortsBefore + 1);
    });

    test("the per-call timeout ends a stalled stream as a retryable network error", async () => {
      const p = provider(api.id, { ...api.cfg(), apiKey: newKey(), requestTimeoutMs: 200 });
      standIn.enqueue({ hang: true });
      const abortsBefore = standIn.abortCount;
      const err = await failure(p, request());
      assert.deepEqual([err.kind, err.retryable], ["network", true]);
      assert.match(err.message, /timed out/);
      await standIn.aborted(abortsBefore + 1);
    });

    test("an error event inside the stream (vendor overloaded) is a server error", async () => {
      const p = provider(api.id, { ...api.cfg(), apiKey: newKey() });
      standIn.enqueue({ hang: true, text: "so far", streamError: api.id === "anthropic" ? "overloaded_error" : "server_error" });
      const err = await failure(p, request());
      assert.deepEqual([err.kind, err.retryable], ["server", true]);
      assert.match(err.message, /error in stream/);
    });

    test("an unreachable server is a network error naming no URL or key", async () => {
      const key = newKey();
      const closed = await startModelStandIn();
      await closed.close(); // its port now refuses connections
      const p = provider(api.id, { baseUrl: api.id === "anthropic" ? closed.anthropicBaseUrl : closed.openaiBaseUrl, apiKey: key });
      const err = await failure(p, request());
      assert.equal(err.kind, "network");
      assert.ok(!err.message.includes(key) && !err.message.includes("127.0.0.1"));
    });
  });
}

test("anthropic: transcript maps tool_use blocks and tool_result blocks (with is_error) ahead of user text", async () => {
  const p = provider("anthropic", { baseUrl: standIn.anthropicBaseUrl, apiKey: newKey() });
  standIn.enqueue({ text: "ok" });
  await collect(p, request({ messages: transcript }));
  const { body } = standIn.requests.at(-1)!;
  assert.equal(body.system, "You are a test.");
  assert.deepEqual(body.messages, [
    { role: "user", content: [{ type: "text", text: "look at two files" }] },
    {
      role: "assistant",
      content: [
        { type: "text", text: "Reading." },
        { type: "tool_use", id: "call_1", name: "read", input: { path: "a" } },
        { type: "tool_use", id: "call_2", name: "read", input: { path: "b" } },
      ],
    },
    {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "call_1", content: "A" },
        { type: "tool_result", tool_use_id: "call_2", content: "denied by policy", is_error: true },
        { type: "text", text: "and?" },
      ],
    },
  ]);
});

test("openai: transcript maps tool_calls and role:tool messages; a failed result is marked in its text", async () => {
  const p = provider("openai", { baseUrl: standIn.openaiBaseUrl, apiKey: newKey() });
  standIn.enqueue({ text: "ok" });
  await collect(p, request({ messages: transcript }));
  const { body } = standIn.requests.at(-1)!;
  assert.deepEqual(body.messages, [
    { role: "system", content: "You are a test." },
    { role: "user", content: "look at two files" },
    {
      role: "assistant",
      content: "Reading.",
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "read", arguments: '{"path":"a"}' } },
        { id: "call_2", type: "function", function: { name: "read", arguments: '{"path":"b"}' } },
      ],
    },
    { role: "tool", tool_call_id: "call_1", content: "A" },
    { role: "tool", tool_call_id: "call_2", content: `${TOOL_ERROR_PREFIX}denied by policy` },
    { role: "user", content: "and?" },
  ]);
  // A compatible server (not api.openai.com) gets max_tokens; usage is asked for.
  assert.equal(body.max_tokens, 256);
  assert.deepEqual(body.stream_options, { include_usage: true });
});

test("a provider without a key sends no credentials at all, even with the vendors' variables in the environment", async () => {
  const envKeys = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"];
  const saved = envKeys.map((k) => [k, process.env[k]] as const);
  const planted = newKey();
  for (const k of envKeys) process.env[k] = k.endsWith("BASE_URL") ? "http://192.0.2.1:9" : planted;
  try {
    const p = provider("local", { api: "openai-completions", baseUrl: standIn.openaiBaseUrl });
    standIn.enqueue({ text: "hi" });
    await collect(p, request());
    const a = provider("anthropic", { baseUrl: standIn.anthropicBaseUrl });
    standIn.enqueue({ text: "hi" });
    await collect(a, request());
    for (const rec of standIn.requests.slice(-2)) {
      assert.equal(rec.headers.authorization, undefined);
      assert.equal(rec.headers["x-api-key"], undefined);
      assert.ok(!JSON.stringify(rec.headers).includes(planted));
    }
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test("createProvider: api defaults by id, and an unknown id needs api", () => {
  assert.equal(provider("anthropic", {}).api, "anthropic-messages");
  assert.equal(provider("openai", {}).api, "openai-completions");
  assert.equal(provider("vllm", { api: "openai-completions" }).api, "openai-completions");
  assert.throws(() => provider("vllm", {}), /models\.vllm\.api is required/);
});
