/**
 * `Publish` on the Pub/Sub API with the topic's schema kept between publishes.
 *
 * pozil's client (`salesforce-pubsub-api-client`, which this project uses for the subscription)
 * asks `GetTopic` before every `publish()`: two RPCs per event. Measured in the benchmark
 * (interleaved runs), keeping the schema cut the bot's CPU per co-work session by about a tenth
 * and the simulator's by about a seventh; against a real org it also saves a round trip per
 * answer. This speaks the same proto (the one shipped in that package), with the same three
 * metadata headers (`accesstoken`, `instanceurl`, `tenantid`), read on every call, so a renewed
 * token needs no new channel.
 *
 * The schema of a topic is asked again after `SCHEMA_TTL_MS`, and at once after any failed
 * publish: an admin adding a field to the event changes its schema. A publish the org refuses
 * is retried once when the topic's schema id turned out to have changed.
 *
 * TLS is always checked. With an extra trusted CA (the simulator's) the channel trusts it next to
 * the public roots; pozil's client, which cannot take a CA, has to switch its check off instead.
 */
import { rootCertificates } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { parse as parseAvroSchema } from 'avro-js';
import type { AccessGrant } from './connection';
import { pubSubStubClass } from './pubSubProto';
import { tlsNameOptions } from '../util/loopback';

const SCHEMA_TTL_MS = 5 * 60_000;

export interface GrpcPublisherTarget {
  /** `host:port` of the Pub/Sub API. */
  endpoint: string;
  /** A CA to trust besides the public roots (the simulator's), as PEM. */
  trustedCaPem?: string;
}

export interface PublishedEvent {
  /** The correlation key the org answered for the event (the id it was published with). */
  eventUuid: string;
  replayId: string | undefined;
}

interface TopicSchema {
  schemaId: string;
  type: { toBuffer(value: unknown): Buffer };
}

type PublishResultEntry = { replayId?: Buffer; error?: { code?: unknown; msg?: unknown } | null; correlationKey?: string };

type Callback<T> = (error: grpc.ServiceError | null, response?: T) => void;

interface PubSubStub extends grpc.Client {
  GetTopic(
    request: { topicName: string },
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: Callback<{ schemaId: string; canPublish?: boolean }>,
  ): void;
  GetSchema(request: { schemaId: string }, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<{ schemaJson: string }>): void;
  Publish(
    request: { topicName: string; events: Array<{ id: string; schemaId: string; payload: Buffer }> },
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: Callback<{ results?: Array<{ replayId?: Buffer; error?: { code?: unknown; msg?: unknown } | null; correlationKey?: string }> }>,
  ): void;
}

export class GrpcPublisher {
  private readonly stub: PubSubStub;
  /** Per topic: the schema (or its loading), and when it was asked for. */
  private readonly schemas = new Map<string, { schema: Promise<TopicSchema>; askedAt: number }>();

  constructor(
    target: GrpcPublisherTarget,
    private readonly grant: () => AccessGrant,
    private readonly now: () => number = Date.now,
  ) {
    const roots = target.trustedCaPem === undefined ? null : Buffer.from([...rootCertificates, target.trustedCaPem].join('\n'));
    const Stub = pubSubStubClass<PubSubStub>();
    this.stub = new Stub(target.endpoint, grpc.credentials.createSsl(roots), tlsNameOptions(target.endpoint));
  }

  /**
   * Publishes one event (`record`: the Avro record, nullable fields wrapped as `{ string: … }`)
   * with `eventUuid` as its id. Rejects with the gRPC error (its `error-code` trailer intact), or
   * with an Error naming the refusal when the org answers the event with an error.
   */
  async publish(topic: string, record: Readonly<Record<string, unknown>>, eventUuid: string, timeoutMs: number): Promise<PublishedEvent> {
    const deadline = this.now() + timeoutMs;
    try {
      const schema = await this.schema(topic, deadline);
      const result = await this.publishWith(schema, topic, record, eventUuid, deadline);
      if (!result.error) return this.published(result, eventUuid);
      // Refused: the schema may have changed under us (an admin added a field). Ask again, and
      // publish once more if it did; the same schema refused twice is a real refusal.
      this.schemas.delete(topic);
      const fresh = await this.schema(topic, deadline);
      if (fresh.schemaId === schema.schemaId) throw new Error(`publish refused: ${String(result.error.msg ?? result.error.code)}`);
      const retried = await this.publishWith(fresh, topic, record, eventUuid, deadline);
      if (retried.error) throw new Error(`publish refused: ${String(retried.error.msg ?? retried.error.code)}`);
      return this.published(retried, eventUuid);
    } catch (error) {
      this.schemas.delete(topic);
      throw error;
    }
  }

  private async publishWith(
    schema: TopicSchema,
    topic: string,
    record: Readonly<Record<string, unknown>>,
    eventUuid: string,
    deadline: number,
  ): Promise<PublishResultEntry> {
    const payload = schema.type.toBuffer(record);
    const response = await this.call<ReplyOf<PubSubStub['Publish']>>(
      (metadata, options, callback) =>
        this.stub.Publish({ topicName: topic, events: [{ id: eventUuid, schemaId: schema.schemaId, payload }] }, metadata, options, callback),
      deadline,
    );
    const result = response?.results?.[0];
    if (!result) throw new Error('publish answered no result');
    return result;
  }

  private published(result: PublishResultEntry, eventUuid: string): PublishedEvent {
    return {
      eventUuid: result.correlationKey || eventUuid,
      replayId: result.replayId?.length === 8 ? result.replayId.readBigUInt64BE().toString() : undefined,
    };
  }

  /**
   * Publishes several events of one topic in one `Publish` call (each record with its own id).
   * Resolves with the org's answer per event, in order; rejects like `publish` when the call fails.
   */
  async publishBatch(
    topic: string,
    records: ReadonlyArray<{ record: Readonly<Record<string, unknown>>; eventUuid: string }>,
    timeoutMs: number,
  ): Promise<Array<PublishedEvent | { error: string }>> {
    const deadline = this.now() + timeoutMs;
    try {
      const schema = await this.schema(topic, deadline);
      const events = records.map(({ record, eventUuid }) => ({ id: eventUuid, schemaId: schema.schemaId, payload: schema.type.toBuffer(record) }));
      const response = await this.call<ReplyOf<PubSubStub['Publish']>>(
        (metadata, options, callback) => this.stub.Publish({ topicName: topic, events }, metadata, options, callback),
        deadline,
      );
      return records.map(({ eventUuid }, i) => {
        const result = response?.results?.[i];
        if (!result) return { error: 'publish answered no result' };
        if (result.error) return { error: `publish refused: ${String(result.error.msg ?? result.error.code)}` };
        return {
          eventUuid: result.correlationKey || eventUuid,
          replayId: result.replayId?.length === 8 ? result.replayId.readBigUInt64BE().toString() : undefined,
        };
      });
    } catch (error) {
      this.schemas.delete(topic);
      throw error;
    }
  }

  close(): void {
    this.stub.close();
  }

  private schema(topic: string, deadline: number): Promise<TopicSchema> {
    const cached = this.schemas.get(topic);
    if (cached && this.now() - cached.askedAt <= SCHEMA_TTL_MS) return cached.schema;
    const schema = (async (): Promise<TopicSchema> => {
      const topicInfo = await this.call<ReplyOf<PubSubStub['GetTopic']>>(
        (metadata, options, callback) => this.stub.GetTopic({ topicName: topic }, metadata, options, callback),
        deadline,
      );
      if (!topicInfo?.schemaId) throw new Error(`topic ${topic} has no schema`);
      if (topicInfo.canPublish === false) throw new Error(`this user cannot publish to ${topic}`);
      const schemaInfo = await this.call<ReplyOf<PubSubStub['GetSchema']>>(
        (metadata, options, callback) => this.stub.GetSchema({ schemaId: topicInfo.schemaId }, metadata, options, callback),
        deadline,
      );
      if (!schemaInfo?.schemaJson) throw new Error(`schema ${topicInfo.schemaId} is empty`);
      return { schemaId: topicInfo.schemaId, type: parseAvroSchema(schemaInfo.schemaJson) };
    })();
    const entry = { schema, askedAt: this.now() };
    this.schemas.set(topic, entry);
    schema.catch(() => {
      if (this.schemas.get(topic) === entry) this.schemas.delete(topic);
    });
    return schema;
  }

  /** One unary call with the current token's metadata and the publish's deadline. */
  private call<R>(start: (metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<R>) => void, deadline: number): Promise<R | undefined> {
    const grant = this.grant();
    const metadata = new grpc.Metadata();
    metadata.set('accesstoken', grant.accessToken);
    metadata.set('instanceurl', grant.instanceUrl);
    metadata.set('tenantid', grant.organizationId);
    return new Promise((resolve, reject) => {
      start(metadata, { deadline: new Date(deadline) }, (error, response) => (error ? reject(error) : resolve(response)));
    });
  }
}

/** What a unary method of the stub answers (its callback's response). */
type ReplyOf<M> = M extends (request: never, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<infer T>) => void ? T : never;
