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
 * Replay ids are kept as the bytes Salesforce sent, never compared: they need not grow.
 */
import { errorMessage, asError } from '../util/errors';
import { parse as parseAvroSchema } from 'avro-js';

import type { Log } from '../util/log';
import type { EventSubscription, EventSubscriptionState, KeyValueStorage, PlatformEvent } from '../cowork/ports';
import { backoffDelay, delay, type BackoffPolicy } from '../util/backoff';
import type { SalesforceSession } from './connection';
import { DeliveryMeter, type DeliveryAllocation } from './deliveryMeter';
import { EventDispatcher, type CorrelationKeyOf } from './eventDispatcher';
import type { PubSubTarget } from './pubSubClient';
import { PubSubSubscriber, replayIdText, type FetchResponse, type ReplayFrom, type SubscribeCall } from './pubSubSubscriber';
import { describeFailure, isAuthFailure, isReplayIdRejected, pubSubFailure } from './pubSubErrors';
import { ReplayCheckpoint } from './replayCheckpoint';
import { unwrapAvroUnions } from '../util/avroUnions';

/** The Pub/Sub API never has more than 100 events owed on a stream. */
const MAX_OWED = 100;
const SCHEMA_TIMEOUT_MS = 10_000;

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

type AvroReader = { fromBuffer(buffer: Buffer): unknown };

export class TopicSubscription implements EventSubscription {
  private stream: Stream | undefined;
  private streamCount = 0;
  private subscriber: PubSubSubscriber | undefined;
  private readonly schemas = new Map<string, Promise<AvroReader>>();
  /** The position: see the file comment. Undefined until one is known (LATEST). */
  private position: Buffer | undefined;
  /** Salesforce rejected our position: replay from EARLIEST until a new position is known. */
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
    this.checkpoint = new ReplayCheckpoint(deps.storage, topic, this.log);
    this.meter = deps.deliveries ?? new DeliveryMeter(deps.tuning.deliveryAllocation, this.log);
    this.dispatcher = new EventDispatcher({
      handler: limitConcurrency(handler, deps.tuning.maxInFlight),
      correlationKeyOf,
      onCheckpoint: (replayId) => this.moveTo(replayId),
      onSettled: () => this.requestMore(),
      log: this.log,
      handlerAttempts: deps.tuning.handlerAttempts,
      dedupCapacity: deps.tuning.dedupCapacity,
    });
  }

  /** Loads the stored position and opens the stream. Rejects if the first stream cannot even be set up. */
  async start(): Promise<void> {
    this.position = await this.checkpoint.load();
    this.log.info({ resumeAfter: this.position ? replayIdText(this.position) : 'LATEST' }, 'subscribing');
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
    await this.checkpoint.flush();
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
    const from: ReplayFrom = this.position
      ? { preset: 'CUSTOM', replayId: this.position }
      : this.replayFromEarliest
        ? { preset: 'EARLIEST' }
        : { preset: 'LATEST' };
    const first = Math.max(1, MAX_OWED - this.dispatcher.pending);
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
    this.log.debug({ stream: id, from: from.preset, resumeAfter: this.position ? replayIdText(this.position) : undefined }, 'stream opened');
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
        reader = await this.schemaFor(raw.schemaId);
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
      const replayId = replayIdText(raw.replayId);
      let payload: Record<string, unknown>;
      try {
        payload = unwrapAvroUnions(reader.fromBuffer(raw.payload));
      } catch (error) {
        // One undecodable event: the stream itself is fine. Nothing can be done with it but say so.
        this.status.lastError = `event ${raw.id} could not be decoded`;
        this.log.error({ stream: stream.id, eventUuid: raw.id, replayId, err: asError(error) }, 'event could not be decoded, skipped');
        continue;
      }
      if (raw.id === '') {
        this.log.error({ stream: stream.id, replayId }, 'event without EventUuid, ignored');
        continue;
      }
      const createdDate = typeof payload.CreatedDate === 'number' ? payload.CreatedDate : undefined;
      const event: PlatformEvent = { id: raw.id, replayId, topic: this.topic, payload, ...(createdDate !== undefined ? { createdDate } : {}) };
      const accepted = this.dispatcher.push(event, raw.replayId);
      if (!accepted) this.log.debug({ eventUuid: raw.id, replayId }, 'duplicate event dropped');
    }
    if (stream !== this.stream) return;
    // A keepalive: everything the subscription delivered before it has been handed over (this runs in order).
    if (response.events.length === 0 && response.latestReplayId && this.dispatcher.pending === 0) this.moveTo(response.latestReplayId);
    this.requestMore();
  }

  private schemaFor(schemaId: string): Promise<AvroReader> {
    let reader = this.schemas.get(schemaId);
    if (!reader) {
      const subscriber = this.subscriber;
      if (!subscriber) return Promise.reject(new Error('not subscribed'));
      this.log.info({ schemaId }, 'fetching event schema');
      reader = subscriber.getSchema(this.deps.session.grant(), schemaId, SCHEMA_TIMEOUT_MS).then((json) => parseAvroSchema(json) as AvroReader);
      this.schemas.set(schemaId, reader);
      reader.catch(() => this.schemas.delete(schemaId));
    }
    return reader;
  }

  private moveTo(replayId: Buffer): void {
    this.position = replayId;
    this.replayFromEarliest = false;
    this.checkpoint.save(replayId);
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
        { resumeAfter: this.position ? replayIdText(this.position) : undefined, errorCode: failure.errorCode },
        'replay id rejected (corrupted or past retention), replaying from EARLIEST',
      );
      this.position = undefined;
      this.replayFromEarliest = true;
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
    const room = MAX_OWED - stream.owed - stream.queued - this.dispatcher.pending;
    if (room <= 0) return;
    if (stream.owed > 0 && room < MAX_OWED / 2) return;
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
