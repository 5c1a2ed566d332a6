/**
 * The Pub/Sub API (`eventbus.v1.PubSub`) over TLS gRPC, built from the proto shipped in the
 * client package itself, so the simulator and the client can never disagree on the wire
 * format. Every RPC checks the `accesstoken` / `instanceurl` / `tenantid` headers and fails
 * like Salesforce: a gRPC status, an `error-code` trailer and the rpc id.
 *
 * Simulates: the Pub/Sub API (Subscribe, Publish, GetTopic, GetSchema, flow control, errors).
 */
import { errorMessage } from '../util/errors';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Log } from '../util/log';
import type { Authority } from './authority';
import type { EventBus, TopicLog } from './eventBus';
import type { FaultPlan } from './faultPlan';
import { encodeReplayId, SubscriptionStream, type FetchResponseMessage, type StreamTiming } from './subscriptionStream';

export const ERROR_CODE = {
  auth: 'sfdc.platform.eventbus.grpc.service.auth.error',
  topicNotFound: 'sfdc.platform.eventbus.grpc.topic.not.found',
  schemaNotFound: 'sfdc.platform.eventbus.grpc.schema.not.found',
  replayIdCorrupted: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted',
  /** The org's 24-hour event delivery allocation is spent (the exact code of a real org is not documented). */
  deliveryAllocationExceeded: 'sfdc.platform.eventbus.grpc.subscription.limit.exceeded',
  invalidRequest: 'sfdc.platform.eventbus.grpc.fetch.request.invalid',
  unavailable: 'sfdc.platform.eventbus.grpc.service.unavailable',
  unimplemented: 'sfdc.platform.eventbus.grpc.service.unimplemented',
} as const;

const REPLAY_PRESET = { LATEST: 0, EARLIEST: 1, CUSTOM: 2 } as const;
const PUBLISH_ERROR = 1; // ErrorCode.PUBLISH

interface FetchRequest {
  topicName?: string;
  replayPreset?: number | string;
  replayId?: Buffer;
  numRequested?: number;
}
interface ProducerEvent {
  id?: string;
  schemaId?: string;
  payload?: Buffer;
}
interface PublishRequest {
  topicName?: string;
  events?: ProducerEvent[];
}
interface PublishResultMessage {
  replayId?: Buffer;
  error?: { code: number; msg: string };
  correlationKey: string;
}

/** A Salesforce-style gRPC failure. */
export interface PubSubFailure {
  code: grpc.status;
  errorCode: string;
  details: string;
}

function serviceError(failure: PubSubFailure, rpcId: string): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set('error-code', failure.errorCode);
  metadata.set('rpc-id', rpcId);
  return { code: failure.code, details: `${failure.details} rpcId: ${rpcId}`, metadata };
}

/**
 * The shipped proto, resolved from the installed client package (never copied). The
 * package's `exports` hide its package.json, so walk up from its entry point to the folder
 * that holds the proto.
 */
export function pubSubProtoPath(): string {
  let dir = path.dirname(require.resolve('salesforce-pubsub-api-client'));
  for (let depth = 0; depth < 4; depth++) {
    const candidate = path.join(dir, 'pubsub_api.proto');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('pubsub_api.proto not found in the salesforce-pubsub-api-client package');
}

type ServiceDefinition = grpc.ServiceDefinition<grpc.UntypedServiceImplementation>;

function loadService(): ServiceDefinition {
  const definition = protoLoader.loadSync(pubSubProtoPath(), {});
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    eventbus: { v1: { PubSub: { service: ServiceDefinition } } };
  };
  return root.eventbus.v1.PubSub.service;
}

export interface PubSubServerOptions {
  authority: Authority;
  bus: EventBus;
  faults: FaultPlan;
  timing: StreamTiming;
  instanceUrl: string;
  /** What the token's user may do on a topic (the permission set's Create = publish, Read = subscribe). */
  topicAccess?: (topicName: string) => { canPublish: boolean; canSubscribe: boolean };
  tlsKey: string;
  tlsCert: string;
  log: Log;
}

export class PubSubServer {
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  private readonly streams = new Set<SubscriptionStream>();
  /** Open gRPC calls that can be failed at once (subscriptions and publish streams). */
  private readonly liveCalls = new Set<grpc.ServerDuplexStream<unknown, unknown>>();
  private readonly unaryCalls: Record<string, number> = {};
  /** Events written to Subscribe streams, all streams together (each stream that gets an event counts once). */
  private delivered = 0;

  constructor(private readonly options: PubSubServerOptions) {
    this.server.addService(loadService(), {
      GetTopic: this.getTopic,
      GetSchema: this.getSchema,
      Publish: this.publish,
      PublishStream: this.publishStream,
      Subscribe: this.subscribe,
      ManagedSubscribe: this.managedSubscribe,
    });
  }

  async listen(host: string, port: number): Promise<number> {
    const credentials = grpc.ServerCredentials.createSsl(null, [
      { private_key: Buffer.from(this.options.tlsKey), cert_chain: Buffer.from(this.options.tlsCert) },
    ]);
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, credentials, (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
    });
  }

  openStreamCount(): number {
    return this.streams.size;
  }

  unaryCallCounts(): Record<string, number> {
    return this.unaryCalls;
  }

  deliveredEventCount(): number {
    return this.delivered;
  }

  /** Fails every open Subscribe and PublishStream call with this status and error code. */
  endAllStreams(failure: PubSubFailure): number {
    const calls = [...this.liveCalls];
    for (const call of calls) call.emit('error', serviceError(failure, randomUUID()));
    return calls.length;
  }

  async stop(): Promise<void> {
    for (const stream of [...this.streams]) stream.close();
    this.server.forceShutdown();
  }

  /** UNAUTHENTICATED unless the headers carry a live token for this org and instance. */
  private authFailure(metadata: grpc.Metadata): PubSubFailure | undefined {
    const header = (name: string): string | undefined => {
      const value = metadata.get(name)[0];
      return typeof value === 'string' ? value : undefined;
    };
    const { authority, instanceUrl } = this.options;
    const orgId = authority.credentials.orgId;
    const tenant = header('tenantid');
    const fail = (details: string): PubSubFailure => ({ code: grpc.status.UNAUTHENTICATED, errorCode: ERROR_CODE.auth, details });
    if (!authority.isValid(header('accesstoken'))) return fail('An error occurred while trying to authenticate: the access token is invalid or expired.');
    if ((header('instanceurl') ?? '').replace(/\/+$/, '') !== instanceUrl)
      return fail('An error occurred while trying to authenticate: instanceurl does not match the org.');
    if (tenant !== orgId && tenant !== orgId.slice(0, 15)) return fail('An error occurred while trying to authenticate: tenantid does not match the org.');
    return undefined;
  }

  private accessTo(topicName: string): { canPublish: boolean; canSubscribe: boolean } {
    return this.options.topicAccess?.(topicName) ?? { canPublish: true, canSubscribe: true };
  }

  private topicOrFailure(topicName: string | undefined): TopicLog | PubSubFailure {
    const log = topicName ? this.options.bus.topic(topicName) : undefined;
    if (log) return log;
    return { code: grpc.status.NOT_FOUND, errorCode: ERROR_CODE.topicNotFound, details: `Topic not found: ${topicName ?? '(none)'}.` };
  }

  /** Runs a unary RPC after the auth check and the configured latency. */
  private unary<Req, Res>(method: string, handler: (request: Req, rpcId: string) => Res | PubSubFailure) {
    return (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>): void => {
      this.unaryCalls[method] = (this.unaryCalls[method] ?? 0) + 1;
      const rpcId = randomUUID();
      const answer = (): void => {
        const failure = this.authFailure(call.metadata);
        if (failure) return callback(serviceError(failure, rpcId));
        let result: Res | PubSubFailure;
        try {
          result = handler(call.request, rpcId);
        } catch (error) {
          this.options.log.error({ err: error }, 'pubsub handler failed');
          return callback(serviceError({ code: grpc.status.INTERNAL, errorCode: ERROR_CODE.unavailable, details: 'Internal error.' }, rpcId));
        }
        if (isFailure(result)) return callback(serviceError(result, rpcId));
        callback(null, result);
      };
      const delay = this.options.faults.latency.pubSubMs + (method === 'GetSchema' ? this.options.faults.takeSchemaDelay() : 0);
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    };
  }

  private readonly getTopic = this.unary<{ topicName?: string }, object>('GetTopic', (request, rpcId) => {
    const log = this.topicOrFailure(request.topicName);
    if (isFailure(log)) return log;
    return {
      topicName: log.topicName,
      tenantGuid: this.options.authority.credentials.orgId,
      ...this.accessTo(log.topicName),
      schemaId: log.schema.id,
      rpcId,
    };
  });

  private readonly getSchema = this.unary<{ schemaId?: string }, object>('GetSchema', (request, rpcId) => {
    const schema = request.schemaId ? this.options.bus.schema(request.schemaId) : undefined;
    if (!schema) return { code: grpc.status.NOT_FOUND, errorCode: ERROR_CODE.schemaNotFound, details: `Schema not found: ${request.schemaId ?? '(none)'}.` };
    return { schemaJson: schema.json, schemaId: schema.id, rpcId };
  });

  private readonly publish = this.unary<PublishRequest, object>('Publish', (request, rpcId) => this.publishBatch(request, rpcId));

  /** Validates each event against the topic's schema; the good ones are published, each answer says which. */
  private publishBatch(request: PublishRequest, rpcId: string): object | PubSubFailure {
    const log = this.topicOrFailure(request.topicName);
    if (isFailure(log)) return log;
    if (!this.accessTo(log.topicName).canPublish) {
      return {
        code: grpc.status.PERMISSION_DENIED,
        errorCode: ERROR_CODE.auth,
        details: `The user has no permission to publish to ${log.topicName} (Create on the event).`,
      };
    }
    const events = request.events ?? [];
    if (events.length === 0 || events.length > 200) {
      return {
        code: grpc.status.INVALID_ARGUMENT,
        errorCode: ERROR_CODE.invalidRequest,
        details: `A publish request carries 1 to 200 events, got ${events.length}.`,
      };
    }
    const results: PublishResultMessage[] = events.map((event) => {
      const correlationKey = event.id ?? '';
      const problem = this.payloadProblem(log, event);
      if (problem) return { error: { code: PUBLISH_ERROR, msg: problem }, correlationKey };
      const stored = this.options.bus.publishEncoded(log.topicName, event.payload as Buffer, log.schema.id);
      return { replayId: encodeReplayId(stored.replayId), correlationKey };
    });
    return { results, schemaId: log.schema.id, rpcId };
  }

  private payloadProblem(log: TopicLog, event: ProducerEvent): string | undefined {
    if (event.schemaId !== log.schema.id) return `Schema ${event.schemaId ?? '(none)'} is not the schema of ${log.topicName} (${log.schema.id}).`;
    if (!event.payload || event.payload.length === 0) return 'The event payload is empty.';
    let decoded: Record<string, unknown>;
    try {
      decoded = log.schema.type.fromBuffer(event.payload) as Record<string, unknown>;
    } catch (error) {
      return `The payload is not valid Avro for schema ${log.schema.id}: ${errorMessage(error)}.`;
    }
    for (const field of log.schema.fields) {
      const value = decoded[field.name];
      const text = value !== null && typeof value === 'object' ? (value as { string?: unknown }).string : undefined;
      if (typeof text === 'string' && text.length > field.length) return `${field.name}: data value too large (max length=${field.length}).`;
    }
    return undefined;
  }

  private readonly publishStream = (call: grpc.ServerDuplexStream<PublishRequest, object>): void => {
    const rpcId = randomUUID();
    const failure = this.authFailure(call.metadata);
    if (failure) {
      call.emit('error', serviceError(failure, rpcId));
      return;
    }
    const duplex = call as grpc.ServerDuplexStream<unknown, unknown>;
    this.liveCalls.add(duplex);
    const forget = (): void => void this.liveCalls.delete(duplex);
    call.on('data', (request: PublishRequest) => {
      const result = this.publishBatch(request, rpcId);
      if (isFailure(result)) call.emit('error', serviceError(result, rpcId));
      else call.write(result);
    });
    call.on('end', () => {
      forget();
      call.end();
    });
    call.on('error', forget);
    call.on('cancelled', forget);
  };

  private readonly subscribe = (call: grpc.ServerDuplexStream<FetchRequest, FetchResponseMessage>): void => {
    const rpcId = randomUUID();
    const failure = this.authFailure(call.metadata);
    if (failure) {
      call.emit('error', serviceError(failure, rpcId));
      return;
    }
    const duplex = call as grpc.ServerDuplexStream<unknown, unknown>;
    this.liveCalls.add(duplex);
    let stream: SubscriptionStream | undefined;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.liveCalls.delete(duplex);
      stream?.close();
    };
    const fail = (f: PubSubFailure): void => {
      finish();
      call.emit('error', serviceError(f, stream?.rpcId ?? rpcId));
    };
    call.on('data', (request: FetchRequest) => {
      if (finished) return;
      const numRequested = request.numRequested ?? 0;
      if (!Number.isInteger(numRequested) || numRequested < 0) {
        return fail({
          code: grpc.status.INVALID_ARGUMENT,
          errorCode: ERROR_CODE.invalidRequest,
          details: `num_requested must be a positive integer, got ${numRequested}.`,
        });
      }
      if (stream) {
        if (request.topicName && request.topicName !== stream.log.topicName) {
          return fail({ code: grpc.status.INVALID_ARGUMENT, errorCode: ERROR_CODE.invalidRequest, details: 'The topic of a subscription cannot change.' });
        }
        stream.request(numRequested);
        return;
      }
      const log = this.topicOrFailure(request.topicName);
      if (isFailure(log)) return fail(log);
      if (!this.accessTo(log.topicName).canSubscribe) {
        return fail({
          code: grpc.status.PERMISSION_DENIED,
          errorCode: ERROR_CODE.auth,
          details: `The user has no permission to subscribe to ${log.topicName} (Read on the event).`,
        });
      }
      const position = this.startPosition(log, request);
      if (isFailure(position)) return fail(position);
      if (this.options.bus.deliveries.remaining() === 0) return fail(allocationSpent(this.options.bus.deliveries.perDay));
      stream = new SubscriptionStream(
        log,
        position,
        {
          write: (message) => {
            this.delivered += message.events?.length ?? 0;
            return call.write(message);
          },
          onDrain: (listener) => void call.once('drain', listener),
          endOk: () => {
            finish();
            call.end();
          },
          failAllocationSpent: () => fail(allocationSpent(this.options.bus.deliveries.perDay)),
        },
        this.options.faults,
        this.options.timing,
        (closed) => this.streams.delete(closed),
        this.options.bus.deliveries,
      );
      this.streams.add(stream);
      stream.request(numRequested);
    });
    call.on('end', () => {
      finish();
      call.end();
    });
    call.on('error', finish);
    call.on('cancelled', finish);
    call.on('close', finish);
  };

  private startPosition(log: TopicLog, request: FetchRequest): number | PubSubFailure {
    const preset =
      typeof request.replayPreset === 'string'
        ? REPLAY_PRESET[request.replayPreset as keyof typeof REPLAY_PRESET]
        : (request.replayPreset ?? REPLAY_PRESET.LATEST);
    if (preset === REPLAY_PRESET.EARLIEST) return log.startPosition();
    if (preset !== REPLAY_PRESET.CUSTOM) return log.endPosition();
    const corrupted = (why: string): PubSubFailure => ({
      code: grpc.status.INVALID_ARGUMENT,
      errorCode: ERROR_CODE.replayIdCorrupted,
      details: `The Replay ID validation failed: ${why} Subscribe with the EARLIEST or LATEST preset instead.`,
    });
    const replayId = request.replayId;
    if (!replayId || replayId.length !== 8) return corrupted('a replay id is 8 bytes.');
    const position = log.positionAfter(replayId.readBigUInt64BE());
    return position ?? corrupted('the replay id is unknown or older than the retention window.');
  }

  private readonly managedSubscribe = (call: grpc.ServerDuplexStream<unknown, unknown>): void => {
    call.emit(
      'error',
      serviceError(
        { code: grpc.status.UNIMPLEMENTED, errorCode: ERROR_CODE.unimplemented, details: 'ManagedSubscribe is not supported by the simulator.' },
        randomUUID(),
      ),
    );
  };
}

function allocationSpent(perDay: number): PubSubFailure {
  return {
    code: grpc.status.RESOURCE_EXHAUSTED,
    errorCode: ERROR_CODE.deliveryAllocationExceeded,
    details: `The org's 24-hour event delivery allocation (${perDay}) is used up: no more events are delivered until it frees up.`,
  };
}

function isFailure(value: unknown): value is PubSubFailure {
  return typeof value === 'object' && value !== null && 'errorCode' in value && 'code' in value && 'details' in value;
}
