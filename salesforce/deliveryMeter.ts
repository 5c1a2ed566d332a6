/**
 * Counts the event deliveries this instance received. Every event delivered to every subscriber
 * counts against the org's 24-hour event delivery allocation (50,000 by default on Unlimited
 * Edition), redeliveries after a reconnect or a replay included: this is the share one instance
 * uses. Counted in hourly buckets over the last 24 hours; a warning is logged once when the
 * configured share of the allocation is reached (and again after usage fell below it).
 */
import type { Log } from '../util/log';

export interface DeliveryAllocation {
  /** The org's 24-hour delivery allocation. */
  perDay: number;
  /** Share of `perDay` (0 < share <= 1) at which a warning is logged. */
  warnShare: number;
}

export interface DeliveryReport {
  /** Deliveries to this instance in the last 24 hours. */
  last24h: number;
  /** Deliveries since start. */
  total: number;
  allocationPerDay: number;
  /** last24h / allocationPerDay, rounded to 4 decimals. */
  usedShare: number;
  /** True once usedShare reached the configured warning share. */
  warning: boolean;
}

const HOUR_MS = 3_600_000;

export class DeliveryMeter {
  private readonly buckets = new Map<number, number>();
  private total = 0;
  private warned = false;

  constructor(
    private allocation: DeliveryAllocation,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {}

  /** The org's 24-hour allocation as read from its /limits (orgLimits.ts), replacing the configured one. */
  setAllocationPerDay(perDay: number): void {
    if (Number.isFinite(perDay) && perDay > 0) this.allocation = { ...this.allocation, perDay };
  }

  delivered(count: number): void {
    const hour = Math.floor(this.now() / HOUR_MS);
    const threshold = this.allocation.perDay * this.allocation.warnShare;
    if (this.last24h(hour) < threshold) this.warned = false; // usage fell back below since the last warning
    this.buckets.set(hour, (this.buckets.get(hour) ?? 0) + count);
    this.total += count;
    const last24h = this.last24h(hour);
    const reached = last24h >= threshold;
    if (reached && !this.warned) {
      this.log.warn(
        { deliveriesLast24h: last24h, allocationPerDay: this.allocation.perDay, warnShare: this.allocation.warnShare },
        'event deliveries to this instance reached the warning share of the org\u2019s 24-hour delivery allocation',
      );
    }
    if (reached) this.warned = true;
  }

  report(): DeliveryReport {
    const last24h = this.last24h(Math.floor(this.now() / HOUR_MS));
    return {
      last24h,
      total: this.total,
      allocationPerDay: this.allocation.perDay,
      usedShare: Math.round((last24h / this.allocation.perDay) * 10_000) / 10_000,
      warning: last24h >= this.allocation.perDay * this.allocation.warnShare,
    };
  }

  private last24h(hour: number): number {
    let sum = 0;
    for (const [bucket, count] of this.buckets) {
      if (bucket <= hour - 24) this.buckets.delete(bucket);
      else sum += count;
    }
    return sum;
  }
}
