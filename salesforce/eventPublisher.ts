/**
 * Publishing a platform event: over the Pub/Sub API (`Publish`, see grpcPublisher.ts), and over
 * REST (`POST sobjects/<Event>/`) when the gRPC side is unavailable.
 *
 * The two paths are not symmetric. gRPC takes the Avro record: nullable fields wrapped as
 * `{ string: value }`, and `CreatedDate` / `CreatedById` present (the org stamps its own).
 * REST takes plain JSON and answers "queued", with the EventUuid in an `OPERATION_ENQUEUED`
 * entry of `errors`. Either way the EventUuid is what subscribers see as the event id.
 */
import { errorMessage } from '../util/errors';
import { randomUUID } from 'node:crypto';

import type { Log } from '../util/log';
import type { PublishOptions, PublishResult } from '../cowork/ports';
import type { SalesforceSession } from './connection';
import { GrpcPublisher } from './grpcPublisher';
import type { PubSubTarget } from './pubSubClient';
import { describeFailure, isAuthFailure, pubSubFailure } from './pubSubErrors';
import type { RestApi } from './restApi';
import { isFieldApiName } from './soql';

const TOPIC = /^\/event\/([a-zA-Z][a-zA-Z0-9_]*__e)$/;
/** A gRPC publish that has not answered by then is treated as unavailable. */
const GRPC_PUBLISH_TIMEOUT_MS = 10_000;

interface RestPublishResponse {
  id?: string;
  success?: boolean;
  errors?: Array<{ statusCode?: string; message?: string }>;
}

export class EventPublisher {
  private grpc: GrpcPublisher | undefined;
  private closed = false;

  constructor(
    private readonly session: SalesforceSession,
    private readonly rest: RestApi,
    private readonly target: PubSubTarget,
    private readonly log: Log,
    private readonly grpcTimeoutMs = GRPC_PUBLISH_TIMEOUT_MS,
  ) {}

  async publish(topic: string, fields: Readonly<Record<string, string | null>>, options: PublishOptions = {}): Promise<PublishResult> {
    const eventName = TOPIC.exec(topic)?.[1];
    if (eventName === undefined) throw new Error(`"${topic}" is not a platform event topic (/event/Name__e)`);
    for (const name of Object.keys(fields)) if (!isFieldApiName(name)) throw new Error(`"${name}" is not a field API name`);
    if (options.over === 'rest') return this.publishOverRest(eventName, fields);

    let failure: string;
    const tokenUsed = this.session.grant().accessToken;
    try {
      return await this.publishOverGrpc(topic, fields);
    } catch (error) {
      const first = pubSubFailure(error);
      if (isAuthFailure(first)) {
        // The token expired under us: log in again (once for everyone) and try gRPC once more.
        try {
          await this.session.renew(tokenUsed);
          return await this.publishOverGrpc(topic, fields);
        } catch (retryError) {
          failure = describeFailure(pubSubFailure(retryError));
        }
      } else {
        failure = describeFailure(first);
      }
    }
    this.log.warn({ topic, err: failure }, 'Pub/Sub publish failed, publishing over REST');
    return this.publishOverRest(eventName, fields);
  }

  /**
   * Publishes several events of one topic at once: one Pub/Sub `Publish` call for all of them
   * (one round trip); when that call fails, each over REST. Resolves how many were accepted.
   */
  async publishBatch(topic: string, fieldsList: ReadonlyArray<Readonly<Record<string, string | null>>>): Promise<{ accepted: number; failures: string[] }> {
    const eventName = TOPIC.exec(topic)?.[1];
    if (eventName === undefined) throw new Error(`"${topic}" is not a platform event topic (/event/Name__e)`);
    for (const fields of fieldsList) for (const name of Object.keys(fields)) if (!isFieldApiName(name)) throw new Error(`"${name}" is not a field API name`);
    if (fieldsList.length === 0) return { accepted: 0, failures: [] };
    try {
      if (this.closed) throw new Error('publisher closed');
      this.grpc ??= new GrpcPublisher(
        { endpoint: this.target.endpoint, ...(this.target.trustedCaPem !== undefined ? { trustedCaPem: this.target.trustedCaPem } : {}) },
        () => this.session.grant(),
      );
      const grant = this.session.grant();
      const records = fieldsList.map((fields) => {
        const record: Record<string, unknown> = { CreatedDate: Date.now(), CreatedById: grant.userId };
        for (const [name, value] of Object.entries(fields)) record[name] = value === null ? null : { string: value };
        return { record, eventUuid: randomUUID() };
      });
      const results = await this.grpc.publishBatch(topic, records, this.grpcTimeoutMs);
      const failures = results.flatMap((r) => ('error' in r ? [r.error] : []));
      return { accepted: results.length - failures.length, failures };
    } catch (error) {
      this.log.warn(
        { topic, err: new Error(describeFailure(pubSubFailure(error))), events: fieldsList.length },
        'Pub/Sub batch publish failed, publishing each over REST',
      );
    }
    let accepted = 0;
    const failures: string[] = [];
    for (const fields of fieldsList) {
      try {
        await this.publishOverRest(eventName, fields);
        accepted++;
      } catch (error) {
        failures.push(errorMessage(error));
      }
    }
    return { accepted, failures };
  }

  close(): void {
    this.closed = true;
    this.grpc?.close();
    this.grpc = undefined;
  }

  private async publishOverGrpc(topic: string, fields: Readonly<Record<string, string | null>>): Promise<PublishResult> {
    if (this.closed) throw new Error('publisher closed');
    // One channel for the process: every call carries the session's current token.
    this.grpc ??= new GrpcPublisher(
      { endpoint: this.target.endpoint, ...(this.target.trustedCaPem !== undefined ? { trustedCaPem: this.target.trustedCaPem } : {}) },
      () => this.session.grant(),
    );
    const grant = this.session.grant();
    const record: Record<string, unknown> = { CreatedDate: Date.now(), CreatedById: grant.userId };
    for (const [name, value] of Object.entries(fields)) record[name] = value === null ? null : { string: value };
    const published = await this.grpc.publish(topic, record, randomUUID(), this.grpcTimeoutMs);
    return { eventUuid: published.eventUuid, via: 'pubsub', ...(published.replayId !== undefined ? { replayId: published.replayId } : {}) };
  }

  private async publishOverRest(eventName: string, fields: Readonly<Record<string, string | null>>): Promise<PublishResult> {
    const response = await this.rest.post<RestPublishResponse>(`sobjects/${eventName}/`, fields);
    const enqueued = response.errors?.find((e) => e.statusCode === 'OPERATION_ENQUEUED')?.message;
    if (response.success !== true) throw new Error(`REST publish of ${eventName} failed: ${JSON.stringify(response.errors ?? [])}`);
    if (!enqueued) {
      // Older API versions do not report the EventUuid; the record id is the best identity left.
      this.log.warn({ eventName, id: response.id }, 'REST publish returned no EventUuid');
      return { eventUuid: response.id ?? '', via: 'rest' };
    }
    return { eventUuid: enqueued, via: 'rest' };
  }
}
