/**
 * Retries and fallbacks around single model calls.
 *
 * Each candidate (the agent's model, then its `fallbacks` in order) gets 1 + `maxRetries` attempts. An
 * attempt that fails with a retryable kind (429, 5xx, network) is retried after an exponential backoff with
 * jitter — `retryBaseMs · 2^n`, scaled by a random factor in [0.5, 1], capped at `maxDelayMs` — or after the
 * provider's Retry-After when it sent one. A Retry-After longer than the cap is not waited for: the next
 * candidate is tried at once. `auth` (401/403), `bad_request` and `protocol` errors are not retried on the same
 * candidate but do move on to the next one (another provider has another key and other limits); `aborted`
 * ends everything.
 *
 * Once an attempt has yielded any event to the caller, the answer is committed to that attempt: a later
 * failure is thrown as is, never retried or handed to a fallback (that would duplicate streamed text).
 *
 * Every yielded event carries the `provider` and `model` that answered; `done` also carries the attempts.
 */
import { ProviderError, type ModelProvider, type ModelRequest, type ModelStreamEvent } from "./types.js";

export interface Candidate {
  provider: ModelProvider;
  model: string;
  /** Retries after the first attempt on retryable errors. */
  maxRetries: number;
  retryBaseMs: number;
}

export interface AttemptRecord {
  provider: string;
  model: string;
  /** Undefined for the attempt that answered. */
  error?: { kind: ProviderError["kind"]; status?: number; message: string };
  /** Milliseconds waited before the next attempt (absent when none followed on this candidate). */
  waitedMs?: number;
}

export interface FallbackOptions {
  /** Waits `ms`, rejecting if `signal` aborts. Default: a real timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** [0, 1). Default Math.random. */
  random?: () => number;
  /** Longest single wait (default 30 s). */
  maxDelayMs?: number;
  /** Called after each failed attempt (logging, metrics). */
  onAttempt?: (attempt: AttemptRecord) => void;
}

export type FallbackStreamEvent = ModelStreamEvent & { provider: string; model: string; attempts?: AttemptRecord[] };

export const DEFAULT_MAX_DELAY_MS = 30_000;

export function sleepWithSignal(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ProviderError("aborted", "aborted while waiting to retry"));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ProviderError("aborted", "aborted while waiting to retry"));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The wait before retry number `retry` (0-based), or undefined when Retry-After asks for more than the cap. */
export function backoffMs(retry: number, baseMs: number, err: ProviderError, random: () => number, maxDelayMs: number): number | undefined {
  if (err.retryAfterSec !== undefined) {
    const ms = Math.ceil(err.retryAfterSec * 1000);
    return ms > maxDelayMs ? undefined : ms;
  }
  const exp = Math.min(maxDelayMs, baseMs * 2 ** retry);
  return Math.round(exp * (0.5 + random() / 2));
}

const asProviderError = (err: unknown): ProviderError =>
  err instanceof ProviderError ? err : new ProviderError("protocol", err instanceof Error ? err.message : String(err));

export async function* streamWithFallback(
  candidates: readonly Candidate[],
  request: Omit<ModelRequest, "model">,
  signal: AbortSignal,
  opts: FallbackOptions = {},
): AsyncGenerator<FallbackStreamEvent> {
  if (candidates.length === 0) throw new ProviderError("bad_request", "no model is configured for this agent");
  const sleep = opts.sleep ?? sleepWithSignal;
  const random = opts.random ?? Math.random;
  const maxDelayMs = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const attempts: AttemptRecord[] = [];
  let last: ProviderError | undefined;

  for (const c of candidates) {
    const tag = { provider: c.provider.id, model: c.model };
    for (let retry = 0; ; retry++) {
      if (signal.aborted) throw new ProviderError("aborted", "the model call was aborted");
      let yielded = false;
      try {
        for await (const ev of c.provider.stream({ ...request, model: c.model }, signal)) {
          yielded = true;
          if (ev.type === "done") {
            attempts.push({ ...tag });
            yield { ...ev, ...tag, attempts };
          } else yield { ...ev, ...tag };
        }
        return;
      } catch (raw) {
        const err = asProviderError(raw);
        if (yielded || err.kind === "aborted") throw err;
        last = err;
        const record: AttemptRecord = { ...tag, error: { kind: err.kind, status: err.status, message: err.message } };
        attempts.push(record);
        const wait = err.retryable && retry < c.maxRetries ? backoffMs(retry, c.retryBaseMs, err, random, maxDelayMs) : undefined;
        if (wait !== undefined) record.waitedMs = wait;
        opts.onAttempt?.(record);
        if (wait === undefined) break; // next candidate
        await sleep(wait, signal);
      }
    }
  }
  const summary = attempts
    .map((a) => `${a.provider}/${a.model}: ${a.error?.message ?? "ok"}`)
    .join("; ");
  throw new ProviderError(last!.kind, `every model failed (${attempts.length} attempts) — ${summary}`, last!.status, last!.retryAfterSec);
}
