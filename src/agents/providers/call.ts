/** Pieces both adapters share: the settings they take, a per-call abort scope, and lazy SDK loading. */
import { toProviderError, type SdkErrorClasses } from "./errors.js";
import { ProviderError, type ModelStreamEvent, type ToolCall } from "./types.js";

export type DoneEvent = Extract<ModelStreamEvent, { type: "done" }>;

/** What an adapter needs from `models.<id>` (see src/config/schema.ts). */
export interface ProviderSettings {
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
  /** One model call, the whole streamed response included, is cut off after this long. */
  requestTimeoutMs: number;
}

export interface CallScope {
  /** Fires when the caller aborts or the call's time is up; handed to the SDK so the HTTP request ends. */
  signal: AbortSignal;
  timedOut(): boolean;
  dispose(): void;
}

/** One model call's abort scope: the caller's signal plus the per-call timeout. */
export function callScope(outer: AbortSignal, timeoutMs: number): CallScope {
  const ac = new AbortController();
  let timedOut = false;
  const onAbort = (): void => ac.abort(outer.reason);
  if (outer.aborted) ac.abort(outer.reason);
  else outer.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new Error("model call timed out"));
  }, timeoutMs);
  timer.unref();
  return {
    signal: ac.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      outer.removeEventListener("abort", onAbort);
    },
  };
}

/** Memoises a dynamic import: the SDK module loads on the first model call, never at start-up. */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= load().catch((err: unknown) => {
      p = undefined;
      throw err;
    });
    return p;
  };
}

/**
 * One model call, the part both adapters share: load the SDK, open the stream under the call's abort
 * scope, pass its events on, and turn whatever goes wrong into a ProviderError. `read` returns the `done`
 * event, or undefined when the stream stopped short (`cutShort` then says how, unless it was an abort: the
 * SDKs end their iteration quietly when the request is aborted).
 */
export async function* streamCall<S extends SdkErrorClasses, T>(call: {
  label: string;
  settings: ProviderSettings;
  signal: AbortSignal;
  pkg: string;
  load: () => Promise<S>;
  open: (sdk: S, signal: AbortSignal) => Promise<AsyncIterable<T>>;
  read: (events: AsyncIterable<T>) => AsyncGenerator<ModelStreamEvent, DoneEvent | undefined>;
  cutShort: string;
}): AsyncGenerator<ModelStreamEvent> {
  const { label, settings } = call;
  const sdk = await loadSdkFor(label, call.pkg, call.load);
  const scope = callScope(call.signal, settings.requestTimeoutMs);
  try {
    const done = yield* call.read(await call.open(sdk, scope.signal));
    if (scope.signal.aborted) throw new Error("aborted");
    if (!done) throw new ProviderError("protocol", `${label}: ${call.cutShort}`);
    yield done;
  } catch (err) {
    throw toProviderError(err, { label, apiKey: settings.apiKey, signal: scope.signal, classes: sdk, timedOut: scope.timedOut() });
  } finally {
    scope.dispose();
  }
}

/** Loads an adapter's SDK; a missing package is a clear, non-retryable error. */
export async function loadSdkFor<T>(label: string, pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch {
    throw new ProviderError("protocol", `${label}: the ${pkg} package could not be loaded (npm ci)`);
  }
}

/** Parses a tool call's streamed argument JSON; an empty string is `{}`, anything but an object is an error. */
export function parseToolArgs(label: string, call: { id: string; name: string; json: string }): ToolCall {
  const text = call.json.trim();
  if (text === "") return { id: call.id, name: call.name, args: {} };
  let args: unknown;
  try {
    args = JSON.parse(text);
  } catch {
    throw new ProviderError("protocol", `${label}: tool call "${call.name}" has arguments that are not valid JSON`);
  }
  if (!args || typeof args !== "object" || Array.isArray(args))
    throw new ProviderError("protocol", `${label}: tool call "${call.name}" has arguments that are not a JSON object`);
  return { id: call.id, name: call.name, args: args as Record<string, unknown> };
}
