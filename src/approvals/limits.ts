export const APPROVAL_DEFAULTS = Object.freeze({
  timeoutMs: 120_000,
  maxPendingPerRequester: 20,
  maxPending: 500,
  rememberResolved: 1000,
  /** A decider's reason is cut to this many characters. */
  maxReasonLength: 500,
});

/** A positive integer option, or its default; anything else is a programming error. */
export function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer`);
  return v;
}
