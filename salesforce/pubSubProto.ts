/**
 * The Pub/Sub API's gRPC service, loaded once from the proto the salesforce-pubsub-api-client
 * package ships; the publisher and the subscriber each see it through their own typed stub.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** A gRPC client constructor of the `eventbus.v1.PubSub` service, typed as the caller uses it. */
export type PubSubStubClass<T> = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => T;

/** The proto the client package ships at its root (its `exports` hide package.json: walk up from the entry point). */
export function pubSubProtoPath(): string {
  let dir = path.dirname(require.resolve('salesforce-pubsub-api-client'));
  for (let depth = 0; depth < 4; depth++, dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'pubsub_api.proto'))) return path.join(dir, 'pubsub_api.proto');
  }
  throw new Error('pubsub_api.proto not found in the salesforce-pubsub-api-client package');
}

let stubClass: PubSubStubClass<unknown> | undefined;

/** The package `name` of the loaded proto (neither a service nor a message type). */
function protoPackage(parent: grpc.GrpcObject, name: string): grpc.GrpcObject {
  const child = parent[name];
  if (child === undefined || typeof child === 'function' || 'format' in child) throw new Error(`pubsub_api.proto has no package ${name}`);
  return child;
}

/** The service's client class, loaded on first use; `T` is the part of the service the caller calls. */
export function pubSubStubClass<T>(): PubSubStubClass<T> {
  if (!stubClass) {
    const root = grpc.loadPackageDefinition(protoLoader.loadSync(pubSubProtoPath(), {}));
    const service = protoPackage(protoPackage(root, 'eventbus'), 'v1')['PubSub'];
    if (typeof service !== 'function') throw new Error('pubsub_api.proto has no eventbus.v1.PubSub service');
    stubClass = service;
  }
  // The stub's methods are made at run time from the proto: grpc's types know none of them, the caller names those it calls.
  return stubClass as PubSubStubClass<T>;
}
