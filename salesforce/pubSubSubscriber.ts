/**
 * `Subscribe` and `GetSchema` on the Pub/Sub API, spoken directly over gRPC with the proto
 * shipped in pozil's client package (the same one the publisher and the simulator load).
 *
 * Why not pozil's client for the subscription: it turns every replay id into a JavaScript
 * `Number` (wrong above 2^53, and replay ids are opaque bytes), and it decodes each batch in an
 * `async` 'data' listener that awaits a schema lookup per event, so two batches (and a keepalive)
 * can be handed over interleaved or out of order, e.g. right after an admin added a field. Here
 * every FetchResponse is handed over as it arrived, raw: the caller decodes them one after the
 * other, so stream order is kept explicitly, and replay ids stay the bytes Salesforce sent.
 *
 * TLS is always checked (an extra CA, the simulator's, is trusted next to the public roots).
 */
import { rootCertificates } from 'node:tls';
import * as grpc from '@grpc/grpc-js';

import type { AccessGrant } from './connection';
import { pubSubStubClass } from './pubSubProto';
import { tlsNameOptions } from '../util/loopback';

export interface RawEvent {
  /** The EventUuid. */
  id: string;
  schemaId: string;
  /** The replay id exactly as the server sent it. */
  replayId: Buffer;
  payload: Buffer;
}

export interface FetchResponse {
  events: RawEvent[];
  /** "Latest replay ID of a subscription": its position, as opaque bytes. */
  latestReplayId: Buffer | undefined;
  pendingNumRequested: number;
}

export type ReplayFrom = { preset: 'LATEST' } | { preset: 'EARLIEST' } | { preset: 'CUSTOM'; replayId: Buffer };

export interface SubscribeListener {
  message(response: FetchResponse): void;
  /** The call failed (any non-OK status, also after `cancel()`). */
  error(error: grpc.ServiceError): void;
  /** The server ended the call with status OK (e.g. the idle close). */
  end(): void;
}

export interface SubscribeCall {
  /** Asks for `count` more events (flow control). */
  request(count: number): void;
  /** Ends the call from our side; its `error` (CANCELLED) follows. */
  cancel(): void;
}

interface WireFetchResponse {
  events?: Array<{ event?: { id?: string; schemaId?: string; payload?: Buffer }; replayId?: Buffer }>;
  latestReplayId?: Buffer;
  pendingNumRequested?: number;
}

interface SubscribeStub extends grpc.Client {
  Subscribe(metadata: grpc.Metadata): grpc.ClientDuplexStream<object, WireFetchResponse>;
  GetSchema(
    request: { schemaId: string },
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: { schemaJson?: string }) => void,
  ): void;
}

const PRESET = { LATEST: 0, EARLIEST: 1, CUSTOM: 2 } as const;

function metadataFor(grant: AccessGrant): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('accesstoken', grant.accessToken);
  metadata.set('instanceurl', grant.instanceUrl);
  metadata.set('tenantid', grant.organizationId);
  return metadata;
}

/** One channel for the process; each call carries the token it is given. */
export class PubSubSubscriber {
  private readonly stub: SubscribeStub;

  constructor(target: { endpoint: string; trustedCaPem?: string }) {
    const roots = target.trustedCaPem === undefined ? null : Buffer.from([...rootCertificates, target.trustedCaPem].join('\n'));
    const Stub = pubSubStubClass<SubscribeStub>();
    this.stub = new Stub(target.endpoint, grpc.credentials.createSsl(roots), tlsNameOptions(target.endpoint));
  }

  subscribe(grant: AccessGrant, topicName: string, from: ReplayFrom, numRequested: number, listener: SubscribeListener): SubscribeCall {
    const call = this.stub.Subscribe(metadataFor(grant));
    let finished = false;
    call.on('data', (wire: WireFetchResponse) => {
      if (finished) return;
      const events: RawEvent[] = [];
      for (const e of wire.events ?? []) {
        events.push({
          id: e.event?.id ?? '',
          schemaId: e.event?.schemaId ?? '',
          replayId: e.replayId ?? Buffer.alloc(0),
          payload: e.event?.payload ?? Buffer.alloc(0),
        });
      }
      listener.message({
        events,
        latestReplayId: wire.latestReplayId && wire.latestReplayId.length > 0 ? wire.latestReplayId : undefined,
        pendingNumRequested: wire.pendingNumRequested ?? 0,
      });
    });
    call.on('error', (error: grpc.ServiceError) => {
      if (finished) return;
      finished = true;
      listener.error(error);
    });
    call.on('end', () => {
      if (finished) return;
      finished = true;
      listener.end();
    });
    const first: Record<string, unknown> = { topicName, replayPreset: PRESET[from.preset], numRequested };
    if (from.preset === 'CUSTOM') first.replayId = from.replayId;
    call.write(first);
    return {
      request: (count) => {
        if (!finished && count > 0) call.write({ topicName, numRequested: count });
      },
      cancel: () => {
        if (finished) return;
        call.cancel();
      },
    };
  }

  /** The Avro schema JSON of a schema id. */
  getSchema(grant: AccessGrant, schemaId: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.stub.GetSchema({ schemaId }, metadataFor(grant), { deadline: new Date(Date.now() + timeoutMs) }, (error, response) => {
        if (error) reject(error);
        else if (!response?.schemaJson) reject(new Error(`schema ${schemaId} is empty`));
        else resolve(response.schemaJson);
      });
    });
  }

  close(): void {
    this.stub.close();
  }
}

/** A replay id for logs and `PlatformEvent.replayId`: the exact unsigned decimal of 8 bytes, else hex. Never through `Number`. */
export function replayIdText(replayId: Buffer): string {
  return replayId.length === 8 ? replayId.readBigUInt64BE().toString() : `0x${replayId.toString('hex')}`;
}
