/**
 * One Subscribe stream: its position in the topic's log, the events it is owed (flow
 * control), keepalives, and the idle close. Events are read from the log at the stream's
 * own position when it is owed some, so a slow subscriber costs nothing to the others.
 *
 * `latest_replay_id` is the subscription's position ("Latest replay ID of a subscription"):
 * the replay id of the last event this stream delivered (or of where it started), never the
 * newest event of the topic. A CUSTOM subscription from it resumes exactly there. Each event
 * delivered counts against the org's delivery allocation; when that is spent the stream fails.
 */
import { randomUUID } from 'node:crypto';
import type { DeliveryAllocation, TopicLog } from './eventBus';
import type { FaultPlan } from './faultPlan';

/** The Pub/Sub API never lets more than this many events be owed to one stream. */
export const MAX_OWED_EVENTS = 100;

export interface FetchResponseMessage {
  events?: Array<{ event: { id: string; schemaId: string; payload: Buffer }; replayId: Buffer }>;
  latestReplayId: Buffer;
  rpcId: string;
  pendingNumRequested: number;
}

/** The few things a stream needs from its gRPC call. */
export interface StreamSink {
  /** False when the transport buffer is full: wait for `drain`. */
  write(message: FetchResponseMessage): boolean;
  onDrain(listener: () => void): void;
  /** Ends the call with status OK (the idle close). */
  endOk(): void;
  /** Ends the call with an error (the delivery allocation is spent). */
  failAllocationSpent(): void;
}

export interface StreamTiming {
  keepaliveIntervalMs: number;
  idleStreamTimeoutMs: number;
}

export function encodeReplayId(replayId: bigint): Buffer {
  const buffer = Buffer.allocUnsafe(8);
  buffer.writeBigUInt64BE(BigInt(replayId));
  return buffer;
}

export class SubscriptionStream {
  readonly rpcId = randomUUID();
  private owed = 0;
  private closed = false;
  private flushScheduled = false;
  private waitingForDrain = false;
  private sentSinceKeepalive = false;
  private owedNothingSince: number;
  private readonly keepaliveTimer: NodeJS.Timeout;
  private readonly idleTimer: NodeJS.Timeout;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    readonly log: TopicLog,
    private position: number,
    private readonly sink: StreamSink,
    private readonly faults: FaultPlan,
    private readonly timing: StreamTiming,
    private readonly onClosed: (stream: SubscriptionStream) => void,
    private readonly allocation: DeliveryAllocation,
  ) {
    this.owedNothingSince = Date.now();
    this.unsubscribe.push(log.onAppend(() => this.scheduleFlush()));
    this.unsubscribe.push(faults.onRelease(() => this.scheduleFlush()));
    // Two clocks, as in the org: keepalives at their own cadence (up to 270 s), and the idle close
    // of a stream owed nothing (~60-70 s), checked often enough to close close to its deadline.
    this.keepaliveTimer = setInterval(() => this.keepalive(), timing.keepaliveIntervalMs);
    this.keepaliveTimer.unref();
    this.idleTimer = setInterval(() => this.checkIdle(), Math.max(5, Math.floor(timing.idleStreamTimeoutMs / 10)));
    this.idleTimer.unref();
  }

  /** A FetchRequest's `num_requested`: adds up, capped at 100 owed. */
  request(numRequested: number): void {
    if (numRequested <= 0) return;
    this.owed = Math.min(MAX_OWED_EVENTS, this.owed + numRequested);
    this.scheduleFlush();
  }

  get pending(): number {
    return this.owed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepaliveTimer);
    clearInterval(this.idleTimer);
    for (const off of this.unsubscribe) off();
    this.onClosed(this);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    const delay = this.faults.latency.pubSubMs;
    const run = (): void => {
      this.flushScheduled = false;
      this.flush();
    };
    if (delay > 0) setTimeout(run, delay).unref();
    else setImmediate(run);
  }

  private flush(): void {
    while (!this.closed && !this.waitingForDrain && !this.faults.streamsStalled && this.owed > 0) {
      const available = this.log.endPosition() - Math.max(this.position, this.log.startPosition());
      if (available <= 0) return;
      const allowed = Math.min(this.owed, this.allocation.remaining());
      if (allowed === 0) {
        this.sink.failAllocationSpent();
        this.close();
        return;
      }
      const { events, next } = this.log.read(this.position, allowed);
      if (events.length === 0) return;
      this.allocation.record(events.length);
      this.position = next;
      this.owed -= events.length;
      if (this.owed === 0) this.owedNothingSince = Date.now();
      const ok = this.sink.write({
        events: events.map((e) => ({
          event: { id: e.eventUuid, schemaId: e.schemaId, payload: e.payload },
          replayId: encodeReplayId(e.replayId),
        })),
        latestReplayId: encodeReplayId(this.log.replayIdAt(this.position)),
        rpcId: this.rpcId,
        pendingNumRequested: this.owed,
      });
      this.sentSinceKeepalive = true;
      if (!ok) {
        this.waitingForDrain = true;
        this.sink.onDrain(() => {
          this.waitingForDrain = false;
          this.scheduleFlush();
        });
      }
    }
  }

  private checkIdle(): void {
    if (this.closed || this.faults.streamsStalled) return;
    if (this.owed === 0 && Date.now() - this.owedNothingSince >= this.timing.idleStreamTimeoutMs) {
      // Nothing asked for in the idle window: Salesforce closes such streams; the client must resubscribe.
      this.sink.endOk();
      this.close();
    }
  }

  private keepalive(): void {
    if (this.closed || this.faults.streamsStalled) return;
    if (!this.sentSinceKeepalive && !this.waitingForDrain) {
      this.sink.write({
        latestReplayId: encodeReplayId(this.log.replayIdAt(Math.max(this.position, this.log.startPosition()))),
        rpcId: this.rpcId,
        pendingNumRequested: this.owed,
      });
    }
    this.sentSinceKeepalive = false;
  }
}
