/**
 * The one Pub/Sub stream of a topic, kept alive for the life of the process.
 *
 * Life of a stream: build a client with the current token, subscribe (CUSTOM after the last
 * known position, else LATEST; EARLIEST once after Salesforce rejected our replay id), ask for
 * one event first — the client fetches the schema on the first event, and two batches waiting
 * on that fetch could be delivered out of order — then keep up to 100 events owed or in
 * flight. Whatever ends the stream (`end`, an error, token expiry, a watchdog that saw neither
 * event nor keepalive for too long) leads to a new client and a new stream after a capped,
 * jittered backoff. Events from a stream being torn down are still accepted: they are real,
 * and the dispatcher drops duplicates.
 *
 * Positions: `resumeAfter` follows what was received (events and keepalives), so a reconnect
 * loses nothing while events in flight finish; the stored checkpoint follows what was done,
 * so a restart redoes whatever had not finished.
 */
import type { SubscribeCallback, SubscriptionInfo } from 'salesforce-pubsub-api-client' with { 'resolution-mode': 'import' };

import type { Log } from '../cowork/log';
import type { EventSubscription, EventSubscriptionState, KeyValueStorage, PlatformEvent } from '../cowork/ports';
import { backoffDelay, delay, type BackoffPolicy } from '../cowork/backoff';
import type { SalesforceSession } from './connection';
import { EventDispatcher, type CorrelationKeyOf } from './eventDispatcher';
import { connectPubSubClient, type PubSubClient, type PubSubTarget } from './pubSubClient';
import { describeFailure, isAuthFailure, isReplayIdRejected, pubSubFailure } from './pubSubErrors';
import { ReplayCheckpoint } from './replayCheckpoint';

/** The Pub/Sub API never has more than 100 events owed on a stream. */
const MAX_OWED = 100;

export interface SubscriptionTuning {
  /** Resubscribe when neither an event nor a keepalive came for this long (server keepalives come at least every 270 s). */
  watchdogMs: number;
  reconnectBackoff: BackoffPolicy;
  /** Handlers running at once (different correlation keys). */
  maxInFlight: number;
  /** Handler tries per event before it is logged and skipped. */
  handlerAttempts: number;
  /** EventUuids remembered for deduplication. */
  dedupCapacity: number;
  /** How long `close()` waits for running handlers. */
  closeTimeoutMs: number;
}

export const DEFAULT_SUBSCRIPTION_TUNING: SubscriptionTuning = {
  watchdogMs: 300_000,
  reconnectBackoff: { initialMs: 500, maxMs: 30_000 },
  maxInFlight: MAX_OWED,
  handlerAttempts: 3,
  dedupCapacity: 10_000,
  closeTimeoutMs: 10_000,
};

export interface TopicSubscriptionDeps {
  session: SalesforceSession;
  target: PubSubTarget;
  storage: KeyValueStorage;
  log: Log;
  tuning: SubscriptionTuning;
}

interface Stream {
  id: number;
  client: PubSubClient;
  /** The token this stream authenticated with: renewed if the server rejects it. */
  accessToken: string;
  owed: number;
  /** True once an event arrived, i.e. the client holds the schema. */
  primed: boolean;
  ended: boolean;
  /** Set when the stream was given up while still open: its `end` closes the client. */
  retired: boolean;
}

export class TopicSubscription implements EventSubscription {
  private stream: Stream | undefined;
  private streamCount = 0;
  private resumeAfter: bigint | undefined;
  private replayFromEarliest = false;
  /** Set when the server refused this token: the next stream logs in again first. */
  private rejectedToken: string | undefined;
  private failuresInARow = 0;
  private reconnecting = false;
  private closed = false;
  private readonly shutdown = new AbortController();
  private watchdog: NodeJS.Timeout | undefined;
  private readonly dispatcher: EventDispatcher;
  private readonly checkpoint: ReplayCheckpoint;
  private readonly log: Log;
  private readonly status: EventSubscriptionState;

  constructor(
    readonly topic: string,
    handler: (event: PlatformEvent) => Promise<void>,
    correlationKeyOf: CorrelationKeyOf,
    private readonly deps: TopicSubscriptionDeps,
  ) {
    this.log = deps.log.child({ topic });
    this.status = { topic, connected: false, lastEventAt: null, lastKeepaliveAt: null, reconnects: 0, lastError: null };
    this.checkpoint = new ReplayCheckpoint(deps.storage, topic, this.log);
    this.dispatcher = new EventDispatcher({
      handler: limitConcurrency(handler, deps.tuning.maxInFlight),
      correlationKeyOf,
      onCheckpoint: (replayId) => this.checkpoint.save(replayId),
      onSettled: () => this.requestMore(),
      log: this.log,
      handlerAttempts: deps.tuning.handlerAttempts,
      dedupCapacity: deps.tuning.dedupCapacity,
    });
  }

  /** Loads the stored position and opens the stream. Rejects if the first stream cannot even be set up. */
  async start(): Promise<void> {
    const stored = await this.checkpoint.load();
    this.dispatcher.startAfter(stored);
    this.resumeAfter = stored === undefined ? undefined : BigInt(stored);
    this.log.info({ resumeAfter: stored ?? 'LATEST' }, 'subscribing');
    await this.openStream();
  }

  state(): EventSubscriptionState {
    return { ...this.status };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shutdown.abort();
    this.dispatcher.stopRetries();
    clearTimeout(this.watchdog);
    if (this.stream) this.retire(this.stream);
    this.stream = undefined;
    this.status.connected = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.dispatcher.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.deps.tuning.closeTimeoutMs)))]);
    clearTimeout(timer);
    await this.checkpoint.flush();
  }

  private async openStream(): Promise<void> {
    const rejected = this.rejectedToken;
    const grant = rejected !== undefined ? await this.deps.session.renew(rejected) : this.deps.session.grant();
    this.rejectedToken = undefined;
    const client = await connectPubSubClient(grant, this.deps.target, this.log);
    if (this.closed) return client.close();
    const stream: Stream = { id: ++this.streamCount, client, accessToken: grant.accessToken, owed: 1, primed: false, ended: false, retired: false };
    this.stream = stream;
    const callback: SubscribeCallback = (info, type, data) => this.onStreamMessage(stream, info, type, data);
    const fromEarliest = this.replayFromEarliest;
    this.replayFromEarliest = false;
    const resumeAfter = this.resumeAfter;
    if (fromEarliest) client.subscribeFromEarliestEvent(this.topic, callback, 1);
    // The client encodes the replay id with BigInt(): a number is what its types allow.
    else if (resumeAfter !== undefined) client.subscribeFromReplayId(this.topic, callback, 1, Number(resumeAfter));
    else client.subscribe(this.topic, callback, 1);
    this.armWatchdog();
  }

  private onStreamMessage(stream: Stream, info: SubscriptionInfo, type: string, data: unknown): void {
    if (type === 'end') {
      stream.ended = true;
      if (stream.retired) stream.client.close();
    }
    if (this.closed) return;
    const current = stream === this.stream;
    switch (type) {
      case 'event':
        if (current) this.onLife();
        this.onEvent(stream, data);
        break;
      case 'grpcKeepAlive':
        if (!current) return;
        this.onLife();
        this.status.lastKeepaliveAt = new Date().toISOString();
        // A keepalive carries the position of the subscription: everything before it was delivered.
        if (typeof info.lastReplayId === 'number') this.advanceResumePoint(BigInt(info.lastReplayId));
        break;
      case 'error':
        this.onError(stream, data);
        break;
      case 'end':
        if (current) {
          this.log.info({ stream: stream.id }, 'stream ended');
          this.reconnect('stream ended');
        }
        break;
      default:
        break; // grpcStatus comes with error/end; lastEvent cannot happen (we always request more).
    }
  }

  private onEvent(stream: Stream, data: unknown): void {
    const parsed = data as { id?: unknown; replayId?: unknown; payload?: unknown };
    if (typeof parsed.id !== 'string' || (typeof parsed.replayId !== 'number' && typeof parsed.replayId !== 'bigint')) {
      this.log.error({ stream: stream.id }, 'event without id or replay id, ignored');
      return;
    }
    if (stream === this.stream) {
      stream.owed = Math.max(0, stream.owed - 1);
      stream.primed = true;
    }
    const replayId = BigInt(parsed.replayId);
    this.status.lastEventAt = new Date().toISOString();
    this.advanceResumePoint(replayId);
    const payload = typeof parsed.payload === 'object' && parsed.payload !== null ? (parsed.payload as Record<string, unknown>) : {};
    const accepted = this.dispatcher.push({ id: parsed.id, replayId: replayId.toString(), topic: this.topic, payload });
    if (!accepted) this.log.debug({ eventUuid: parsed.id, replayId: replayId.toString() }, 'duplicate event dropped');
    this.requestMore();
  }

  private onError(stream: Stream, data: unknown): void {
    if (data instanceof Error && 'latestReplayId' in data) {
      // One undecodable event: the stream itself is fine. Nothing can be done with it but say so.
      this.status.lastError = data.message;
      this.log.error({ stream: stream.id, err: data.message }, 'event could not be decoded, skipped');
      if (stream === this.stream) stream.owed = Math.max(0, stream.owed - 1);
      return;
    }
    if (stream !== this.stream) return;
    const failure = pubSubFailure(data);
    this.status.lastError = describeFailure(failure);
    if (isReplayIdRejected(failure)) {
      // Never ask for the same id again: replay what the org still has and let deduplication drop what was done.
      this.log.warn({ resumeAfter: this.resumeAfter?.toString(), errorCode: failure.errorCode }, 'replay id rejected (corrupted or past retention), replaying from EARLIEST');
      this.resumeAfter = undefined;
      this.replayFromEarliest = true;
      this.dispatcher.startAfter(undefined);
    } else if (isAuthFailure(failure)) {
      this.log.info({ stream: stream.id }, 'Pub/Sub API refused the token, logging in again');
      this.rejectedToken = stream.accessToken;
    } else {
      this.log.warn({ stream: stream.id, grpcCode: failure.grpcCode, errorCode: failure.errorCode, err: failure.message }, 'stream error');
    }
    this.reconnect('stream error');
  }

  /** Anything from the server proves the stream alive. */
  private onLife(): void {
    this.status.connected = true;
    this.failuresInARow = 0;
    this.armWatchdog();
  }

  private advanceResumePoint(replayId: bigint): void {
    if (this.resumeAfter === undefined || replayId > this.resumeAfter) this.resumeAfter = replayId;
  }

  /** Flow control: owed + in flight never exceeds 100; ask in batches, not one event at a time. */
  private requestMore(): void {
    const stream = this.stream;
    if (!stream || stream.ended || this.closed) return;
    if (!stream.primed && stream.owed > 0) return; // the first event (and the schema fetch) comes alone
    const room = (stream.primed ? MAX_OWED : 1) - stream.owed - this.dispatcher.pending;
    if (room <= 0) return;
    if (stream.owed > 0 && room < MAX_OWED / 2) return;
    try {
      stream.client.requestAdditionalEvents(this.topic, room);
      stream.owed += room;
    } catch (error) {
      // The client already forgot the subscription: its `end` is on the way and will reconnect.
      this.log.debug({ err: error instanceof Error ? error.message : String(error) }, 'could not request more events');
    }
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    if (this.closed) return;
    this.watchdog = setTimeout(() => {
      this.status.lastError = `no event or keepalive for ${this.deps.tuning.watchdogMs} ms`;
      this.log.warn({ watchdogMs: this.deps.tuning.watchdogMs }, 'stream silent for too long, resubscribing');
      this.reconnect('watchdog');
    }, this.deps.tuning.watchdogMs);
    this.watchdog.unref();
  }

  /** Tears the current stream down and opens a new one after a backoff; at most one reconnect runs. */
  private reconnect(reason: string): void {
    if (this.closed || this.reconnecting) return;
    this.reconnecting = true;
    this.status.connected = false;
    this.status.reconnects++;
    clearTimeout(this.watchdog);
    // Late events of the old stream's last batch still reach us (see onStreamMessage).
    if (this.stream) this.retire(this.stream);
    this.stream = undefined;
    void (async () => {
      while (!this.closed) {
        const wait = backoffDelay(this.deps.tuning.reconnectBackoff, this.failuresInARow++);
        this.log.info({ reason, retryInMs: wait, reconnects: this.status.reconnects }, 'resubscribing');
        await delay(wait, this.shutdown.signal);
        if (this.closed) break;
        try {
          await this.openStream();
          break;
        } catch (error) {
          this.status.lastError = error instanceof Error ? error.message : String(error);
          this.log.warn({ err: this.status.lastError }, 'could not resubscribe');
        }
      }
      this.reconnecting = false;
    })();
  }

  /**
   * Gives a stream up. The client (5.5.2) cannot end one subscription, and its `close()`
   * removes every listener from the live gRPC call before closing the channel, which cancels
   * the call: the resulting 'error' event then finds no listener and crashes the process. So a
   * client is closed only once its call has ended; until then it stays open, its events are
   * ignored (or deduplicated), and its `end` — from the server, or at process exit — closes it.
   */
  private retire(stream: Stream): void {
    if (stream.ended) stream.client.close();
    else stream.retired = true;
  }
}

/** At most `limit` handler calls run at once; the rest wait in arrival order. */
function limitConcurrency(handler: (event: PlatformEvent) => Promise<void>, limit: number): (event: PlatformEvent) => Promise<void> {
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
