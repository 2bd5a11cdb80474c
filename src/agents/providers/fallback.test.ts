/** The retry/fallback policy on its own (scripted providers; sleeps recorded, never slept). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffMs, sleepWithSignal, streamWithFallback, type Candidate } from "./fallback.js";
import { ProviderError, type ModelProvider, type ModelStreamEvent } from "./types.js";

type Step = ProviderError | ModelStreamEvent[];

/** A provider answering each call with the next step: an error thrown at once, or events. */
function scripted(id: string, steps: Step[]): ModelProvider & { calls: number } {
  const p = {
    id,
    api: "openai-completions" as const,
    calls: 0,
    async *stream(): AsyncGenerator<ModelStreamEvent> {
      const step = steps[p.calls++];
      if (!step) throw new Error("unscripted call");
      if (step instanceof ProviderError) throw step;
      yield* step;
    },
  };
  return p;
}

const ok = (text: string): ModelStreamEvent[] => [
  { type: "text", delta: text },
  { type: "done", stopReason: "end_turn", usage: { inputTokens: 1, outputTokens: 1 } },
];
const cand = (provider: ModelProvider, maxRetries = 2): Candidate => ({ provider, model: `${provider.id}-m`, maxRetries, retryBaseMs: 1000 });
const req = { messages: [], tools: [], maxOutputTokens: 10 };

async function drive(candidates: Candidate[], waits: number[] = [], signal = new AbortController().signal) {
  const events = [];
  const sleep = async (ms: number): Promise<void> => void waits.push(ms);
  for await (const ev of streamWithFallback(candidates, req, signal, { sleep, random: () => 0 })) events.push(ev);
  return events;
}

test("retryable kinds are retried up to maxRetries with doubling backoff; others go straight to the next candidate", async () => {
  for (const [err, retried] of [
    [new ProviderError("rate_limited", "429", 429), true],
    [new ProviderError("server", "500", 500), true],
    [new ProviderError("network", "reset"), true],
    [new ProviderError("auth", "401", 401), false],
    [new ProviderError("auth", "403", 403), false],
    [new ProviderError("bad_request", "400", 400), false],
    [new ProviderError("protocol", "bad json"), false],
  ] as const) {
    const a = scripted("a", [err, err, err]);
    const b = scripted("b", [ok("from b")]);
    const waits: number[] = [];
    const events = await drive([cand(a), cand(b)], waits);
    assert.equal(a.calls, retried ? 3 : 1, err.message);
    // random 0 → the lower jitter bound, half the exponential step.
    assert.deepEqual(waits, retried ? [500, 1000] : [], err.message);
    assert.equal(events.at(-1)?.provider, "b");
  }
});

test("an abort is never retried and no fallback is tried", async () => {
  const a = scripted("a", [new ProviderError("aborted", "aborted")]);
  const b = scripted("b", [ok("x")]);
  await assert.rejects(drive([cand(a), cand(b)]), (e: unknown) => e instanceof ProviderError && e.kind === "aborted");
  assert.equal(b.calls, 0);
});

test("a failure after the first yielded event is thrown as is", async () => {
  const broken: ModelProvider = {
    id: "a",
    api: "anthropic-messages",
    async *stream() {
      yield { type: "text", delta: "partial" };
      throw new ProviderError("server", "overloaded mid-stream");
    },
  };
  const b = scripted("b", [ok("x")]);
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const ev of streamWithFallback([cand(broken), cand(b)], req, new AbortController().signal, { sleep: async () => {} }))
      if (ev.type === "text") seen.push(ev.delta);
  }, /overloaded mid-stream/);
  assert.deepEqual(seen, ["partial"]);
  assert.equal(b.calls, 0);
});

test("Retry-After wins over the backoff; one longer than the cap moves to the next candidate without waiting", async () => {
  const soon = new ProviderError("rate_limited", "429", 429, 2.5);
  assert.equal(backoffMs(0, 1000, soon, () => 0.9, 30_000), 2500);
  const later = new ProviderError("rate_limited", "429", 429, 3600);
  assert.equal(backoffMs(0, 1000, later, () => 0.9, 30_000), undefined);
  const a = scripted("a", [later]);
  const b = scripted("b", [ok("b")]);
  const waits: number[] = [];
  await drive([cand(a), cand(b)], waits);
  assert.deepEqual([a.calls, waits], [1, []]);
  // Exponential growth is capped, and jitter keeps it within [half, full].
  const e = new ProviderError("server", "500", 500);
  assert.equal(backoffMs(10, 1000, e, () => 0.999999, 30_000), 30_000);
  for (const r of [0, 0.3, 0.999]) {
    const w = backoffMs(2, 1000, e, () => r, 30_000)!;
    assert.ok(w >= 2000 && w <= 4000, String(w));
  }
});

test("every candidate failing throws the last kind with each attempt summarised; no candidates is an error", async () => {
  const a = scripted("a", [new ProviderError("server", "a: HTTP 500", 500)]);
  const b = scripted("b", [new ProviderError("auth", "b: HTTP 401", 401)]);
  await assert.rejects(drive([cand(a, 0), cand(b, 0)]), (e: unknown) => {
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "auth");
    assert.match(e.message, /every model failed \(2 attempts\).*a: HTTP 500.*b: HTTP 401/);
    return true;
  });
  await assert.rejects(drive([]), /no model is configured/);
});

test("the default sleep rejects as aborted when the signal fires", async () => {
  const ac = new AbortController();
  const p = sleepWithSignal(60_000, ac.signal);
  ac.abort();
  await assert.rejects(p, (e: unknown) => e instanceof ProviderError && e.kind === "aborted");
});
