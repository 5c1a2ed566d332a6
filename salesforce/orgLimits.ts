/**
 * The org's platform event allocations, read from `GET /services/data/vXX.X/limits` instead of
 * assumed: `DailyDeliveredPlatformEvents` (high-volume events delivered to API subscribers — Pub/Sub
 * API, CometD, empApi — in 24 hours, org-wide) and `HourlyPublishedPlatformEvents` (published in
 * the last hour). Salesforce's guide polls this resource hourly ("Monitor Platform Event Usage"). The
 * resource needs the View Setup and Configuration permission (Cowork_Bot grants it); without it, the
 * limits are not read, the configured allocation (COWORK_EVENT_DELIVERY_ALLOCATION) stays, and that
 * is logged once.
 */
import type { Log } from '../util/log';
import { salesforceErrorCode, type RestApi } from './restApi';

export interface Allocation {
  used: number;
  allowed: number;
}

export interface OrgAllocations {
  /** 'org': read from /limits; 'configured': /limits could not be read, the configured figure is used. */
  source: 'org' | 'configured';
  deliveredLast24h?: Allocation;
  publishedLastHour?: Allocation;
  /** When the figures were read (ms since epoch). */
  readAt?: number;
}

type LimitsBody = Record<string, { Max?: number; Remaining?: number } | undefined>;

const HOUR_MS = 3_600_000;

export class OrgLimits {
  private last: OrgAllocations = { source: 'configured' };
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<OrgAllocations> | undefined;
  private reportedRefusal = false;

  constructor(
    private readonly rest: RestApi,
    private readonly log: Log,
    /** Told the org's 24-hour delivery allocation each time it is read. */
    private readonly onDeliveryAllocation: (perDay: number) => void,
    private readonly now: () => number = Date.now,
    private readonly maxAgeMs = HOUR_MS,
  ) {}

  /** The allocations, read again when older than an hour; never throws (a failure keeps the last figures). */
  current(): Promise<OrgAllocations> {
    if (this.now() - this.readAt < this.maxAgeMs) return Promise.resolve(this.last);
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<OrgAllocations> {
    try {
      const body = await this.rest.get<LimitsBody>('limits');
      const entry = (name: string): Allocation | undefined => {
        const e = body[name];
        return typeof e?.Max === 'number' && typeof e.Remaining === 'number' ? { used: e.Max - e.Remaining, allowed: e.Max } : undefined;
      };
      const deliveredLast24h = entry('DailyDeliveredPlatformEvents');
      const publishedLastHour = entry('HourlyPublishedPlatformEvents');
      this.last = {
        source: 'org',
        ...(deliveredLast24h ? { deliveredLast24h } : {}),
        ...(publishedLastHour ? { publishedLastHour } : {}),
        readAt: this.now(),
      };
      if (deliveredLast24h && deliveredLast24h.allowed > 0) this.onDeliveryAllocation(deliveredLast24h.allowed);
    } catch (error) {
      const code = salesforceErrorCode(error);
      if (!this.reportedRefusal) {
        this.reportedRefusal = true;
        this.log.warn(
          { errorCode: code },
          code === 'INSUFFICIENT_ACCESS' || code === 'INSUFFICIENT_ACCESS_OR_READONLY'
            ? "the org's /limits cannot be read: grant the integration user View Setup and Configuration (the Cowork_Bot permission set does); until then the event delivery allocation is COWORK_EVENT_DELIVERY_ALLOCATION"
            : "the org's /limits could not be read; the event delivery allocation stays as configured (COWORK_EVENT_DELIVERY_ALLOCATION)",
        );
      }
    }
    this.readAt = this.now();
    return this.last;
  }
}
