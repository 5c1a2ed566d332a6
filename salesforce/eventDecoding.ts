/**
 * A stream's raw events made `PlatformEvent`s: each schema id's Avro reader fetched once and kept
 * (a failed fetch is forgotten, so the next event asks again), the payload decoded with its
 * nullable unions unwrapped, an event without EventUuid refused. `topicSubscription.ts` decides
 * the order (the stream's) and what a failure does to the stream.
 */
import { parse as parseAvroSchema } from 'avro-js';

import type { Log } from '../util/log';
import type { PlatformEvent } from '../cowork/ports';
import { unwrapAvroUnions } from '../util/avroUnions';
import type { SalesforceSession } from './connection';
import { replayIdText, type PubSubSubscriber, type RawEvent } from './pubSubSubscriber';

const SCHEMA_TIMEOUT_MS = 10_000;

export type AvroReader = { fromBuffer(buffer: Buffer): unknown };

/** The Avro readers of a topic's schema ids, each fetched once. */
export class SchemaCache {
  private readonly readers = new Map<string, Promise<AvroReader>>();

  constructor(
    private readonly session: SalesforceSession,
    private readonly log: Log,
  ) {}

  /** The reader of `schemaId`, fetched through `subscriber` the first time. */
  readerFor(schemaId: string, subscriber: PubSubSubscriber | undefined): Promise<AvroReader> {
    let reader = this.readers.get(schemaId);
    if (!reader) {
      if (!subscriber) return Promise.reject(new Error('not subscribed'));
      this.log.info({ schemaId }, 'fetching event schema');
      reader = subscriber.getSchema(this.session.grant(), schemaId, SCHEMA_TIMEOUT_MS).then((json) => parseAvroSchema(json) as AvroReader);
      this.readers.set(schemaId, reader);
      reader.catch(() => this.readers.delete(schemaId));
    }
    return reader;
  }
}

export type DecodedEvent = { kind: 'event'; event: PlatformEvent } | { kind: 'undecodable'; error: unknown } | { kind: 'noEventUuid' };

/** One raw event of `topic`, read with its schema's reader. */
export function decodeEvent(topic: string, raw: RawEvent, reader: AvroReader): DecodedEvent {
  let payload: Record<string, unknown>;
  try {
    payload = unwrapAvroUnions(reader.fromBuffer(raw.payload));
  } catch (error) {
    return { kind: 'undecodable', error };
  }
  if (raw.id === '') return { kind: 'noEventUuid' };
  const createdDate = typeof payload.CreatedDate === 'number' ? payload.CreatedDate : undefined;
  return { kind: 'event', event: { id: raw.id, replayId: replayIdText(raw.replayId), topic, payload, ...(createdDate !== undefined ? { createdDate } : {}) } };
}
