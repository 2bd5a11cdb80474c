/** The stand-in speaks both wire formats well enough for the vendors' own SDKs to parse them. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startModelStandIn, type StandIn } from "./model-standin.js";

let standIn: StandIn;
before(async () => {
  standIn = await startModelStandIn();
});
after(() => standIn.close());

test("Anthropic SDK: streamed text and a tool call assemble into the final message", async () => {
  const client = new Anthropic({ apiKey: "k-test", baseURL: standIn.anthropicBaseUrl, maxRetries: 0 });
  standIn.enqueue({ text: "Hello there, world.", toolCalls: [{ name: "read", args: { path: "/tmp/a b", n: [1, 2] } }] });
  const stream = client.messages.stream({ model: "m", max_tokens: 100, messages: [{ role: "user", content: "hi" }] });
  const msg = await stream.finalMessage();
  assert.deepEqual(
    msg.content.map((b) => (b.type === "text" ? b.text : b.type === "tool_use" ? b.input : b.type)),
    ["Hello there, world.", { path: "/tmp/a b", n: [1, 2] }],
  );
  assert.equal(msg.stop_reason, "tool_use");
  const headers = standIn.requests.at(-1)?.headers ?? {};
  assert.ok(headers["x-api-key"] === "k-test" || headers.authorization === "Bearer k-test");
});

test("OpenAI SDK: streamed text and tool calls assemble; [DONE] ends the stream", async () => {
  const client = new OpenAI({ apiKey: "k-test", baseURL: standIn.openaiBaseUrl, maxRetries: 0 });
  standIn.enqueue({ text: "Hi you", toolCalls: [{ name: "a", args: { x: 1 } }, { name: "b", args: {} }] });
  const stream = client.chat.completions.stream({
    model: "m",
    messages: [{ role: "user", content: "hi" }],
    stream_options: { include_usage: true },
  });
  const done = await stream.finalChatCompletion();
  const m = done.choices[0]!.message;
  assert.equal(m.content, "Hi you");
  assert.deepEqual(
    m.tool_calls?.map((c) => (c.type === "function" ? [c.function.name, JSON.parse(c.function.arguments)] : [])),
    [["a", { x: 1 }], ["b", {}]],
  );
  assert.equal(done.choices[0]!.finish_reason, "tool_calls");
  assert.ok(done.usage && done.usage.completion_tokens > 0);
});

test("a hung stream is seen as aborted when the client gives up", async () => {
  const client = new OpenAI({ apiKey: "k", baseURL: standIn.openaiBaseUrl, maxRetries: 0 });
  standIn.enqueue({ hang: true });
  const ac = new AbortController();
  const before = standIn.abortCount;
  const stream = await client.chat.completions.create({ model: "m", messages: [], stream: true }, { signal: ac.signal });
  for await (const chunk of stream) {
    assert.equal(chunk.choices[0]?.delta.role, "assistant");
    ac.abort();
  }
  await standIn.aborted(before + 1);
});

test("non-streaming replies: both SDKs parse the JSON bodies, tool calls included", async () => {
  const anthropic = new Anthropic({ apiKey: "k", baseURL: standIn.anthropicBaseUrl, maxRetries: 0 });
  standIn.enqueue({ text: "plain", toolCalls: [{ name: "read", args: { path: "x" } }] });
  const msg = await anthropic.messages.create({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
  assert.deepEqual(
    msg.content.map((b) => (b.type === "text" ? b.text : b.type === "tool_use" ? [b.name, b.input] : b.type)),
    ["plain", ["read", { path: "x" }]],
  );
  assert.equal(msg.stop_reason, "tool_use");
  const openai = new OpenAI({ apiKey: "k", baseURL: standIn.openaiBaseUrl, maxRetries: 0 });
  standIn.enqueue({ text: "plain too" });
  const done = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
  assert.equal(done.choices[0]?.message.content, "plain too");
  assert.equal(done.choices[0]?.finish_reason, "stop");
});

test("error replies carry the vendor's error shape and headers to the SDK", async () => {
  const anthropic = new Anthropic({ apiKey: "k", baseURL: standIn.anthropicBaseUrl, maxRetries: 0 });
  standIn.enqueue({ status: 429, headers: { "retry-after": "9" } });
  await assert.rejects(anthropic.messages.create({ model: "m", max_tokens: 10, messages: [] }), (e: any) => {
    assert.equal(e.status, 429);
    assert.equal(e.headers.get("retry-after"), "9");
    assert.equal(e.error?.error?.type, "rate_limit_error");
    return true;
  });
  const openai = new OpenAI({ apiKey: "k", baseURL: standIn.openaiBaseUrl, maxRetries: 0 });
  standIn.enqueue({ status: 500 });
  await assert.rejects(openai.chat.completions.create({ model: "m", messages: [] }), (e: any) => e.status === 500 && e.type === "server_error");
});
