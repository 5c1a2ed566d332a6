/**
 * Shared helpers for the simulator conformance tests: trust the simulator's certificate for
 * jsforce (through Node's global agent, never by disabling verification), log in with the
 * real jsforce, build the real Pub/Sub client, and wait for conditions with a bound.
 */
import jsforce, { type Connection } from 'jsforce';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';
import type { AccessGrant } from '../../salesforce/connection';
import { PubSubSubscriber, type FetchResponse, type ReplayFrom } from '../../salesforce/pubSubSubscriber';
import { PubSubApiClientClass, type PubSubClient } from '../../salesforce/pubSubClient';
import { trustExtraCa } from '../../salesforce/trust';

export const API_VERSION = '62.0';
export const TOPIC = '/event/Use_of_Funds__e';

/**
 * jsforce uses node-fetch with https.globalAgent: add the simulator's CA next to the public roots,
 * the way the adapter does. Test files of one jest worker share Node's global agent, so this goes
 * through the adapter's own `trustExtraCa`, which keeps every CA trusted so far (setting the
 * agent's `ca` here would be shadowed by a TLS context another file's simulator installed).
 */
export function trustSimulator(caCert: string): void {
  trustExtraCa(caCert);
}

export async function clientCredentialsConnection(sim: RunningSimulator): Promise<Connection> {
  const conn = new jsforce.Connection({
    oauth2: { loginUrl: sim.loginUrl, clientId: sim.clientId, clientSecret: sim.clientSecret },
    version: API_VERSION,
  });
  await conn.authorize({ grant_type: 'client_credentials' });
  return conn;
}

const quietLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export async function pubSubClient(
  sim: RunningSimulator,
  accessToken: string,
  overrides: { instanceUrl?: string; organizationId?: string } = {},
): Promise<PubSubClient> {
  const client = new PubSubApiClientClass(
    {
      authType: 'user-supplied',
      accessToken,
      instanceUrl: overrides.instanceUrl ?? sim.instanceUrl,
      organizationId: overrides.organizationId ?? sim.orgId,
      pubSubEndpoint: sim.pubSubEndpoint,
      rejectUnauthorizedSsl: false,
    },
    quietLogger,
  );
  await client.connect();
  return client;
}

export type { PubSubClient };

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Everything a subscribe callback reported, in order. */
export interface Recorded {
  events: Array<{ id: string; replayId: number; payload: Record<string, unknown> }>;
  keepalives: number;
  /** `SubscriptionInfo.lastReplayId` as of the latest keepalive (the client copies `latest_replay_id` there). */
  keepaliveReplayId: number | undefined;
  errors: Array<{ code?: number; details?: string; metadata?: { get(key: string): unknown[] } }>;
  ended: boolean;
  lastEvent: boolean;
}

export function recorder(): { recorded: Recorded; callback: (info: unknown, type: string, data?: unknown) => void } {
  const recorded: Recorded = { events: [], keepalives: 0, keepaliveReplayId: undefined, errors: [], ended: false, lastEvent: false };
  const callback = (info: unknown, type: string, data?: unknown): void => {
    if (type === 'event') recorded.events.push(data as Recorded['events'][number]);
    else if (type === 'grpcKeepAlive') {
      recorded.keepalives++;
      recorded.keepaliveReplayId = (info as { lastReplayId?: number }).lastReplayId;
    } else if (type === 'error') recorded.errors.push(data as Recorded['errors'][number]);
    else if (type === 'end') recorded.ended = true;
    else if (type === 'lastEvent') recorded.lastEvent = true;
  };
  return { recorded, callback };
}

export function errorCodeOf(error: Recorded['errors'][number] | undefined): unknown {
  return error?.metadata?.get('error-code')[0];
}

/** One raw Subscribe stream (the adapter's subscriber: replay ids as bytes), as a test reads it. */
export interface RawStream {
  responses: FetchResponse[];
  errors: Array<{ code?: number; metadata?: { get(key: string): unknown[] } }>;
  ended: boolean;
  request(count: number): void;
  cancel(): void;
}

/**
 * A simulator started with `options` and the adapter's raw subscriber on it, for one describe block
 * (its beforeAll and afterAll): `open` subscribes as the org's user, `grant` is that user's, and
 * every stream opened is cancelled after each test.
 */
export function rawSubscriptions(options: SimulatorOptions): {
  readonly sim: RunningSimulator;
  readonly subscriber: PubSubSubscriber;
  grant(): AccessGrant;
  open(from: ReplayFrom, numRequested: number): RawStream;
} {
  let sim: RunningSimulator | undefined;
  let subscriber: PubSubSubscriber | undefined;
  const streams: RawStream[] = [];
  const started = () => {
    if (!sim || !subscriber) throw new Error('the simulator starts in beforeAll');
    return { sim, subscriber };
  };
  const grant = (): AccessGrant => {
    const org = started().sim;
    return { accessToken: org.org.authority.issueToken(), instanceUrl: org.instanceUrl, organizationId: org.orgId, userId: org.userId };
  };
  beforeAll(async () => {
    sim = await startSimulator(options);
    subscriber = new PubSubSubscriber({ endpoint: sim.pubSubEndpoint, trustedCaPem: sim.caCert });
  });
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.cancel();
  });
  afterAll(async () => {
    subscriber?.close();
    await sim?.stop();
  });
  return {
    get sim() {
      return started().sim;
    },
    get subscriber() {
      return started().subscriber;
    },
    grant,
    open(from, numRequested) {
      const stream: RawStream = { responses: [], errors: [], ended: false, request: () => undefined, cancel: () => undefined };
      const call = started().subscriber.subscribe(grant(), TOPIC, from, numRequested, {
        message: (response) => stream.responses.push(response),
        error: (error) => stream.errors.push(error),
        end: () => (stream.ended = true),
      });
      stream.request = (count) => call.request(count);
      stream.cancel = () => call.cancel();
      streams.push(stream);
      return stream;
    },
  };
}
