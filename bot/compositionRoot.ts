/**
 * Co-work, assembled: Salesforce (a real org, or the embedded simulator through the very same
 * adapter), storage, the core, the conversation logic, human handoff, the one subscription per
 * topic and the timed work. Everything but HTTP, so it serves two ways:
 *
 * - on its own: `startBot` (bot/startBot.ts) puts it behind restify, for `npm start`;
 * - mounted in another bot: `createCowork({ adapter: hostAdapter, mounted: true, ... })`, then in
 *   the host's turn handler `if (await cowork.onTurn(context)) return;` — co-work takes its own
 *   activities (start, card submits, answers to an open form, the handoff protocol) and leaves the
 *   rest to the host. The host serves `cowork.imagesDir` at `${publicUrl}/images/`.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import type { CloudAdapter } from 'botbuilder';
import type { CoworkTurn, ProactiveTurns } from '../dialogs/coworkTurn';
import type { KeyValueStorage } from '../util/storage';
import { cardImagePath } from '../cards';
import { CoworkService } from '../cowork/coworkService';
import { FormTokenSigner } from '../cowork/domain/formToken';
import { InMemoryDeadlineQueue } from '../cowork/stores/deadlines';
import { InFlightIndex } from '../cowork/stores/inflight';
import { HandoffRepository } from '../cowork/stores/handoff';
import { CaseDocuments } from '../cowork/stores/caseDocument';
import { CaseLinks } from '../cowork/stores/links';
import type { FormSpec } from '../cowork/domain/formSpec';
import { USE_OF_FUNDS_FORM } from '../cowork/domain/forms/useOfFunds';
import { KeyedSerialQueue } from '../util/serialQueue';
import { RefusedDocuments } from '../util/storedDocument';
import { SessionRepository } from '../cowork/stores/sessionRepository';
import {
  connectSalesforce,
  coworkTopics,
  panelMessageFields,
  QueuedEventPublisher,
  SalesforceStatusPublisher,
  type PanelMessage,
  simulatorConfig,
  type SalesforceOrg,
} from '../salesforce';
import { startSimulator } from '../simulator';
import { AgentDirectory } from './handoff/agentDirectory';
import { AgentRelay } from './handoff/agentRelay';
import { HandoffProtocol } from './handoff/handoffProtocol';
import { chooseHandoffTarget } from './handoff/handoffTargets';
import { HandoffTrust } from './handoff/handoffTrust';
import { HumanOwnership } from './handoff/humanOwnership';
import { PanelOutbound } from './handoff/panelOutbound';
import { SalesforcePanel } from './handoff/salesforcePanel';
import { ConcurrentConversationState } from './turn/concurrentConversationState';
import { Conversations } from './turn/conversations';
import type { BotConfig } from './config/config';
import { CoworkBot, type CoworkRoute } from './turn/coworkBot';
import { CoworkRequests } from './proactive/coworkRequests';
import { healthReport, subscribeStreams } from './streams';
import type { Cowork, CoworkOptions } from './coworkMount';
import { AgentRequests } from '../cowork/agentRequests';
import { ProactiveEffects } from './proactive/proactiveEffects';
import { boundProactiveTurns } from './edge/sendBound';
import { botbuilderProactiveTurns } from './edge/proactiveTurns';
import { startTimedWork } from './proactive/timedWork';
import type { HealthReport } from './edge/healthz';
import { createStorage, ensureStorageAnswers, SafeKeyStorage, type BotStorage } from './storage';

export type { Cowork, CoworkOptions } from './coworkMount';

/**
 * Assembles co-work: connects Salesforce (or starts the embedded simulator), opens one event
 * stream per topic, starts the timed work, and returns the turn handler. Rejects when Salesforce
 * cannot be reached or the storage refuses; nothing is left running then.
 *
 * @example
 * ```ts
 * const cowork = await createCowork({ config, log, adapter, mounted: true });
 * // in the host's turn handler: if (await cowork.onTurn(context)) return;
 * // serve cowork.imagesDir at `${config.publicUrl}/images/`
 * process.once('SIGTERM', () => void cowork.stop());
 * ```
 */
export async function createCowork(options: CoworkOptions): Promise<Cowork> {
  const { config, log } = options;
  const botStorage: BotStorage = options.storage
    ? { storage: options.storage, kind: 'memory', check: async () => undefined, describe: () => ({ kind: options.storageKind ?? 'provided by the caller' }) }
    : createStorage(config.storage);
  // Storage that does not answer stops the start at once, saying which settings and how to fix it,
  // instead of the storage client's retries (about 18 s) ending in a bare ECONNREFUSED.
  if (!options.storage) await ensureStorageAnswers(botStorage);
  // Every key the bot writes (conversation state, sessions, handoff, agent records) is safe for any store.
  const storage: KeyValueStorage = new SafeKeyStorage(botStorage.storage);
  log.info(
    botStorage.describe(),
    botStorage.kind === 'memory'
      ? 'storage: in memory (local use: lost on restart, one instance only)'
      : botStorage.kind === 'table'
        ? 'storage: Azure Table storage'
        : 'storage: Azure Blob Storage',
  );

  const simulator = config.simulator
    ? await startSimulator({ log: log.child({ component: 'simulator' }), messaging: config.simulatorMessaging, ...options.simulatorOptions })
    : undefined;
  const salesforceConfig = config.salesforce ?? simulatorConfig(requireValue(simulator, 'simulator'));
  let salesforce: SalesforceOrg;
  try {
    salesforce = await connectSalesforce(salesforceConfig, { storage, log, tuning: { deliveryAllocation: config.deliveryAllocation } });
  } catch (err) {
    await simulator?.stop();
    throw err;
  }

  // The org's event topic is configuration (SF_EVENT_TOPIC); the form follows it.
  const form: FormSpec = options.form ?? { ...USE_OF_FUNDS_FORM, topic: salesforceConfig.eventTopic };
  const topics = coworkTopics(salesforceConfig);
  const proactive = options.proactive ?? botbuilderProactive(requireValue(options.adapter, 'the adapter (or `proactive`)'), config);
  const queue = new KeyedSerialQueue();
  // Namespaced, so a host bot's own conversation state never collides with co-work's.
  const conversationState = new ConcurrentConversationState(storage, 'cowork');
  // Progress for the agent's panel on the Case (Cowork_Status__e), unless COWORK_STATUS_EVENTS=off.
  const statusPublisher = config.statusEvents
    ? new SalesforceStatusPublisher(salesforce.eventBus, topics.status, log.child({ component: 'cowork-status' }))
    : undefined;
  const forms: FormSpec[] = [form];
  // One document per Case (routing index, links, answer ages), the earlier layout's keys of these forms folded in;
  // its links are where an agent's request from the Case sends the form.
  const formIds = forms.map((f) => f.id);
  const cases = new CaseDocuments(storage, 'cowork', formIds);
  const links = new CaseLinks(cases);
  const formById = new Map(forms.map((f) => [f.id, f]));
  const formOf = (formId: string): FormSpec | undefined => formById.get(formId);
  // One teller of refused stored documents for the stores' batch reads: each bad key logged once, not every sweep.
  const refused = new RefusedDocuments(log.child({ component: 'storage' }));
  const repository = new SessionRepository(storage, 'cowork', cases, refused);
  // Built in dependency order, each from what exists above it:
  // 1. what every turn in a customer's conversation shares (dialogs, recent sessions, form cards);
  const conversations = new Conversations({ conversationState, sessions: repository, forms: formOf, log });
  // 2. who owns a conversation when a person does, and the way to that person (handoff records,
  //    the agent relay's logged-in agents): the effects need it, and it needs nothing of the core;
  const handoffs = new HandoffRepository(storage, 'cowork', refused);
  const agents = new AgentDirectory({ proactive, storage });
  // An agent holding the chat from the Case sees it in the coworkPanel: from_customer messages, batched like the statuses.
  const messageTopic = topics.message;
  const panelPublisher = new QueuedEventPublisher<PanelMessage>(salesforce.eventBus, messageTopic, log.child({ component: 'cowork-panel' }), {
    what: 'panel messages',
    toFields: panelMessageFields,
    describe: (m) => `${m.caseId}:${m.kind}:${m.sender}`,
  });
  const panelOutbound = new PanelOutbound({ handoffs, publisher: panelPublisher });
  // A turn's state load reads the conversation's handoff record along where the storage keeps them together (STORAGE=table).
  const ownership = new HumanOwnership({ handoffs, agents, panel: panelOutbound, conversationState });
  const instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  // 3. the core, whose effects reach the customer's chat (or its agent) in proactive turns;
  const service: CoworkService = new CoworkService({
    caseStore: salesforce.caseStore,
    eventBus: salesforce.eventBus,
    repository,
    deadlines: new InMemoryDeadlineQueue(),
    inflight: new InFlightIndex(storage),
    instanceId,
    effectsLeaseMs: config.effectsLeaseMs,
    effectsSendTimeoutMs: config.sendTimeoutMs,
    formTokens: formTokenSigner(config),
    forms,
    effects: new ProactiveEffects({
      proactive,
      queue,
      conversations,
      forms: formOf,
      publicUrl: config.publicUrl,
      log,
      handoff: ownership,
    }),
    log: log.child({ component: 'cowork' }),
    sessionTtlMs: config.sessionTtlMs,
    eventTimeoutMs: config.eventTimeoutMs,
    eventClockSkewMs: config.eventClockSkewMs,
    orgClock: salesforce.eventBus.clock,
    startLimits: { perConversation: config.formStartsPerMinute.conversation, perCase: config.formStartsPerMinute.case },
    ...(statusPublisher ? { status: statusPublisher } : {}),
  });
  // 4. human handoff: the customer's side of the protocol, then the local agent relay as the agents'
  //    side (it applies the protocol's statuses; the protocol reaches agents through `agents`, not the relay);
  const trust = new HandoffTrust({ channels: config.handoffChannels, secret: config.handoffSecret, futureSkewMs: config.eventClockSkewMs });
  const handoff = new HandoffProtocol({
    handoffs,
    service,
    ownership,
    trust,
    // A connector for the channels it reads (COWORK_HANDOFF_CHANNELS), else the panel of a chat linked to its Case
    // (the Salesforce side on), else the agent relay when it is on.
    targets: chooseHandoffTarget({
      handoffChannels: config.handoffChannels,
      relay: config.agentKey !== undefined,
      ...(statusPublisher ? { panel: { links, report: (status) => service.reportStatus(status) } } : {}),
      log: log.child({ component: 'handoff' }),
    }),
    log: log.child({ component: 'handoff' }),
    timeoutMs: config.handoffTimeoutMs,
  });
  const relay = new AgentRelay({
    proactive,
    queue,
    storage,
    handoffs,
    service,
    agents,
    handoff,
    conversations,
    trust,
    agentKey: config.agentKey,
    loginLimits: options.agentLoginLimits,
    log: log.child({ component: 'agent-relay' }),
  });
  // 5. the turn logic (it adds the form dialog to the conversations' dialog set), and the agents' requests from the Case.
  const bot = new CoworkBot({
    service,
    conversations,
    form,
    devCommands: config.devCommands,
    startSecret: config.startSecret,
    startTokenMaxSeconds: config.startTokenMaxSeconds,
    log,
    handoff,
    agentTurn: (context) => relay.onTurn(context),
    isAgentConversation: (context) => relay.takes(context),
    mounted: options.mounted === true,
    links,
    ...(options.recognizer ? { recognizer: options.recognizer } : {}),
  });
  const agentRequests = new AgentRequests({
    service,
    links,
    handoffs,
    defaultForm: form,
    maxAgeMs: config.requestMaxAgeMs,
    log: log.child({ component: 'cowork-requests' }),
  });
  const requests = new CoworkRequests({ proactive, queue, bot, requests: agentRequests });

  // 6. an agent taking the chat over from the Case (the coworkPanel's Cowork_Message__e).
  const panel = new SalesforcePanel({
    proactive,
    queue,
    handoffs,
    links,
    handoff,
    conversations,
    trust,
    service,
    comments: salesforce.caseComments,
    outbound: panelOutbound,
    instanceId,
    leaseMs: config.sendTimeoutMs + 5000,
    log: log.child({ component: 'cowork-panel' }),
  });

  const subscriptions = await subscribeStreams({
    bus: salesforce.eventBus,
    service,
    requestTopic: topics.request,
    messageTopic,
    onRequest: (request) => requests.handle(request),
    onPanelMessage: (message) => panel.handle(message),
  });
  // The timed work (expiries, the in-flight sweep, handoff give-ups), each item on its own: bot/proactive/timedWork.ts.
  const timedWork = startTimedWork({
    service,
    handoff,
    bot,
    proactive,
    queue,
    log,
    panel,
    intervalMs: options.deadlineIntervalMs ?? 1000,
  });

  const runRoute = (context: CoworkTurn, route: CoworkRoute | undefined): Promise<boolean> => {
    const conversationId = context.activity.conversation.id;
    return queue.run(conversationId, async () => {
      const started = performance.now();
      const handled = await bot.runRoute(context, route);
      log.debug({ conversationId, activityType: context.activity.type, handled, durationMs: Math.round((performance.now() - started) * 10) / 10 }, 'turn');
      return handled;
    });
  };

  const health = (): Promise<HealthReport> =>
    healthReport({ salesforce, simulated: simulator !== undefined, subscriptions, storage: botStorage, clock: salesforce.eventBus.clock });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // Nothing publishes or sends after Salesforce is closed.
      await timedWork.stop();
      await queue.drain();
      await Promise.all(subscriptions.map((s) => s.close()));
      await statusPublisher?.flush();
      await panelPublisher.flush();
      await salesforce.close();
      await simulator?.stop();
    })();
    return stopped;
  };

  return {
    onTurn: (context) => runRoute(context, undefined),
    routes: bot.routes,
    runRoute,
    takesBeforeRoutes: (context) => bot.takesBeforeRoutes(context),
    health,
    imagesDir: path.dirname(cardImagePath(form.resultCard.imageFile)),
    service,
    salesforce,
    simulator,
    storage,
    stop,
  };
}

/**
 * The per-deployment key of form tokens: COWORK_FORM_SECRET, else derived from a deployment
 * secret (so it survives restarts without one more variable), else random for this process.
 */
function formTokenSigner(config: BotConfig): FormTokenSigner {
  const base = config.formSecret ?? config.startSecret ?? (config.microsoftApp.password || undefined);
  return new FormTokenSigner(base ? Buffer.from(base, 'utf8') : randomBytes(32));
}

/** botbuilder's proactive turns on `adapter`, every send bounded (on its own adapter or a host's: sendBound.ts). */
function botbuilderProactive(adapter: CloudAdapter, config: BotConfig): ProactiveTurns {
  boundProactiveTurns(adapter, config.sendTimeoutMs);
  return botbuilderProactiveTurns(adapter, config.microsoftApp.id);
}

function requireValue<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not ready`);
  return value;
}
