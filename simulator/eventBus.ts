/**
 * The org's event bus: one append-only log per platform event topic, kept for the retention
 * window. Publishing over REST, over gRPC or from the fault API all end here, and every open
 * subscription is told "there is more" — each stream then reads from its own position, so
 * delivering an event costs O(subscribers), never a scan of the log.
 */
import { randomUUID } from 'node:crypto';
import type { FieldDefinition, ObjectDefinition, ObjectModel } from './objectModel';
import { buildEventSchema, unwrapAvro, wrapForAvro, type EventSchema } from './eventSchema';

/** One published event, as retained. Small on purpose: 100,000+ of them must fit. */
export interface StoredEvent {
  /** Opaque on the wire (8 bytes here); a bigint because real ones exceed 2^53. */
  readonly replayId: bigint;
  readonly eventUuid: string;
  /** The schema the payload was written with: events published before a field was added keep the old one. */
  readonly schemaId: string;
  readonly payload: Buffer;
  readonly publishedAt: number;
}

export interface PublishedEventView {
  /** The replay id as a number (inexact above 2^53: see `replayIdText`). */
  replayId: number;
  /** The exact replay id, in decimal. */
  replayIdText: string;
  eventUuid: string;
  schemaId: string;
  publishedAt: number;
  /** Decoded payload with nullable unions unwrapped. */
  payload: Record<string, unknown>;
}

export class TopicLog {
  /** Retained events start at `events[head]`; `base` is the absolute position of `events[0]`. */
  private events: StoredEvent[] = [];
  private head = 0;
  private base = 0;
  private lastReplayId: bigint;
  /** Absolute position just after each retained event, by replay id (ids need not grow: no binary search). */
  private readonly positions = new Map<bigint, number>();
  /** Replay ids that name a position without an event (the topic's start, a renumbering): what a keepalive may report. */
  private readonly marks = new Map<bigint, number>();
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly topicName: string,
    readonly definition: ObjectDefinition,
    public schema: EventSchema,
    firstReplayId: bigint,
  ) {
    this.lastReplayId = firstReplayId;
    this.marks.set(firstReplayId, 0);
  }

  append(payload: Buffer, now: number, schemaId = this.schema.id): StoredEvent {
    // Replay ids increase but are not contiguous, as in a real org: never do arithmetic on them.
    this.lastReplayId += 1n + ((this.lastReplayId * 7n) % 5n);
    const event: StoredEvent = { replayId: this.lastReplayId, eventUuid: randomUUID(), schemaId, payload, publishedAt: now };
    this.events.push(event);
    this.positions.set(event.replayId, this.base + this.events.length);
    for (const notify of this.listeners) notify();
    return event;
  }

  /**
   * Replay ids start again from `firstReplayId`, as after an org migration: they are not unique
   * and do not grow across it (identity is the EventUuid).
   */
  renumber(firstReplayId: bigint): void {
    this.lastReplayId = firstReplayId;
    this.marks.set(firstReplayId, this.endPosition());
  }

  /** Latest replay id of the topic (also when nothing is retained). */
  latestReplayId(): bigint {
    return this.lastReplayId;
  }

  /**
   * The replay id naming an absolute position (the one just before it): the event there, or a
   * mark. What a subscription at that position reports in its keepalives, and what CUSTOM
   * replay takes back.
   */
  replayIdAt(position: number): bigint {
    const index = position - 1 - this.base;
    if (index >= 0 && index < this.events.length) return (this.events[index] as StoredEvent).replayId;
    for (const [replayId, at] of this.marks) if (at === position) return replayId;
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

  /** Position just after the retained event (or mark) with this replay id, or undefined when unknown or expired. */
  positionAfter(replayId: bigint): number | undefined {
    const position = this.positions.get(replayId) ?? this.marks.get(replayId);
    if (position === undefined) return undefined;
    // A position whose event expired (or with expired events after it) cannot be resumed after.
    if (position < this.startPosition() || (this.positions.has(replayId) && position - 1 < this.startPosition())) return undefined;
    return position;
  }

  /** Events from an absolute position, at most `max`; positions before the retained start are skipped. */
  read(from: number, max: number): { events: StoredEvent[]; next: number } {
    const start = Math.max(from, this.startPosition());
    const slice = this.events.slice(start - this.base, start - this.base + max);
    return { events: slice, next: start + slice.length };
  }

  /** Drops events published before `cutoff` (ms); compacts the array once half of it is dead. */
  expireBefore(cutoff: number): void {
    while (this.head < this.events.length && (this.events[this.head] as StoredEvent).publishedAt < cutoff) {
      const expired = this.events[this.head] as StoredEvent;
      if (this.positions.get(expired.replayId) === this.base + this.head + 1) this.positions.delete(expired.replayId);
      this.head++;
    }
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
  readonly deliveries: DeliveryAllocation;
  /** High-volume events published in the last hour (the org's HourlyPublishedPlatformEvents). */
  readonly publishes: DeliveryAllocation;
  /** The org's clock (CreatedDate, retention, the delivery window). */
  private readonly now: () => number;

  constructor(
    model: ObjectModel,
    private readonly retentionMs: number,
    options: { firstReplayId?: bigint; deliveryAllocationPerDay?: number; publishAllocationPerHour?: number; now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.deliveries = new DeliveryAllocation(options.deliveryAllocationPerDay ?? 50_000, this.now);
    this.publishes = new DeliveryAllocation(options.publishAllocationPerHour ?? 250_000, this.now, 1);
    let firstReplayId = options.firstReplayId ?? 2_400_000n;
    for (const definition of model.platformEvents()) {
      const schema = buildEventSchema(definition);
      this.schemasById.set(schema.id, schema);
      this.topics.set(topicNameOf(definition.name), new TopicLog(topicNameOf(definition.name), definition, schema, firstReplayId));
      firstReplayId += 1_000_000_000n;
    }
  }

  /**
   * An admin adds a field to a platform event: the definition (so REST accepts the field) and
   * the schema change, and the topic gets a new schema id. Events published before keep theirs.
   */
  addField(topicName: string, field: FieldDefinition): EventSchema {
    const log = this.requireTopic(topicName);
    if (log.definition.fieldsByLowerName.has(field.name.toLowerCase())) throw new RangeError(`${log.definition.name} already has a field ${field.name}.`);
    log.definition.fields.push(field);
    log.definition.fieldsByLowerName.set(field.name.toLowerCase(), field);
    const schema = buildEventSchema(log.definition);
    this.schemasById.set(schema.id, schema);
    log.schema = schema;
    return schema;
  }

  /** Replay ids of every topic start again from `firstReplayId` (an org migration). */
  renumberReplayIds(firstReplayId: bigint): void {
    for (const log of this.topics.values()) log.renumber(firstReplayId);
  }

  /** The topic's log with expired events dropped, or undefined for an unknown topic. */
  topic(topicName: string): TopicLog | undefined {
    const log = this.topics.get(topicName);
    log?.expireBefore(this.now() - this.retentionMs);
    return log;
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  schema(schemaId: string): EventSchema | undefined {
    return this.schemasById.get(schemaId);
  }

  /** Publishes custom field values (already validated) as `createdById`. */
  publishFields(topicName: string, fields: Readonly<Record<string, string | boolean | null>>, createdById: string, agoMs = 0): StoredEvent {
    const log = this.requireTopic(topicName);
    const now = this.now();
    const record: Record<string, unknown> = { CreatedDate: now - agoMs, CreatedById: createdById };
    for (const field of log.schema.fields) record[field.name] = wrapForAvro(field, fields[field.name]);
    this.publishes.record(1);
    return log.append(log.schema.type.toBuffer(record), now);
  }

  /**
   * Publishes an Avro payload already checked against the topic's schema. The org stamps
   * `CreatedDate` with its own clock, whatever the publisher put there: subscribers see when the
   * org created the event (and a publisher can measure its clock against the org's by it).
   */
  publishEncoded(topicName: string, payload: Buffer, schemaId: string): StoredEvent {
    this.publishes.record(1);
    const log = this.requireTopic(topicName);
    const schema = this.schemasById.get(schemaId) ?? log.schema;
    const now = this.now();
    const record = schema.type.fromBuffer(payload) as Record<string, unknown>;
    return log.append(schema.type.toBuffer({ ...record, CreatedDate: now }), now, schemaId);
  }

  decode(topicName: string, event: StoredEvent): PublishedEventView {
    this.requireTopic(topicName);
    const schema = this.schemasById.get(event.schemaId) as EventSchema;
    return {
      replayId: Number(event.replayId),
      replayIdText: event.replayId.toString(),
      eventUuid: event.eventUuid,
      schemaId: event.schemaId,
      publishedAt: event.publishedAt,
      payload: unwrapAvro(schema.type.fromBuffer(event.payload)),
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

/**
 * The org's 24-hour event delivery allocation: every event delivered to every subscriber
 * counts (Unlimited Edition: 50,000 by default). Once spent, subscriptions are refused until
 * deliveries older than 24 hours free some. Counted in hourly buckets, as the allocation is
 * reported.
 */
export class DeliveryAllocation {
  private readonly buckets = new Map<number, number>();

  constructor(
    /** The allocation for the window (a day for deliveries, an hour for publishes). */
    public perDay: number,
    private readonly now: () => number = Date.now,
    private readonly windowHours = 24,
  ) {}

  /** Counted in the window (the last 24 hours by default). */
  used(): number {
    const hour = Math.floor(this.now() / 3_600_000);
    let sum = 0;
    for (const [bucket, count] of this.buckets) {
      if (bucket <= hour - this.windowHours) this.buckets.delete(bucket);
      else sum += count;
    }
    return sum;
  }

  remaining(): number {
    return Math.max(0, this.perDay - this.used());
  }

  record(count: number): void {
    const hour = Math.floor(this.now() / 3_600_000);
    this.buckets.set(hour, (this.buckets.get(hour) ?? 0) + count);
  }

  /** Forgets what was delivered (as if a day had passed). */
  reset(): void {
    this.buckets.clear();
  }
}
