/**
 * `StatusPublisher` over the Pub/Sub API: each co-work status becomes one `Cowork_Status__e`
 * (Correlation_Id__c, Session_Key__c, State__c, Answer__c, Detail__c) for the agent's panel.
 *
 * - Never in the customer's way: `publish` only queues; delivery happens behind, and a failure
 *   is logged (the customer's flow does not wait for, nor depend on, the agent's panel).
 * - In order, batched: a status waits up to STATUS_LINGER_MS for others (of any session), then they
 *   go in one `Publish` call; one call at a time, and statuses given while one is in flight go
 *   together in the next. At 56 sessions/s that is one call for about ten statuses instead of one
 *   each: a Publish costs the bot about what a bare chat turn costs (docs/BENCHMARKS.md).
 * - Each status is one event against the org's publishing allocation, and one delivery per
 *   subscribed panel against its delivery allocation (see docs/SALESFORCE.md).
 */
import type { Log } from '../util/log';
import { fitToField, type FieldLimit } from '../util/salesforceText';
import type { CoworkStatus, StatusPublisher } from '../cowork/ports';

/**
 * The fields' limits in force-app (Text: UTF-16 units, as the org counts): longer values are cut (an
 * event with a too-long field is refused whole, and the panel would hear nothing).
 */
const LIMITS = {
  Correlation_Id__c: { units: 18 },
  Session_Key__c: { units: 64 },
  State__c: { units: 32 },
  Answer__c: { units: 255 },
  Detail__c: { units: 255 },
} as const satisfies Record<string, FieldLimit>;
/** At most this many statuses per `Publish` call. */
const MAX_BATCH = 100;
/** Statuses waiting while the org is unreachable: beyond this the oldest are dropped (logged). */
const MAX_QUEUED = 1000;
/** How long a status waits for others to share its `Publish` call: nothing an agent watching the panel notices. */
export const STATUS_LINGER_MS = 50;

export interface BatchPublisher {
  publishBatch(topic: string, fieldsList: ReadonlyArray<Readonly<Record<string, string | null>>>): Promise<{ accepted: number; failures: string[] }>;
}

export function statusFields(status: CoworkStatus): Record<string, string | null> {
  const cut = (value: string | null, limit: FieldLimit): string | null => (value === null || value === '' ? null : fitToField(value, limit));
  return {
    Correlation_Id__c: cut(status.caseId, LIMITS.Correlation_Id__c),
    Session_Key__c: cut(status.sessionKey, LIMITS.Session_Key__c),
    State__c: cut(status.state, LIMITS.State__c),
    Answer__c: cut(status.answer, LIMITS.Answer__c),
    Detail__c: cut(status.detail, LIMITS.Detail__c),
  };
}

/**
 * Events of one topic, queued and published behind the caller, in order, batched (see above):
 * the statuses, and the customer's messages for an agent who took the chat over from the Case.
 */
export interface EventFormat<T> {
  /** What the events are, in log lines ("co-work statuses"). */
  what: string;
  toFields(item: T): Record<string, string | null>;
  /** A short line for logs (never the customer's text). */
  describe(item: T): string;
}

export class QueuedEventPublisher<T> {
  private queued: T[] = [];
  /** True from the moment a run is started until its last look at an empty queue (set and cleared synchronously). */
  private active = false;
  private running: Promise<void> = Promise.resolve();
  /** Statuses published (accepted by the org) since start: what they cost in allocation. */
  published = 0;

  constructor(
    private readonly bus: BatchPublisher,
    private readonly topic: string,
    private readonly log: Log,
    private readonly format: EventFormat<T>,
    private readonly lingerMs = STATUS_LINGER_MS,
  ) {}

  publish(item: T): void {
    this.queued.push(item);
    if (this.queued.length > MAX_QUEUED) {
      const dropped = this.queued.splice(0, this.queued.length - MAX_QUEUED);
      this.log.warn({ dropped: dropped.length, topic: this.topic }, `${this.format.what} dropped: the org has not accepted them for a while`);
    }
    if (this.active) return;
    // Marked before the run starts: a status given from inside it (even synchronously) joins it.
    this.active = true;
    this.running = this.run().catch((err: unknown) =>
      this.log.warn({ err, topic: this.topic }, `the publisher of ${this.format.what} stopped; the next one restarts it`),
    );
  }

  async flush(): Promise<void> {
    while (this.active) await this.running;
  }

  /**
   * Lingers, then publishes until the queue is empty, and lets go (`active`) in the same synchronous
   * step as that last check, whatever happened: a status given at any moment either joins this run
   * or starts the next one (none waits for a later status, or is left behind by `flush`), and two
   * runs never overlap.
   */
  private async run(): Promise<void> {
    try {
      if (this.lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
      while (this.queued.length > 0) {
        const batch = this.queued.splice(0, MAX_BATCH);
        try {
          const result = await this.bus.publishBatch(
            this.topic,
            batch.map((item) => this.format.toFields(item)),
          );
          this.published += result.accepted;
          if (result.failures.length > 0) this.log.warn({ topic: this.topic, failures: result.failures }, `some ${this.format.what} were refused by the org`);
        } catch (err) {
          this.log.warn(
            { err, topic: this.topic, events: batch.map((item) => this.format.describe(item)) },
            `publishing ${this.format.what} failed; the customer flow goes on`,
          );
        }
      }
    } finally {
      // Straight after the last look at the queue, with no await between: see above.
      this.active = false;
    }
  }
}

/** `Cowork_Status__e`, one per co-work transition. */
export class SalesforceStatusPublisher extends QueuedEventPublisher<CoworkStatus> implements StatusPublisher {
  constructor(bus: BatchPublisher, topic: string, log: Log, lingerMs = STATUS_LINGER_MS) {
    super(bus, topic, log, { what: 'co-work statuses', toFields: statusFields, describe: (s) => `${s.caseId}:${s.state}` }, lingerMs);
  }
}
