/**
 * Runs event handlers concurrently across correlation keys but strictly in order within one
 * key, and tells which replay id is safe to checkpoint: that of the last event such that it and
 * every event received before it are done. The order is the order events were pushed (the
 * stream's delivery order, kept by the caller), never a comparison of replay ids: those are
 * opaque bytes and need not grow (an org migration renumbers them).
 *
 * Deduplication by EventUuid lives here too: a redelivered event (after a reconnect, a replay
 * from a checkpoint, or a fallback to EARLIEST) that is pending or recently done is dropped.
 */
import { asError } from '../util/errors';
import type { Log } from '../util/log';
import type { CorrelationKeyOf, PlatformEvent } from '../cowork/ports';
import { backoffDelay, delay, type BackoffPolicy } from '../util/backoff';

export type { CorrelationKeyOf } from '../cowork/ports';

export interface DispatcherOptions {
  handler: (event: PlatformEvent) => Promise<void>;
  /** Events with the same key run one after the other; `undefined` joins the topic-wide queue. */
  correlationKeyOf: CorrelationKeyOf;
  /** Called with the replay id (as received) of the new watermark each time it moves on. */
  onCheckpoint: (replayId: Buffer) => void;
  /** Called whenever an event is done (a slot is free for flow control). */
  onSettled: () => void;
  log: Log;
  /** Handler tries per event before it is logged and skipped, so one poison event cannot stall its key. */
  handlerAttempts?: number;
  retryBackoff?: BackoffPolicy;
  /** How many EventUuids are remembered after their event is done. */
  dedupCapacity?: number;
}

const TOPIC_WIDE_KEY = '\u0000topic';

export class EventDispatcher {
  /** Received, in delivery order; done entries are dropped from the front. */
  private readonly window: Array<{ replayId: Buffer; done: boolean }> = [];
  private readonly keyTails = new Map<string, Promise<void>>();
  private readonly pendingIds = new Set<string>();
  /** Recently done EventUuids, oldest first (a Map keeps insertion order: a small LRU). */
  private readonly doneIds = new Map<string, true>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly aborted = new AbortController();
  private readonly attempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly dedupCapacity: number;

  constructor(private readonly options: DispatcherOptions) {
    this.attempts = options.handlerAttempts ?? 3;
    this.backoff = options.retryBackoff ?? { initialMs: 200, maxMs: 5000 };
    this.dedupCapacity = options.dedupCapacity ?? 10_000;
  }

  /** Events received and not yet done. */
  get pending(): number {
    return this.pendingIds.size;
  }

  /**
   * Accepts the next event of the stream, `replayId` being its replay id as received; returns
   * false when it is a duplicate (nothing will run).
   */
  push(event: PlatformEvent, replayId: Buffer): boolean {
    if (this.pendingIds.has(event.id) || this.doneIds.has(event.id)) return false;
    this.pendingIds.add(event.id);
    const entry = { replayId, done: false };
    this.window.push(entry);
    const key = this.options.correlationKeyOf(event) ?? TOPIC_WIDE_KEY;
    const previous = this.keyTails.get(key) ?? Promise.resolve();
    const run = previous.then(() => this.runHandler(event)).finally(() => this.settle(event, entry));
    this.keyTails.set(key, run);
    void run.finally(() => {
      if (this.keyTails.get(key) === run) this.keyTails.delete(key);
    });
    return true;
  }

  /** Resolves once nothing is pending (or at once when nothing is). */
  idle(): Promise<void> {
    if (this.pendingIds.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops retrying failed handlers (shutdown); running handlers finish on their own. */
  stopRetries(): void {
    this.aborted.abort();
  }

  private async runHandler(event: PlatformEvent): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.options.handler(event);
        return;
      } catch (error) {
        const last = attempt + 1 >= this.attempts || this.aborted.signal.aborted;
        this.options.log[last ? 'error' : 'warn'](
          {
            eventUuid: event.id,
            replayId: event.replayId,
            topic: event.topic,
            attempt: attempt + 1,
            err: asError(error),
          },
          last ? 'event handler failed, event skipped' : 'event handler failed, retrying',
        );
        if (last) return;
        await delay(backoffDelay(this.backoff, attempt), this.aborted.signal);
      }
    }
  }

  private settle(event: PlatformEvent, entry: { replayId: Buffer; done: boolean }): void {
    entry.done = true;
    this.pendingIds.delete(event.id);
    this.doneIds.set(event.id, true);
    if (this.doneIds.size > this.dedupCapacity) this.doneIds.delete(this.doneIds.keys().next().value as string);
    let advanced: Buffer | undefined;
    for (let first = this.window[0]; first?.done; first = this.window[0]) {
      this.window.shift();
      advanced = first.replayId;
    }
    if (advanced !== undefined) this.options.onCheckpoint(advanced);
    if (this.pendingIds.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    this.options.onSettled();
  }
}
