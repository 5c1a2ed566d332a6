/**
 * Flow control and the replay position of a topic's subscription (`topicSubscription.ts` runs the
 * stream's life around them).
 *
 * Flow control: the Pub/Sub API never has more than 100 events owed on a stream; the bot keeps
 * owed + queued + in flight within that, asks in batches rather than one event at a time, and runs
 * at most so many handlers at once.
 *
 * Position: where a new stream resumes (CUSTOM after the position, else LATEST; EARLIEST after
 * Salesforce rejected our replay id, until a new position is known), stored as the checkpoint.
 * Replay ids are kept as the bytes Salesforce sent, never compared: they need not grow.
 */
import type { PlatformEvent } from '../cowork/ports';
import { replayIdText, type ReplayFrom } from './pubSubSubscriber';
import type { ReplayCheckpoint } from './replayCheckpoint';

/** The Pub/Sub API never has more than 100 events owed on a stream. */
export const MAX_OWED = 100;

/** A new stream's first request: what the events still running leave free, at least one. */
export function firstRequest(pending: number): number {
  return Math.max(1, MAX_OWED - pending);
}

/**
 * How many more events to ask for (0: none now). Owed + queued + in flight never exceeds 100; while
 * events are still owed, nothing is asked until half the window is free.
 */
export function moreToRequest(owed: number, queued: number, pending: number): number {
  const room = MAX_OWED - owed - queued - pending;
  if (room <= 0) return 0;
  if (owed > 0 && room < MAX_OWED / 2) return 0;
  return room;
}

/** At most `limit` handler calls run at once; the rest wait in arrival order. */
export function limitConcurrency(handler: (event: PlatformEvent) => Promise<void>, limit: number): (event: PlatformEvent) => Promise<void> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (event) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      await handler(event);
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** The subscription's position, in memory and in its checkpoint. */
export class ReplayPosition {
  /** Undefined until one is known (LATEST). */
  private position: Buffer | undefined;
  /** Salesforce rejected our position: replay from EARLIEST until a new position is known. */
  private fromEarliest = false;

  constructor(private readonly checkpoint: ReplayCheckpoint) {}

  /** Takes the stored position. */
  async load(): Promise<void> {
    this.position = await this.checkpoint.load();
  }

  /** The position as logged; `undefined` when there is none. */
  text(): string | undefined {
    return this.position ? replayIdText(this.position) : undefined;
  }

  /** Where a new stream starts. */
  replayFrom(): ReplayFrom {
    return this.position ? { preset: 'CUSTOM', replayId: this.position } : this.fromEarliest ? { preset: 'EARLIEST' } : { preset: 'LATEST' };
  }

  moveTo(replayId: Buffer): void {
    this.position = replayId;
    this.fromEarliest = false;
    this.checkpoint.save(replayId);
  }

  /** Salesforce rejected the position (corrupted, past retention): never ask for it again, replay what the org still has. */
  rejected(): void {
    this.position = undefined;
    this.fromEarliest = true;
  }

  /** Resolves when the newest position is stored. */
  flush(): Promise<void> {
    return this.checkpoint.flush();
  }
}
