/**
 * At most `limit` events per key in any `windowMs` (a sliding window, in process memory). Keys with
 * nothing left in the window are forgotten; beyond `maxKeys` the least recently used key is dropped,
 * so a flood of distinct keys costs bounded memory.
 */
import { setNewest } from './boundedMap';

export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one event for `key`, or refuses it: `retryAfterMs` is when the oldest one leaves the window. */
  take(key: string): { ok: true } | { ok: false; retryAfterMs: number } {
    const now = this.now();
    const recent = (this.hits.get(key) ?? []).filter((at) => now - at < this.windowMs);
    this.hits.delete(key);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      return { ok: false, retryAfterMs: Math.max(0, (recent[0] ?? now) + this.windowMs - now) };
    }
    recent.push(now);
    setNewest(this.hits, key, recent, this.maxKeys);
    return { ok: true };
  }
}
