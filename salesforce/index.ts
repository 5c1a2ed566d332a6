/**
 * The Salesforce adapter: the only code that knows Salesforce wire formats.
 *
 *   const org = await connectSalesforce(parseSalesforceConfig(process.env) ?? simulatorConfig(sim), { storage, log });
 *   org.caseStore.findCase('00001026'); org.eventBus.subscribe(org.eventTopic, handler); await org.close();
 *
 * A real org and the embedded simulator go through this same path; the simulator differs only
 * by the CA it adds to the trusted ones.
 */
import type { Log } from '../util/log';
import type { CaseComments, CaseStore, EventSubscriptionState, KeyValueStorage } from '../cowork/ports';
import { SalesforceCaseStore } from './caseStore';
import { DEFAULT_API_VERSION, DEFAULT_EVENT_TOPIC, type AuthType, type SalesforceConfig } from './config';
import { SalesforceSession } from './connection';
import { OrgLimits, type OrgAllocations } from './orgLimits';
import { SalesforceEventBus } from './eventBus';
import { DEFAULT_RETRY_POLICY, RestApi, type RetryPolicy } from './restApi';
import type { SubscriptionTuning } from './topicSubscription';
import { trustExtraCa } from './trust';
import { isLoopbackHost } from '../util/loopback';

export { parseSalesforceConfig, SALESFORCE_VARIABLES, type SalesforceConfig, type SalesforceCredentials, type AuthType } from './config';
export { SalesforceCaseStore } from './caseStore';
export { SalesforceEventBus, byCorrelationId, byPayloadField, type SubscribeOptions } from './eventBus';
export { SalesforceStatusPublisher, statusFields } from './statusPublisher';
export { coworkTopics, DEFAULT_MESSAGE_TOPIC, DEFAULT_REQUEST_TOPIC, DEFAULT_STATUS_TOPIC } from './config';
export { QueuedEventPublisher } from './statusPublisher';
export { panelMessageFields, PANEL_MESSAGE_KINDS, type PanelMessage, type PanelMessageKind } from './panelMessages';
export type { SubscriptionTuning } from './topicSubscription';

export interface SalesforceHealth {
  instanceUrl: string;
  /** The REST API answered (checked at most every 15 s). */
  restReachable: boolean;
  subscriptions: EventSubscriptionState[];
  /** The org's daily API requests as of the last REST response (`Sforce-Limit-Info`), once one was seen. */
  apiUsage?: { used: number; limit: number };
  /** The org's platform event allocations, org-wide, from its /limits (orgLimits.ts). */
  eventAllocations: OrgAllocations;
}

export interface SalesforceOrg {
  caseStore: CaseStore;
  /** Case comments (the transcript of a chat an agent took over from the Case). */
  caseComments: CaseComments;
  eventBus: SalesforceEventBus;
  /** The topic from the configuration (`SF_EVENT_TOPIC`). */
  eventTopic: string;
  describe(): { mode: 'org'; instanceUrl: string; authType: AuthType };
  /** ok = every subscription has a live stream. Makes no request: safe to poll. */
  health(): Promise<{ ok: boolean; detail: SalesforceHealth }>;
  close(): Promise<void>;
}

export interface SalesforceDeps {
  storage: KeyValueStorage;
  log: Log;
  /** Stream tuning (watchdog, backoff); defaults suit a real org. */
  tuning?: Partial<SubscriptionTuning>;
  /** REST retry policy for transient failures. */
  retry?: RetryPolicy;
}

export async function connectSalesforce(config: SalesforceConfig, deps: SalesforceDeps): Promise<SalesforceOrg> {
  const log = deps.log.child({ component: 'salesforce' });
  // The subscription (pubSubSubscriber.ts) and the publisher (grpcPublisher.ts) both trust the extra
  // CA next to the public roots and keep their certificate check on. `relaxTls` only concerns pozil's
  // client, which the bot no longer uses for its stream (tools and the benchmark's baseline still may).
  const relaxTls = config.trustedCaPem !== undefined && isLoopbackHost(config.pubSubEndpoint.replace(/:\d+$/, ''));
  if (config.trustedCaPem !== undefined) {
    trustExtraCa(config.trustedCaPem);
    // Expected for a simulator on this machine (the embedded one on every local start): no warning
    // there. An extra CA for a remote org is unusual enough to stand out in the log.
    const local = isLoopbackHost(new URL(config.loginUrl).hostname) && isLoopbackHost(config.pubSubEndpoint.replace(/:\d+$/, ''));
    (local ? log.info.bind(log) : log.warn.bind(log))(
      { pubSubEndpoint: config.pubSubEndpoint },
      'an extra CA is trusted (simulator): REST and the Pub/Sub API accept certificates it signed, besides the public ones',
    );
  }
  const session = await SalesforceSession.open(config, log);
  const rest = new RestApi(session.connection, config.apiVersion, log, deps.retry ?? DEFAULT_RETRY_POLICY);
  const caseStore = new SalesforceCaseStore(rest, Date.now, log.child({ component: 'case-store' }));
  // /healthz may be polled often: ask the org at most every 15 s.
  const restProbe = new CachedProbe(() => rest.reachable(), 15_000);
  const eventBus = new SalesforceEventBus({
    session,
    rest,
    target: { endpoint: config.pubSubEndpoint, relaxTls, ...(config.trustedCaPem !== undefined ? { trustedCaPem: config.trustedCaPem } : {}) },
    storage: deps.storage,
    log,
    ...(deps.tuning ? { tuning: deps.tuning } : {}),
  });
  const limits = new OrgLimits(rest, log.child({ component: 'org-limits' }), (perDay) => eventBus.setDeliveryAllocationPerDay(perDay));
  await limits.current(); // at start, so the delivery meter warns against the org's own figure
  return {
    caseStore,
    caseComments: caseStore,
    eventBus,
    eventTopic: config.eventTopic,
    describe: () => ({ mode: 'org', instanceUrl: session.connection.instanceUrl, authType: config.credentials.type }),
    health: async () => {
      const subscriptions = eventBus.states();
      const restReachable = await restProbe.current();
      const apiUsage = session.connection.limitInfo?.apiUsage;
      const eventAllocations = await limits.current();
      return {
        ok: restReachable && subscriptions.every((s) => s.connected),
        detail: {
          instanceUrl: session.connection.instanceUrl,
          restReachable,
          subscriptions,
          ...(apiUsage ? { apiUsage: { used: apiUsage.used, limit: apiUsage.limit } } : {}),
          // Org-wide, from /limits (every subscriber's deliveries, not only this instance's: see subscriptions[].deliveries).
          eventAllocations,
        },
      };
    },
    close: () => eventBus.close(),
  };
}

/** What `simulatorConfig` needs of a running simulator (structural: the simulator module is not imported). */
export interface SimulatorEndpoints {
  loginUrl: string;
  pubSubEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** PEM of the simulator's self-signed CA. */
  caCert: string;
}

/** The configuration that reaches a simulator exactly as a real org is reached (client credentials). */
export function simulatorConfig(sim: SimulatorEndpoints, overrides: Partial<SalesforceConfig> = {}): SalesforceConfig {
  return {
    loginUrl: sim.loginUrl.replace(/\/+$/, ''),
    apiVersion: DEFAULT_API_VERSION,
    credentials: { type: 'client-credentials', clientId: sim.clientId, clientSecret: sim.clientSecret },
    pubSubEndpoint: sim.pubSubEndpoint,
    eventTopic: DEFAULT_EVENT_TOPIC,
    trustedCaPem: sim.caCert,
    ...overrides,
  };
}

/**
 * The `SF_*` variables that point a bot at a standalone simulator as at a real org (client
 * credentials, the simulator's CA trusted): what `.simulator/connection.json` says, as environment.
 */
export function simulatorEnv(sim: {
  loginUrl: string;
  pubSubEndpoint: string;
  clientId: string;
  clientSecret: string;
  caCertFile: string;
}): Record<string, string> {
  return {
    SF_AUTH_TYPE: 'client-credentials',
    SF_LOGIN_URL: sim.loginUrl,
    SF_CLIENT_ID: sim.clientId,
    SF_CLIENT_SECRET: sim.clientSecret,
    SF_PUBSUB_ENDPOINT: sim.pubSubEndpoint,
    SF_TRUST_CERT_FILE: sim.caCertFile,
  };
}

/** A boolean check run at most once per `maxAgeMs`; concurrent callers share one run. */
class CachedProbe {
  private last: { at: number; value: Promise<boolean> } | undefined;

  constructor(
    private readonly check: () => Promise<boolean>,
    private readonly maxAgeMs: number,
  ) {}

  current(): Promise<boolean> {
    const now = Date.now();
    if (!this.last || now - this.last.at >= this.maxAgeMs) this.last = { at: now, value: this.check() };
    return this.last.value;
  }
}
