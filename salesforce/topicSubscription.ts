/**
 * The one Pub/Sub stream of a topic, kept alive for the life of the process.
 *
 * Life of a stream: subscribe (CUSTOM after the resume point, else LATEST; EARLIEST after
 * Salesforce rejected our replay id, until a new position is known), keep up to 100 events owed,
 * queued or in flight. Whatever ends the stream (`end`, an error, token expiry, a schema lookup
 * that failed, a watchdog that saw neither event nor keepalive for too long) leads to a new
 * stream after a capped, jittered backoff.
 *
 * Order: every FetchResponse is decoded after the one before it (a new schema id is fetched once,
 * and waits hold up what came after it), then handed to the dispatcher: the dispatcher sees the
 * stream's delivery order, kept explicitly. Responses of a stream that was given up are dropped.
 *
 * Position (one, stored as the checkpoint and used to resubscribe): the replay id of the last
 * event handled, with every event received before it handled too. A keepalive's
 * `latest_replay_id` (the subscription's position) becomes the position only when nothing
 * received is still pending: with events still running the keepalive proves nothing about them.
 * So a reconnect or a restart redelivers whatever had not finished (deduplicated by EventUuid),
 * and on a first start the LATEST position is recorded with the first keepalive, before any event.
 *
 * This file is the stream's life; the flow control and the position are `subscriptionFlow.ts`, the
 * decoding of events (schemas, Avro) is `eventDecoding.ts`.
 */
import { errorMessage, asError } from '../util/errors';

import type { Log } from '../util/log';
import type { EventSubscription, EventSubscriptionState, KeyValueStorage, PlatformEvent } from '../cowork/ports';
import { backoffDelay, delay, type BackoffPolicy } from '../util/backoff';
import type { SalesforceSession } from './connection';
import { DeliveryMeter, type DeliveryAllocation } from './deliveryMeter';
import { EventDispatcher, type CorrelationKeyOf } from './eventDispatcher';
import type { PubSubTarget } from './pubSubClient';
import { decodeEvent, SchemaCache, type AvroReader } from './eventDecoding';
import { PubSubSubscriber, replayIdText, type FetchResponse, type SubscribeCall } from './pubSubSubscriber';
import { describeFailure, isAuthFailure, isReplayIdRejected, pubSubFailure } from './pubSubErrors';
import { ReplayCheckpoint } from './replayCheckpoint';
import { firstRequest, limitConcurrency, MAX_OWED, moreToRequest, ReplayPosition } from './subscriptionFlow';

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
  /** The org's 24-hour event delivery allocation and the share of it that raises a warning. */
  deliveryAllocation: DeliveryAllocation;
}

export const DEFAULT_SUBSCRIPTION_TUNING: SubscriptionTuning = {
  watchdogMs: 300_000,
  reconnectBackoff: { initialMs: 500, maxMs: 30_000 },
  maxInFlight: MAX_OWED,
  handlerAttempts: 3,
  dedupCapacity: 10_000,
  closeTimeoutMs: 10_000,
  deliveryAllocation: { perDay: 50_000, warnShare: 0.8 },
};

export interface TopicSubscriptionDeps {
  session: SalesforceSession;
  target: PubSubTarget;
  storage: KeyValueStorage;
  log: Log;
  tuning: SubscriptionTuning;
  /** The instance's delivery count, shared by its subscriptions (one of its own when absent). */
  deliveries?: DeliveryMeter;
}

interface Stream {
  id: number;
  call: SubscribeCall;
  /** The token this stream authenticated with: renewed if the server rejects it. */
  accessToken: string;
  /** Requested and not yet received. */
  owed: number;
  /** Received and not yet decoded and handed to the dispatcher. */
  queued: number;
  /** Decoding of this stream's responses, one after the other. */
  chain: Promise<void>;
}

export class TopicSubscription implements EventSubscription {
  private stream: Stream | undefined;
  private streamCount = 0;
  private subscriber: PubSubSubscriber | undefined;
  private readonly schemas: SchemaCache;
  /** The position: see the file comment. */
  private readonly position: ReplayPosition;
  /** Set when the server refused this token: the next stream logs in again first. */
  private rejectedToken: string | undefined;
  private failuresInARow = 0;
  private reconnecting = false;
  private closed = false;
  private readonly shutdown = new AbortController();
  private watchdog: NodeJS.Timeout | undefined;
  private readonly dispatcher: EventDispatcher;
  private readonly meter: DeliveryMeter;
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
    this.position = new ReplayPosition(new ReplayCheckpoint(deps.storage, topic, this.log));
    this.schemas = new SchemaCache(deps.session, this.log);
    this.meter = deps.deliveries ?? new DeliveryMeter(deps.tuning.deliveryAllocation, this.log);
    this.dispatcher = new EventDispatcher({
      handler: limitConcurrency(handler, deps.tuning.maxInFlight),
      correlationKeyOf,
      onCheckpoint: (replayId) => this.position.moveTo(replayId),
      onSettled: () => this.requestMore(),
      log: this.log,
      handlerAttempts: deps.tuning.handlerAttempts,
      dedupCapacity: deps.tuning.dedupCapacity,
    });
  }

  /** Loads the stored position and opens the stream. Rejects if the first stream cannot even be set up. */
  async start(): Promise<void> {
    await this.position.load();
    this.log.info({ resumeAfter: this.position.text() ?? 'LATEST' }, 'subscribing');
    await this.openStream();
  }

  state(): EventSubscriptionState {
    return { ...this.status, deliveries: this.meter.report() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shutdown.abort();
    this.dispatcher.stopRetries();
    clearTimeout(this.watchdog);
    this.stream?.call.cancel();
    this.stream = undefined;
    this.status.connected = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.dispatcher.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.deps.tuning.closeTimeoutMs)))]);
    clearTimeout(timer);
    await this.position.flush();
    this.subscriber?.close();
  }

  private async openStream(): Promise<void> {
    const rejected = this.rejectedToken;
    const grant = rejected !== undefined ? await this.deps.session.renew(rejected) : this.deps.session.grant();
    this.rejectedToken = undefined;
    if (this.closed) return;
    this.subscriber ??= new PubSubSubscriber({
      endpoint: this.deps.target.endpoint,
      ...(this.deps.target.trustedCaPem !== undefined ? { trustedCaPem: this.deps.target.trustedCaPem } : {}),
    });
    const from = this.position.replayFrom();
    const first = firstRequest(this.dispatcher.pending);
    const id = ++this.streamCount;
    // The listener needs the stream object, which needs the call: `stream` is assigned before any callback can run.
    const opened: { stream?: Stream } = {};
    const call = this.subscriber.subscribe(grant, this.topic, from, first, {
      message: (response) => opened.stream && this.onMessage(opened.stream, response),
      error: (error) => opened.stream && this.onError(opened.stream, error),
      end: () => opened.stream && this.onEnd(opened.stream),
    });
    const stream: Stream = { id, call, accessToken: grant.accessToken, owed: first, queued: 0, chain: Promise.resolve() };
    opened.stream = stream;
    this.stream = stream;
    this.log.debug({ stream: id, from: from.preset, resumeAfter: this.position.text() }, 'stream opened');
    this.armWatchdog();
  }

  private onMessage(stream: Stream, response: FetchResponse): void {
    if (this.closed || stream !== this.stream) return; // a stream given up: its position is not ours any more
    this.onLife();
    const count = response.events.length;
    if (count > 0) {
      this.meter.delivered(count);
      stream.owed = Math.max(0, stream.owed - count);
      stream.queued += count;
      this.status.lastEventAt = new Date().toISOString();
    } else {
      this.status.lastKeepaliveAt = new Date().toISOString();
    }
    stream.chain = stream.chain
      .then(() => this.process(stream, response))
      .catch((error: unknown) => {
        // A bug, not the stream's fault: say so and start over from the position (nothing after it is lost).
        if (stream !== this.stream) return;
        this.status.lastError = errorMessage(error);
        this.log.error({ stream: stream.id, err: this.status.lastError }, 'handing events over failed, resubscribing');
        this.reconnect('hand-over failed');
      });
  }

  /** Decodes one response and hands its events over, after every response before it. */
  private async process(stream: Stream, response: FetchResponse): Promise<void> {
    for (const raw of response.events) {
      let reader: AvroReader;
      try {
        reader = await this.schemas.readerFor(raw.schemaId, this.subscriber);
      } catch (error) {
        // Not the event's fault: resubscribe from the position, nothing after it is lost.
        if (stream === this.stream) {
          this.status.lastError = `schema ${raw.schemaId}: ${describeFailure(pubSubFailure(error))}`;
          this.log.warn({ stream: stream.id, schemaId: raw.schemaId, err: this.status.lastError }, 'schema lookup failed, resubscribing');
          this.reconnect('schema lookup failed');
        }
        return;
      }
      if (stream !== this.stream) return;
      stream.queued--;
      const decoded = decodeEvent(this.topic, raw, reader);
      if (decoded.kind === 'undecodable') {
        // One undecodable event: the stream itself is fine. Nothing can be done with it but say so.
        this.status.lastError = `event ${raw.id} could not be decoded`;
        this.log.error(
          { stream: stream.id, eventUuid: raw.id, replayId: replayIdText(raw.replayId), err: asError(decoded.error) },
          'event could not be decoded, skipped',
        );
        continue;
      }
      if (decoded.kind === 'noEventUuid') {
        this.log.error({ stream: stream.id, replayId: replayIdText(raw.replayId) }, 'event without EventUuid, ignored');
        continue;
      }
      const accepted = this.dispatcher.push(decoded.event, raw.replayId);
      if (!accepted) this.log.debug({ eventUuid: raw.id, replayId: decoded.event.replayId }, 'duplicate event dropped');
    }
    if (stream !== this.stream) return;
    // A keepalive: everything the subscription delivered before it has been handed over (this runs in order).
    if (response.events.length === 0 && response.latestReplayId && this.dispatcher.pending === 0) this.position.moveTo(response.latestReplayId);
    this.requestMore();
  }

  private onEnd(stream: Stream): void {
    if (this.closed || stream !== this.stream) return;
    this.log.info({ stream: stream.id }, 'stream ended');
    this.reconnect('stream ended');
  }

  private onError(stream: Stream, error: unknown): void {
    if (this.closed || stream !== this.stream) return;
    const failure = pubSubFailure(error);
    this.status.lastError = describeFailure(failure);
    if (isReplayIdRejected(failure)) {
      // Never ask for the same id again: replay what the org still has and let deduplication (and
      // the sessions' own state) drop what was done. The position may move back: replay ids need not grow.
      this.log.warn(
        { resumeAfter: this.position.text(), errorCode: failure.errorCode },
        'replay id rejected (corrupted or past retention), replaying from EARLIEST',
      );
      this.position.rejected();
    } else if (isAuthFailure(failure)) {
      this.log.info({ stream: stream.id }, 'Pub/Sub API refused the token, logging in again');
      this.rejectedToken = stream.accessToken;
    } else {
      this.log.warn({ stream: stream.id, grpcCode: failure.grpcCode, errorCode: failure.errorCode, err: new Error(failure.message) }, 'stream error');
    }
    this.reconnect('stream error');
  }

  /** Anything from the server proves the stream alive. */
  private onLife(): void {
    this.status.connected = true;
    this.failuresInARow = 0;
    this.armWatchdog();
  }

  /** Flow control: owed + queued + in flight never exceeds 100; ask in batches, not one event at a time. */
  private requestMore(): void {
    const stream = this.stream;
    if (!stream || this.closed) return;
    const room = moreToRequest(stream.owed, stream.queued, this.dispatcher.pending);
    if (room === 0) return;
    stream.call.request(room);
    stream.owed += room;
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

  /** Gives the current stream up and opens a new one after a backoff; at most one reconnect runs. */
  private reconnect(reason: string): void {
    if (this.closed || this.reconnecting) return;
    this.reconnecting = true;
    this.status.connected = false;
    this.status.reconnects++;
    clearTimeout(this.watchdog);
    const old = this.stream;
    this.stream = undefined;
    old?.call.cancel();
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
          this.status.lastError = errorMessage(error);
          this.log.warn({ err: this.status.lastError }, 'could not resubscribe');
        }
      }
      this.reconnecting = false;
    })();
  }
}
