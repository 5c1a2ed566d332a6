/**
 * The embedded Salesforce org: `startSimulator()` brings up the REST API (OAuth, SOAP login,
 * data API, `/__simulator/` fault injection) and the Pub/Sub API (TLS gRPC) on loopback,
 * seeded with a few Cases, and returns everything a client needs to connect as to a real org.
 *
 * Simulates: a whole org from the outside (its login, REST and Pub/Sub endpoints), started as one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { silentLog, type Log } from '../util/log';
import { KEY_PREFIX } from '../util/salesforceId';
import { findPlaceholders, renderPolicies, configuredRunAs, INTEGRATION_PSL } from '../salesforce/runAsPolicy';
import { UserAccess, validatePermissionSets, type SharingModel } from './access';
import { Authority, SimClock, type OAuthAppPolicy } from './authority';
import { controlApiRoutes } from './controlApi';
import { EventBus } from './eventBus';
import { FaultPlan } from './faultPlan';
import { HttpsApiServer, type Route } from './httpsServer';
import { buildObjectModel, standardOrgSchema, type ObjectModel } from './objectModel';
import { DeployFailedError } from './deployResult';
import { validateMetadataSource } from './metadataValidator';
import { ApiRequestLimit, SimulatedOrg } from './org';
import { PubSubServer } from './pubSubServer';
import { IdMinter } from './recordStore';
import { restApiRoutes } from './restApi';
import { seedOrg, type SeedCase } from './seed';
import {
  DEFAULT_SFDX_PROJECT_DIR,
  packageSourceDir,
  parsePolicies,
  readSfdxMetadata,
  type ExternalClientAppSource,
  type PermissionSetSource,
} from './sfdxMetadata';
import { loadJwtKeyPair, loadTlsMaterial, type JwtKeyPair, type TlsMaterial } from './tlsMaterial';
import { projectRoot } from './projectRoot';

export { SimulatedOrg } from './org';
export { DeployFailedError, type DeployResult } from './deployResult';
export type { FieldValue, StoredRecord, PublishedEventView, PublishedEventReceipt, RestFaultSpec, Latency, RecordFailureSpec } from './org';
export { UserAccess, type SharingModel } from './access';
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
  /** How far the org's clock is ahead of this machine's (ms; negative: behind). Events' CreatedDate follow it. Default 0. */
  clockOffsetMs?: number;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  jwtPublicKey?: string;
  seed?: boolean;
  log?: Log;
  /** The SFDX project deployed at start (default: the project's own `salesforce/`). */
  sfdxProjectDir?: string;
  /**
   * When `force-app` has no OAuth policies yet (the repository as committed), the simulator does
   * what `npm run sf:configure -- --run-as <its user>` would (the default), or, with `null`,
   * deploys `force-app` exactly as it is: client credentials then has no run-as user.
   */
  runAsUser?: null;
  /** Also deploy `salesforce/legacy-chat` (LiveChatTranscript access), as an org that still has legacy Chat would (default true). */
  legacyChat?: boolean;
  /**
   * Messaging (Enhanced Chat) is enabled in the org (default true). Off (`SIMULATOR_MESSAGING=off`),
   * the org has no MessagingSession: metadata naming it fails its whole deploy, so the optional
   * `salesforce/messaging` package is refused (and logged) while the main package deploys.
   */
  messaging?: boolean;
  /** Permission sets assigned to the integration user, by name (default: every deployed one). */
  permissionSets?: readonly string[];
  /**
   * The integration user's user licence (default "Salesforce Integration", as docs/SALESFORCE.md has
   * an admin create it). With that licence a permission set grants standard and custom object access
   * only once the user holds the "Salesforce API Integration" permission set licence (Help: "Give
   * Integration Users API Only Access"); a "Salesforce" licence needs none.
   */
  userLicense?: 'Salesforce Integration' | 'Salesforce';
  /** Permission set licences assigned to the integration user, by developer name (default: SalesforceAPIIntegrationPsl). */
  permissionSetLicenses?: readonly string[];
  /** Permission sets assigned to the agent who uses the panel, by name (default: Cowork_Agent). */
  agentPermissionSets?: readonly string[];
  /** The integration user is a System Administrator instead (REST conformance tests only). */
  fullAccess?: boolean;
  /** Organization-wide default of Case (default Private: agents' and queues' Cases are hidden without View All). */
  caseSharing?: SharingModel;
  /** A sandbox expects JWT `aud` https://test.salesforce.com instead of https://login.salesforce.com. */
  sandbox?: boolean;
  /** The JWT `aud` values the org accepts (default: login.salesforce.com, or test.salesforce.com with `sandbox`); `MY_DOMAIN` stands for the org's login URL. */
  jwtAudiences?: readonly string[];
  /** Session timeout (default 2 hours, Salesforce's default session policy). */
  sessionTimeoutMs?: number;
  /** DailyApiRequests allocation (default 100,000). */
  dailyApiRequests?: number;
}

export interface RunningSimulator {
  /** The org's My Domain (https://127.0.0.1:port). */
  loginUrl: string;
  /** The same server under a generic login host name (https://localhost:port), as login.salesforce.com is to a real org. */
  genericLoginUrl: string;
  /** The agent who owns the seeded Cases (not the integration user). */
  agentUserId: string;
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

/** In `jwtAudiences`: the org's own My Domain URL (the simulator's login URL, known only once it listens). */
export const MY_DOMAIN = 'my-domain';

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
  const deployment = deploy(options, log);
  const model = deployment.model;

  // The REST port must be known before the login URL exists, and the routes need the org.
  const routes: Route[] = [];
  const rest = new HttpsApiServer(tls, routes, faults, log.child({ component: 'simulator-rest' }));
  const restPort = await rest.listen(host, options.restPort ?? 0);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const loginUrl = `https://${urlHost}:${restPort}`;

  try {
    return await startOrg(options, { host, rest, routes, loginUrl, urlHost, ids, orgId, userId, faults, model, tls, jwtKeys, log, deployment });
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
  deployment: Deployment;
}

interface Deployment {
  model: ObjectModel;
  /** Optional packages whose deploy the org refused (e.g. salesforce/messaging with Messaging off), with why. */
  refusedPackages: Array<{ dir: string; error: DeployFailedError }>;
  permissionSets: PermissionSetSource[];
  /** Names of the permission sets from the optional packages (legacy Chat). */
  extraPermissionSets: string[];
  app: ExternalClientAppSource;
}

/** The optional packages, deployed on their own after force-app (each one a separate `sf project deploy start`). */
const OPTIONAL_PACKAGES = [
  { dir: 'messaging', enabled: () => true },
  { dir: 'legacy-chat', enabled: (o: SimulatorOptions) => o.legacyChat !== false },
] as const;

/**
 * "Deploys" the SFDX project as `sf project deploy start` would, refusing what a real org refuses:
 * every file checked against the Metadata API's schema and documented rules (metadataValidator.ts),
 * a placeholder run-as user, dependencies between permissions, more or less than one External Client
 * App. force-app is all or nothing; each optional package is deployed on its own afterwards, and one
 * the org refuses (Messaging off) is left out, with the org's failures logged.
 */
function deploy(options: SimulatorOptions, log: Log): Deployment {
  const projectDir = options.sfdxProjectDir ?? DEFAULT_SFDX_PROJECT_DIR;
  const placeholders = findPlaceholders(projectDir);
  if (placeholders.length > 0) throw new Error(`Deploy refused: ${placeholders.map((p) => `${p.file}: ${p.problem}`).join('; ')}`);
  const features = { messaging: options.messaging !== false };
  const org = standardOrgSchema(features);
  const mainDir = packageSourceDir(projectDir);
  const failures = validateMetadataSource([mainDir], projectDir, org);
  if (failures.length > 0) throw new DeployFailedError(failures, countComponents([mainDir]));
  const deployed: string[] = [];
  const refusedPackages: Deployment['refusedPackages'] = [];
  for (const pkg of OPTIONAL_PACKAGES) {
    if (!pkg.enabled(options)) continue;
    const pkgProject = path.join(projectDir, pkg.dir);
    if (!existsSync(path.join(pkgProject, 'sfdx-project.json'))) continue;
    const dir = packageSourceDir(pkgProject);
    // Deployed after force-app: its files may name what force-app created.
    const own = validateMetadataSource([mainDir, dir], projectDir, org).filter((f) => f.fileName.startsWith(`${pkg.dir}/`));
    if (own.length === 0) deployed.push(dir);
    else {
      const error = new DeployFailedError(own, countComponents([dir]));
      refusedPackages.push({ dir: pkg.dir, error });
      log.warn(
        { package: `salesforce/${pkg.dir}`, componentFailures: error.result.details.componentFailures },
        `the org refused salesforce/${pkg.dir}: ${error.message}`,
      );
    }
  }
  const metadata = readSfdxMetadata(projectDir, deployed);
  const model = buildObjectModel(metadata, features);
  validatePermissionSets(model, metadata.permissionSets);
  const [app, ...others] = metadata.externalClientApps;
  if (!app || others.length > 0) throw new Error(`Deploy: expected one External Client App in force-app, found ${metadata.externalClientApps.length}`);
  if (app.globalOauth?.hasConsumerSecret)
    throw new Error(`Deploy: ${app.name}'s global OAuth settings hold a consumer key or secret, which never belongs in source`);
  const extraPermissionSets = metadata.permissionSets.filter((set) => set.optional).map((set) => set.name);
  return { model, permissionSets: metadata.permissionSets, extraPermissionSets, app, refusedPackages };
}

function countComponents(dirs: readonly string[]): number {
  return dirs.reduce((n, dir) => n + readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('-meta.xml')).length, 0);
}

async function startOrg(options: SimulatorOptions, context: StartContext): Promise<RunningSimulator> {
  const { host, rest, routes, loginUrl, urlHost, ids, orgId, userId, faults, model, tls, jwtKeys, log, deployment } = context;
  const projectDir = options.sfdxProjectDir ?? DEFAULT_SFDX_PROJECT_DIR;
  const username = options.username ?? configuredRunAs(projectDir) ?? DEFAULT_USERNAME;
  const credentials = {
    orgId,
    userId,
    username,
    password: options.password ?? randomBytes(12).toString('base64url'),
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    clientSecret: options.clientSecret ?? randomBytes(24).toString('hex'),
    jwtPublicKey: jwtKeys.publicKey,
  };
  const { app } = deployment;
  // The repository ships no policies (they name an org's user): act as `sf:configure --run-as` for our user.
  const policies = app.policies ?? (options.runAsUser === null ? undefined : parsePolicies(renderPolicies(projectDir, username), 'sf:configure'));
  // By default the integration user has what the docs tell an admin to assign it: the app's pre-authorised
  // permission sets (Cowork_Bot) and the optional packages' (legacy Chat), not the agents' ones.
  const assignedNames = options.permissionSets ?? [...new Set([...(policies?.permissionSets ?? []), ...deployment.extraPermissionSets])];
  // An Integration-licence user without the API Integration permission set licence: its permission sets grant nothing.
  const licensed =
    (options.userLicense ?? 'Salesforce Integration') !== 'Salesforce Integration' ||
    (options.permissionSetLicenses ?? [INTEGRATION_PSL]).includes(INTEGRATION_PSL);
  const access = (names: readonly string[], fullAccess = options.fullAccess ?? false, user: 'integration' | 'agent' = 'integration'): UserAccess => {
    const missing = names.filter((name) => !deployment.permissionSets.some((set) => set.name === name));
    if (missing.length > 0) throw new RangeError(`permission set(s) ${missing.join(', ')} are not deployed`);
    return new UserAccess(
      deployment.permissionSets.filter((set) => names.includes(set.name)),
      { fullAccess, sharing: { Case: options.caseSharing ?? 'Private' }, grantsObjectAccess: user !== 'integration' || licensed },
    );
  };
  const oauthApp: OAuthAppPolicy = {
    name: app.name,
    // The developer's switch (global settings) and, when deployed, the admin's (policies); without policies there is no run-as user.
    clientCredentialsEnabled: (app.globalOauth?.isClientCredentialsFlowEnabled ?? false) && (policies?.isClientCredentialsFlowEnabled ?? true),
    runAsUser: policies?.clientCredentialsFlowUser,
    preAuthorizedPermissionSets: policies?.permittedUsersPolicyType === 'AdminApprovedPreAuthorized' ? policies.permissionSets : undefined,
  };
  const clock = new SimClock(options.clockOffsetMs ?? 0);
  const authority = new Authority(credentials, loginUrl, {
    app: oauthApp,
    myDomainHosts: [urlHost.toLowerCase()],
    jwtAudiences: (options.jwtAudiences ?? [options.sandbox ? 'https://test.salesforce.com' : 'https://login.salesforce.com']).map((a) =>
      a === MY_DOMAIN ? loginUrl : a,
    ),
    sessionTimeoutMs: options.sessionTimeoutMs ?? 2 * 60 * 60 * 1000,
    // Called on a login, once the org below exists.
    userPermissionSets: () => org.access.permissionSetNames,
    clock,
  });
  const bus = new EventBus(model, options.retentionMs ?? 72 * 60 * 60 * 1000, {
    ...(options.firstReplayId !== undefined ? { firstReplayId: options.firstReplayId } : {}),
    ...(options.deliveryAllocationPerDay !== undefined ? { deliveryAllocationPerDay: options.deliveryAllocationPerDay } : {}),
    now: () => clock.now(),
  });
  const agentUserId = ids.next(KEY_PREFIX.User);
  const org: SimulatedOrg = new SimulatedOrg(
    model,
    bus,
    authority,
    faults,
    ids,
    access,
    assignedNames,
    new ApiRequestLimit(options.dailyApiRequests ?? 100_000, () => clock.now()),
    agentUserId,
    options.agentPermissionSets ?? deployment.permissionSets.filter((set) => set.name === 'Cowork_Agent').map((set) => set.name),
    (names) => access(names, false, 'agent'),
  );
  routes.push(...restApiRoutes(org, loginUrl), ...controlApiRoutes(org));
  // Salesforce reports the daily allocation on every data API response; jsforce reads it into `limitInfo`.
  rest.responseHeaders = (path): Record<string, string> => {
    if (!path.startsWith('/services/data/v')) return {};
    const { Max, Remaining } = org.apiLimit.snapshot();
    return { 'sforce-limit-info': `api-usage=${Max - Remaining}/${Max}` };
  };

  const pubSub = new PubSubServer({
    authority,
    bus,
    faults,
    timing: { keepaliveIntervalMs: options.keepaliveIntervalMs ?? 5_000, idleStreamTimeoutMs: options.idleStreamTimeoutMs ?? 60_000 },
    instanceUrl: loginUrl,
    topicAccess: (topicName) => {
      const perms = org.access.object(topicName.replace(/^\/event\//, ''));
      return { canPublish: perms.allowCreate, canSubscribe: perms.allowRead };
    },
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
    genericLoginUrl: `https://localhost:${loginUrl.split(':').pop() ?? ''}`,
    agentUserId,
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
