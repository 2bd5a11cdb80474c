/**
 * Retries and fallbacks with the real SDKs against the stand-in: 401 is not retried, 429 waits for
 * Retry-After then succeeds, repeated 500s exhaust the retries and the next candidate answers. Waits go
 * through an injected sleep (recorded, not slept), so nothing depends on the machine's speed.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, test } from "node:test";
import { configSchema } from "../../src/config/index.js";
import {
  ProviderError,
  ProviderRegistry,
  streamWithFallback,
  type FallbackStreamEvent,
  type ModelRequest,
} from "../../src/agents/providers/index.js";
import { startModelStandIn, type StandIn } from "../helpers/model-standin.js";

let standIn: StandIn;
before(async () => {
  standIn = await startModelStandIn();
});
after(() => standIn.close());

const keys = { anthropic: crypto.randomBytes(24).toString("hex"), local: crypto.randomBytes(24).toString("hex") };

function registry(): ProviderRegistry {
  const cfg = configSchema.parse({
    models: {
      anthropic: { baseUrl: standIn.anthropicBaseUrl, apiKey: keys.anthropic, maxRetries: 2, retryBaseMs: 100 },
      local: { api: "openai-completions", baseUrl: standIn.openaiBaseUrl, apiKey: keys.local, maxRetries: 0 },
    },
    agents: { main: { model: "anthropic/claude-test", fallbacks: ["local/qwen-test"] } },
  });
  return new ProviderRegistry(cfg.models);
}

const req: Omit<ModelRequest, "model"> = { messages: [{ role: "user", text: "hi" }], tools: [], maxOutputTokens: 64 };

async function run(waits: number[]): Promise<FallbackStreamEvent[]> {
  const candidates = registry().candidates({ model: "anthropic/claude-test", fallbacks: ["local/qwen-test"] }, "main");
  const out: FallbackStreamEvent[] = [];
  const sleep = async (ms: number): Promise<void> => void waits.push(ms);
  for await (const ev of streamWithFallback(candidates, req, new AbortController().signal, { sleep, random: () => 0.5 }))
    out.push(ev);
  return out;
}

const textOf = (events: FallbackStreamEvent[]): string =>
  events.map((e) => (e.type === "text" ? e.delta : "")).join("");

test("429 with Retry-After: waits what the provider asked, then the same provider answers once", async () => {
  const before = standIn.requests.length;
  standIn.enqueue({ status: 429, headers: { "retry-after": "3" } }, { text: "answer after waiting" });
  const waits: number[] = [];
  const events = await run(waits);
  assert.deepEqual(waits, [3000]);
  assert.equal(textOf(events), "answer after waiting");
  const done = events.at(-1)!;
  assert.equal(done.type, "done");
  assert.deepEqual([done.provider, done.model], ["anthropic", "claude-test"]);
  assert.deepEqual(
    done.attempts?.map((a) => [a.provider, a.error?.kind ?? "ok"]),
    [
      ["anthropic", "rate_limited"],
      ["anthropic", "ok"],
    ],
  );
  assert.equal(standIn.requests.length - before, 2);
});

test("500 on every retry: backoff doubles, then the fallback provider (another API) answers", async () => {
  const before = standIn.requests.length;
  standIn.enqueue({ status: 500 }, { status: 503 }, { status: 500 }, { text: "from the fallback" });
  const waits: number[] = [];
  const events = await run(waits);
  // retryBaseMs 100, random 0.5 → factor 0.75: 75 then 150.
  assert.deepEqual(waits, [75, 150]);
  assert.equal(textOf(events), "from the fallback");
  assert.ok(events.every((e) => e.provider === "local" && e.model === "qwen-test"));
  const apis = standIn.requests.slice(before).map((r) => r.api);
  assert.deepEqual(apis, ["anthropic", "anthropic", "anthropic", "openai"]);
  assert.equal(events.at(-1)?.attempts?.length, 4);
});

test("401 is not retried: one request to that provider, then the fallback; neither key in any message", async () => {
  const before = standIn.requests.length;
  standIn.enqueue({ status: 401 }, { status: 401 });
  const waits: number[] = [];
  const err = await run(waits).then(
    () => assert.fail("expected failure"),
    (e: unknown) => e as ProviderError,
  );
  assert.ok(err instanceof ProviderError);
  assert.equal(err.kind, "auth");
  assert.deepEqual(waits, []);
  assert.deepEqual(
    standIn.requests.slice(before).map((r) => r.api),
    ["anthropic", "openai"],
  );
  for (const key of Object.values(keys)) assert.ok(!err.message.includes(key) && !String(err.stack).includes(key));
  assert.match(err.message, /every model failed \(2 attempts\)/);
});

test("a reply broken off after text was streamed is not retried or handed to a fallback (no duplicated text)", async () => {
  const before = standIn.requests.length;
  standIn.enqueue({ hang: true, drop: true, text: "half an answer" }, { text: "must not be used" });
  let text = "";
  const waits: number[] = [];
  const err = await (async () => {
    const candidates = registry().candidates({ model: "anthropic/claude-test", fallbacks: ["local/qwen-test"] }, "main");
    const sleep = async (ms: number): Promise<void> => void waits.push(ms);
    for await (const ev of streamWithFallback(candidates, req, new AbortController().signal, { sleep }))
      if (ev.type === "text") text += ev.delta;
  })().then(
    () => assert.fail("expected failure"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProviderError, String(err));
  assert.equal(text, "half an answer");
  assert.deepEqual(waits, []);
  assert.equal(standIn.requests.length - before, 1);
  assert.equal(err.kind, "network");
  assert.equal(standIn.pending(), 1); // the second scripted reply was never asked for
});
