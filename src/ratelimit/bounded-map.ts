/**
 * A keyed map with a hard size bound, shared by the in-memory limiters.
 *
 * - Entries that are expired at `now` are invisible to `get` and are swept
 *   at most once per `sweepIntervalMs` (amortised; no timers to leak).
 * - Inserting a new key into a full map first sweeps, then evicts the oldest
 *   entry (insertion order; `set` moves a key to the back). Entries for which
 *   `isProtected` holds (an active lockout) are skipped while looking for a
 *   victim among the oldest `PROTECTED_SCAN` entries, so flooding the map
 *   with fresh keys does not cheaply free a locked-out address.
 */

export interface BoundedMapOptions<V> {
  maxKeys: number;
  sweepIntervalMs: number;
  isExpired: (value: V, now: number) => boolean;
  isProtected?: (value: V, now: number) => boolean;
}

const PROTECTED_SCAN = 64;

export class BoundedMap<V> {
  private readonly entries = new Map<string, V>();
  private nextSweepAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: BoundedMapOptions<V>) {
    if (!Number.isInteger(opts.maxKeys) || opts.maxKeys < 1) throw new RangeError("maxKeys must be a positive integer");
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): V | undefined {
    this.maybeSweep(now);
    const v = this.entries.get(key);
    if (v === undefined) return undefined;
    if (this.opts.isExpired(v, now)) {
      this.entries.delete(key);
      return undefined;
    }
    return v;
  }

  set(key: string, value: V, now: number): void {
    const existed = this.entries.delete(key);
    if (!existed && this.entries.size >= this.opts.maxKeys) {
      this.sweep(now);
      if (this.entries.size >= this.opts.maxKeys) this.evictOne(now);
    }
    this.entries.set(key, value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  maybeSweep(now: number): void {
    if (now >= this.nextSweepAt) this.sweep(now);
  }

  sweep(now: number): void {
    this.nextSweepAt = now + this.opts.sweepIntervalMs;
    for (const [k, v] of this.entries) if (this.opts.isExpired(v, now)) this.entries.delete(k);
  }

  private evictOne(now: number): void {
    let scanned = 0;
    let oldest: string | undefined;
    for (const [k, v] of this.entries) {
      oldest ??= k;
      if (!this.opts.isProtected?.(v, now)) {
        this.entries.delete(k);
        return;
      }
      if (++scanned >= PROTECTED_SCAN) break;
    }
    if (oldest !== undefined) this.entries.delete(oldest);
  }
}
