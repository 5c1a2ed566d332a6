/**
 * The embedded Salesforce org: `startSimulator()` brings up the REST API (OAuth, SOAP login,
 * data API, `/__simulator/` fault injection) and the Pub/Sub API (TLS gRPC) on loopback,
 * seeded with a few Cases, and returns everything a client needs to connect as to a real org.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { silentLog, type Log } from '../cowork/log';
import { KEY_PREFIX } from '../cowork/salesforceId';
import { Authority } from './authority';
import { controlApiRoutes } from './controlApi';
import { EventBus } from './eventBus';
import { FaultPlan } from './faultPlan';
import { HttpsApiServer, type Route } from './httpsServer';
import { buildObjectModel, type ObjectModel } from './objectModel';
import { SimulatedOrg } from './org';
import { PubSubServer } from './pubSubServer';
import { IdMinter } from './recordStore';
import { restApiRoutes } from './restApi';
import { seedOrg, type SeedCase } from './seed';
import { readSfdxMetadata } from './sfdxMetadata';
import { loadJwtKeyPair, loadTlsMaterial, type JwtKeyPair, type TlsMaterial } from './tlsMaterial';
import { projectRoot } from './projectRoot';

export { SimulatedOrg } from './org';
export type { FieldValue, StoredRecord, PublishedEventView, PublishedEventReceipt, RestFaultSpec, Latency } from './org';
export type { SeedCase } from './seed';
export type { PubSubFailure } from './pubSubServer';
export { ERROR_CODE as PUBSUB_ERROR_CODE } from './pubSubServer';

export interface SimulatorOptions {
  host?: string;
  restPort?: number;
  pubSubPort?: number;
  dataDir?: string;
  keepaliveIntervalMs?: number;
  idleStreamTimeoutMs?: number;
  retentionMs?: number;
  /** Replay id of the first event's predecessor (default 2,400,000); e.g. above 2^53 to test that nothing goes through a Number. */
  firstReplayId?: bigint;
  /** The org's 24-hour event delivery allocation, counted per delivery to each subscriber (default 50,000, Unlimited Edition). */
  deliveryAllocationPerDay?: number;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  jwtPublicKey?: string;
  seed?: boolean;
  log?: Log;
}

export interface RunningSimulator {
  loginUrl: string;
  instanceUrl: string;
  pubSubEndpoint: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  jwtPrivateKey: string;
  caCert: string;
  caCertFile: string;
  orgId: string;
  userId: string;
  seed: { cases: SeedCase[] };
  org: SimulatedOrg;
  stop(): Promise<void>;
}

export const DEFAULT_DATA_DIR = path.join(projectRoot(), '.simulator');
export const DEFAULT_CLIENT_ID = 'cowork-simulator-client';
export const DEFAULT_USERNAME = 'integration@cowork.simulator';

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const log = options.log ?? silentLog;
  const tls = loadTlsMaterial(dataDir);
  const jwtKeys = options.jwtPublicKey ? { privateKey: '', publicKey: options.jwtPublicKey } : loadJwtKeyPair(dataDir);

  const ids = new IdMinter();
  const orgId = ids.next(KEY_PREFIX.Organization);
  const userId = ids.next(KEY_PREFIX.User);
  const faults = new FaultPlan();
  const model = buildObjectModel(readSfdxMetadata());

  // The REST port must be known before the login URL exists, and the routes need the org.
  const routes: Route[] = [];
  const rest = new HttpsApiServer(tls, routes, faults, log.child({ component: 'simulator-rest' }));
  const restPort = await rest.listen(host, options.restPort ?? 0);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const loginUrl = `https://${urlHost}:${restPort}`;

  try {
    return await startOrg(options, { host, rest, routes, loginUrl, urlHost, ids, orgId, userId, faults, model, tls, jwtKeys, log });
  } catch (error) {
    await rest.stop(); // nothing may keep listening when start-up fails
    throw error;
  }
}

interface StartContext {
  host: string;
  rest: HttpsApiServer;
  routes: Route[];
  loginUrl: string;
  urlHost: string;
  ids: IdMinter;
  orgId: string;
  userId: string;
  faults: FaultPlan;
  model: ObjectModel;
  tls: TlsMaterial;
  jwtKeys: JwtKeyPair;
  log: Log;
}

async function startOrg(options: SimulatorOptions, context: StartContext): Promise<RunningSimulator> {
  const { host, rest, routes, loginUrl, urlHost, ids, orgId, userId, faults, model, tls, jwtKeys, log } = context;
  const credentials = {
    orgId,
    userId,
    username: options.username ?? DEFAULT_USERNAME,
    password: options.password ?? randomBytes(12).toString('base64url'),
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    clientSecret: options.clientSecret ?? randomBytes(24).toString('hex'),
    jwtPublicKey: jwtKeys.publicKey,
  };
  const authority = new Authority(credentials, loginUrl);
  const bus = new EventBus(model, options.retentionMs ?? 72 * 60 * 60 * 1000, {
    ...(options.firstReplayId !== undefined ? { firstReplayId: options.firstReplayId } : {}),
    ...(options.deliveryAllocationPerDay !== undefined ? { deliveryAllocationPerDay: options.deliveryAllocationPerDay } : {}),
  });
  const org = new SimulatedOrg(model, bus, authority, faults, ids);
  routes.push(...restApiRoutes(org, loginUrl), ...controlApiRoutes(org));

  const pubSub = new PubSubServer({
    authority,
    bus,
    faults,
    timing: { keepaliveIntervalMs: options.keepaliveIntervalMs ?? 5_000, idleStreamTimeoutMs: options.idleStreamTimeoutMs ?? 60_000 },
    instanceUrl: loginUrl,
    tlsKey: tls.key,
    tlsCert: tls.cert,
    log: log.child({ component: 'simulator-pubsub' }),
  });
  const pubSubPort = await pubSub.listen(host, options.pubSubPort ?? 0);
  org.attach(pubSub, () => rest.requestCounts());
  const seedCases = options.seed === false ? [] : seedOrg(org);

  let stopping: Promise<void> | undefined;
  log.info({ loginUrl, pubSubEndpoint: `${urlHost}:${pubSubPort}` }, 'simulator started');
  return {
    loginUrl,
    instanceUrl: loginUrl,
    pubSubEndpoint: `${urlHost}:${pubSubPort}`,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    username: credentials.username,
    password: credentials.password,
    jwtPrivateKey: jwtKeys.privateKey,
    caCert: tls.cert,
    caCertFile: tls.certFile,
    orgId,
    userId,
    seed: { cases: seedCases },
    org,
    stop: () => {
      stopping ??= Promise.all([pubSub.stop(), rest.stop()]).then(() => log.info({}, 'simulator stopped'));
      return stopping;
    },
  };
}
