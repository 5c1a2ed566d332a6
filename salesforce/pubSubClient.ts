/**
 * Building pozil's Pub/Sub API client (`salesforce-pubsub-api-client`) on top of our login.
 *
 * The package is ESM-typed but ships a CommonJS build under its `require` condition. This
 * project compiles to CommonJS (tsc module node16, ts-jest), so the types are imported in
 * "import" resolution mode and the code is loaded with `require`, which picks `client.cjs`.
 *
 * The client runs in `user-supplied` mode with the token of the jsforce login: it makes no
 * REST call of its own and cannot take a new token, so a new client is built for a new token.
 */
import type PubSubApiClient from 'salesforce-pubsub-api-client' with { 'resolution-mode': 'import' };
import type { Configuration, Logger } from 'salesforce-pubsub-api-client' with { 'resolution-mode': 'import' };

import type { Log } from '../util/log';
import type { AccessGrant } from './connection';

export type PubSubClient = PubSubApiClient;

/** The client class itself, loaded from the package's CommonJS build (also used by tests and the benchmark's baseline). */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the package's types are ESM-only; require() loads its CommonJS build (see above)
export const { default: PubSubApiClientClass } = require('salesforce-pubsub-api-client') as { default: typeof PubSubApiClient };

export interface PubSubTarget {
  /** `host:port` of the Pub/Sub API. */
  endpoint: string;
  /**
   * True only when an extra CA is trusted (the simulator): the client cannot take a CA, so its
   * certificate check is switched off. Never true against a real org.
   */
  relaxTls: boolean;
  /** The extra CA trusted for REST (the simulator's), as PEM: the publisher's own channel trusts it too and keeps its check on. */
  trustedCaPem?: string;
}

/** Builds and connects a client for one token. `connect()` is lazy: it proves nothing about the server. */
export async function connectPubSubClient(grant: AccessGrant, target: PubSubTarget, log: Log): Promise<PubSubClient> {
  const config: Configuration = {
    authType: 'user-supplied',
    pubSubEndpoint: target.endpoint,
    accessToken: grant.accessToken,
    instanceUrl: grant.instanceUrl,
    organizationId: grant.organizationId,
    ...(target.relaxTls ? { rejectUnauthorizedSsl: false } : {}),
  };
  const client = new PubSubApiClientClass(config, clientLogger(log));
  await client.connect();
  return client;
}

/**
 * The client logs every batch at info and every stream error at error level; this adapter
 * reports them as debug: the adapter logs what matters itself, once, with context.
 */
function clientLogger(log: Log): Logger {
  const debug = (message: unknown): void => log.debug({ pubSubClient: describe(message) });
  return { debug, info: debug, error: debug, warn: (message: unknown) => log.warn({ pubSubClient: describe(message) }) };
}

function describe(message: unknown): string {
  if (message instanceof Error) return message.message;
  return typeof message === 'string' ? message : String(message);
}
