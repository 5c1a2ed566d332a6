/**
 * The org's clock, measured from this bot's: every event the bot publishes comes back on its
 * stream with the `CreatedDate` the org stamped, somewhere between the moment the bot sent the
 * publish and the moment the org answered it. That round trip bounds the offset (org − bot):
 *
 *   CreatedDate − answeredAt  ≤  offset  ≤  CreatedDate − sentAt
 *
 * An event is recognised by its topic and replay id (the Publish answer carries it; REST publishes
 * give none and measure nothing), whichever of the answer and the delivery comes first.
 *
 * The narrowest recent bound wins (a quick round trip says more than a slow one). The core asks
 * `toLocal` to read an event's CreatedDate in the bot's time, with a margin of half that bound plus
 * MARGIN_MS; before any measurement it answers `undefined` and the configured allowance
 * (COWORK_EVENT_CLOCK_SKEW_SECONDS) is used instead.
 */
import type { OrgClock } from '../cowork/ports';
import { setNewest } from '../util/boundedMap';

/** Added to the measurement's own uncertainty: the margin stays under a second with round trips under one. */
export const MARGIN_MS = 500;
/** Publishes remembered until their event comes back (the oldest forgotten first). */
const MAX_PENDING = 1000;
/** Measurements kept: the narrowest of them is used. */
const MAX_SAMPLES = 20;
/** A measurement older than this no longer counts (clocks drift, NTP steps). */
const SAMPLE_TTL_MS = 60 * 60 * 1000;

interface Sample {
  lowMs: number;
  highMs: number;
  at: number;
}

export interface OrgClockReport {
  measured: boolean;
  /** Org clock minus bot clock (ms): positive when the org is ahead. */
  offsetMs?: number;
  /** Half the width of the bound the offset was measured within (ms). */
  uncertaintyMs?: number;
  samples: number;
  measuredAt?: string;
}

export class MeasuredOrgClock implements OrgClock {
  private readonly pending = new Map<string, { sentAt: number; answeredAt: number }>();
  /** Deliveries that came before the publish's answer (the stream can be quicker than the RPC). */
  private readonly early = new Map<string, { createdDate: number; deliveredAt: number }>();
  private samples: Sample[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** The bot published the event `key` (topic and replay id): sent at `sentAt`, answered at `answeredAt` (bot clock). */
  published(key: string, sentAt: number, answeredAt: number): void {
    const arrived = this.early.get(key);
    if (arrived) {
      this.early.delete(key);
      // The org stamped it before it was delivered.
      this.sample(arrived.createdDate, sentAt, Math.min(answeredAt, arrived.deliveredAt));
      return;
    }
    remember(this.pending, key, { sentAt, answeredAt });
  }

  /** The event `key` arrived on a stream: when the bot published it, its CreatedDate is a measurement. */
  delivered(key: string, createdDate: number | undefined): void {
    if (createdDate === undefined) return;
    const publish = this.pending.get(key);
    if (!publish) {
      remember(this.early, key, { createdDate, deliveredAt: Date.now() });
      return;
    }
    this.pending.delete(key);
    this.sample(createdDate, publish.sentAt, publish.answeredAt);
  }

  private sample(createdDate: number, sentAt: number, answeredAt: number): void {
    const at = this.now();
    const fresh = this.samples.filter((s) => at - s.at < SAMPLE_TTL_MS);
    this.samples = [...fresh, { lowMs: createdDate - answeredAt, highMs: createdDate - sentAt, at }].slice(-MAX_SAMPLES);
  }

  toLocal(orgTime: number): { at: number; marginMs: number } | undefined {
    const best = this.best();
    if (!best) return undefined;
    const offset = (best.lowMs + best.highMs) / 2;
    return { at: orgTime - offset, marginMs: (best.highMs - best.lowMs) / 2 + MARGIN_MS };
  }

  report(): OrgClockReport {
    const best = this.best();
    if (!best) return { measured: false, samples: 0 };
    return {
      measured: true,
      offsetMs: Math.round((best.lowMs + best.highMs) / 2),
      uncertaintyMs: Math.round((best.highMs - best.lowMs) / 2),
      samples: this.samples.length,
      measuredAt: new Date(best.at).toISOString(),
    };
  }

  private best(): Sample | undefined {
    const at = this.now();
    let best: Sample | undefined;
    for (const s of this.samples) if (at - s.at < SAMPLE_TTL_MS && (!best || s.highMs - s.lowMs < best.highMs - best.lowMs)) best = s;
    return best;
  }
}

/** Adds to a bounded map, forgetting the oldest entry beyond MAX_PENDING. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  setNewest(map, key, value, MAX_PENDING);
}
