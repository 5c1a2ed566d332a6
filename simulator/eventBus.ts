/**
 * The org's event bus: one append-only log per platform event topic, kept for the retention
 * window. Publishing over REST, over gRPC or from the fault API all end here, and every open
 * subscription is told "there is more" — each stream then reads from its own position, so
 * delivering an event costs O(subscribers), never a scan of the log.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectDefinition, ObjectModel } from './objectModel';
import { buildEventSchema, unwrapAvro, wrapForAvro, type EventSchema } from './eventSchema';

/** One published event, as retained. Small on purpose: 100,000+ of them must fit. */
export interface StoredEvent {
  readonly replayId: number;
  readonly eventUuid: string;
  readonly payload: Buffer;
  readonly publishedAt: number;
}

export interface PublishedEventView {
  replayId: number;
  eventUuid: string;
  publishedAt: number;
  /** Decoded payload with nullable unions unwrapped. */
  payload: Record<string, unknown>;
}

export class TopicLog {
  /** Retained events start at `events[head]`; `base` is the absolute position of `events[0]`. */
  private events: StoredEvent[] = [];
  private head = 0;
  private base = 0;
  private lastReplayId: number;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly topicName: string,
    readonly definition: ObjectDefinition,
    readonly schema: EventSchema,
    firstReplayId: number,
  ) {
    this.lastReplayId = firstReplayId;
  }

  append(payload: Buffer, now: number): StoredEvent {
    // Replay ids increase but are not contiguous, as in a real org: never do arithmetic on them.
    this.lastReplayId += 1 + ((this.lastReplayId * 7) % 5);
    const event: StoredEvent = { replayId: this.lastReplayId, eventUuid: randomUUID(), payload, publishedAt: now };
    this.events.push(event);
    for (const notify of this.listeners) notify();
    return event;
  }

  /** Latest replay id of the topic (also when nothing is retained), for keepalives. */
  latestReplayId(): number {
    return this.lastReplayId;
  }

  /** Absolute position just after the newest event (where LATEST starts). */
  endPosition(): number {
    return this.base + this.events.length;
  }

  /** Absolute position of the oldest retained event (where EARLIEST starts). */
  startPosition(): number {
    return this.base + this.head;
  }

  /** Position just after the retained event with this replay id, or undefined when unknown or expired. */
  positionAfter(replayId: number): number | undefined {
    let lo = this.head;
    let hi = this.events.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const candidate = (this.events[mid] as StoredEvent).replayId;
      if (candidate === replayId) return this.base + mid + 1;
      if (candidate < replayId) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Events from an absolute position, at most `max`; positions before the retained start are skipped. */
  read(from: number, max: number): { events: StoredEvent[]; next: number } {
    const start = Math.max(from, this.startPosition());
    const slice = this.events.slice(start - this.base, start - this.base + max);
    return { events: slice, next: start + slice.length };
  }

  /** Drops events published before `cutoff` (ms); compacts the array once half of it is dead. */
  expireBefore(cutoff: number): void {
    while (this.head < this.events.length && (this.events[this.head] as StoredEvent).publishedAt < cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }

  retained(): StoredEvent[] {
    return this.events.slice(this.head);
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export class EventBus {
  private readonly topics = new Map<string, TopicLog>();
  private readonly schemasById = new Map<string, EventSchema>();

  constructor(
    model: ObjectModel,
    private readonly retentionMs: number,
  ) {
    let firstReplayId = 2_400_000;
    for (const definition of model.platformEvents()) {
      const schema = buildEventSchema(definition);
      this.schemasById.set(schema.id, schema);
      this.topics.set(topicNameOf(definition.name), new TopicLog(topicNameOf(definition.name), definition, schema, firstReplayId));
      firstReplayId += 1_000_000_000;
    }
  }

  /** The topic's log with expired events dropped, or undefined for an unknown topic. */
  topic(topicName: string): TopicLog | undefined {
    const log = this.topics.get(topicName);
    log?.expireBefore(Date.now() - this.retentionMs);
    return log;
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  schema(schemaId: string): EventSchema | undefined {
    return this.schemasById.get(schemaId);
  }

  /** Publishes custom field values (already validated) as `createdById`. */
  publishFields(topicName: string, fields: Readonly<Record<string, string | boolean | null>>, createdById: string): StoredEvent {
    const log = this.requireTopic(topicName);
    const now = Date.now();
    const record: Record<string, unknown> = { CreatedDate: now, CreatedById: createdById };
    for (const field of log.schema.fields) record[field.name] = wrapForAvro(field, fields[field.name]);
    return log.append(log.schema.type.toBuffer(record), now);
  }

  /** Publishes an Avro payload already checked against the topic's schema. */
  publishEncoded(topicName: string, payload: Buffer): StoredEvent {
    return this.requireTopic(topicName).append(payload, Date.now());
  }

  decode(topicName: string, event: StoredEvent): PublishedEventView {
    const log = this.requireTopic(topicName);
    return {
      replayId: event.replayId,
      eventUuid: event.eventUuid,
      publishedAt: event.publishedAt,
      payload: unwrapAvro(log.schema.type.fromBuffer(event.payload)),
    };
  }

  /** Forgets every retained event, as if the retention window had passed (tests of expired replay ids). */
  expireAll(): void {
    for (const log of this.topics.values()) log.expireBefore(Number.POSITIVE_INFINITY);
  }

  private requireTopic(topicName: string): TopicLog {
    const log = this.topic(topicName);
    if (!log) throw new Error(`unknown topic ${topicName}`);
    return log;
  }
}

export function topicNameOf(eventName: string): string {
  return `/event/${eventName}`;
}
