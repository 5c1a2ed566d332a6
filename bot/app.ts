/**
 * Builds and starts the whole bot from a validated configuration: Salesforce (a real org, or
 * the embedded simulator through the very same adapter), storage, the co-work core, the
 * channel adapter and the HTTP server. `bot/index.ts` calls it for `npm start`; tests and
 * benchmarks call it with port 0.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Storage, TurnContext } from 'botbuilder';
import { cardImagePath } from '../cards';
import { CoworkService } from '../cowork/coworkService';
import { InMemoryDeadlineQueue } from '../cowork/deadlines';
import { InFlightIndex } from '../cowork/inflight';
import { HandoffRepository } from '../cowork/handoff';
import type { FormSpec } from '../cowork/formSpec';
import { USE_OF_FUNDS_FORM } from '../cowork/forms/useOfFunds';
import type { Log } from '../cowork/log';
import type { EventSubscription } from '../cowork/ports';
import { KeyedSerialQueue } from '../cowork/serialQueue';
import { SessionRepository } from '../cowork/sessionRepository';
import { connectSalesforce, simulatorConfig, type SalesforceOrg } from '../salesforce';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../simulator';
import { createAdapter } from './adapter';
import { ConcurrentConversationState } from './concurrentConversationState';
import { AgentRelay } from './agent/agentRelay';
import { HandoffProtocol } from './agent/handoffProtocol';
import type { BotConfig } from './config';
import { CoworkBot } from './coworkBot';
import { ProactiveEffects } from './proactiveEffects';
import { createServer, type HealthReport } from './server';
import { createStorage, type BotStorage } from './storage';

export interface StartBotOptions {
  config: BotConfig;
  log: Log;
  /** botbuilder storage shared by conversation state and co-work sessions. Default: from `config.storage`. */
  storage?: Storage;
  simulatorOptions?: SimulatorOptions;
  form?: FormSpec;
  /** How often due deadlines (expiry, republish) are looked at. */
  deadlineIntervalMs?: number;
}

export interface RunningBot {
  /** Base URL, e.g. http://127.0.0.1:3978 (the endpoint is `${url}/api/messages`). */
  url: string;
  port: number;
  simulator: RunningSimulator | undefined;
  salesforce: SalesforceOrg;
  service: CoworkService;
  storage: Storage;
  /** Stops accepting turns, finishes those in flight, closes the subscription and Salesforce. */
  stop(): Promise<void>;
}

export async function startBot(options: StartBotOptions): Promise<RunningBot> {
  const { config, log } = options;
  const botStorage: BotStorage = options.storage
    ? { storage: options.storage, kind: 'memory', check: async () => undefined, describe: () => ({ kind: 'provided by the caller' }) }
    : createStorage(config.storage);
  const storage = botStorage.storage;
  log.info(botStorage.describe(), botStorage.kind === 'memory' ? 'storage: in memory (local use: lost on restart, one instance only)' : 'storage: Azure Blob Storage');

  const simulator = config.simulator ? await startSimulator({ log: log.child({ component: 'simulator' }), ...options.simulatorOptions }) : undefined;
  const salesforceConfig = config.salesforce ?? simulatorConfig(requireValue(simulator, 'simulator'));
  let salesforce: SalesforceOrg;
  try {
    salesforce = await connectSalesforce(salesforceConfig, { storage, log });
  } catch (err) {
    await simulator?.stop();
    throw err;
  }

  // The org's event topic is configuration (SF_EVENT_TOPIC); the form follows it.
  const form: FormSpec = options.form ?? { ...USE_OF_FUNDS_FORM, topic: salesforceConfig.eventTopic };
  const adapter = createAdapter(config.microsoftApp, log);
  const queue = new KeyedSerialQueue();
  const conversationState = new ConcurrentConversationState(storage);
  // The effects need the bot and the bot needs the service: the bot is looked up when an effect runs.
  const botRef: { current?: CoworkBot } = {};
  const handoffRef: { current?: HandoffProtocol } = {};
  const service: CoworkService = new CoworkService({
    caseStore: salesforce.caseStore,
    eventBus: salesforce.eventBus,
    repository: new SessionRepository(storage),
    deadlines: new InMemoryDeadlineQueue(),
    inflight: new InFlightIndex(storage),
    instanceId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    effectsLeaseMs: config.effectsLeaseMs,
    forms: [form],
    effects: new ProactiveEffects({
      adapter,
      appId: config.microsoftApp.id,
      queue,
      bot: () => requireValue(botRef.current, 'bot'),
      forms: (id): FormSpec | undefined => service.form(id),
      publicUrl: config.publicUrl,
      log,
      handoff: () => handoffRef.current,
    }),
    log: log.child({ component: 'cowork' }),
    sessionTtlMs: config.sessionTtlMs,
    eventTimeoutMs: config.eventTimeoutMs,
  });
  // Human handoff: conversation-level ownership in storage, and the local agent relay as the agents' side.
  const handoffs = new HandoffRepository(storage);
  const relay = new AgentRelay({
    adapter,
    appId: config.microsoftApp.id,
    queue,
    storage,
    handoffs,
    service,
    bot: () => requireValue(botRef.current, 'bot'),
    agentKey: config.agentKey,
    log: log.child({ component: 'agent-relay' }),
  });
  const handoff = new HandoffProtocol({ handoffs, service, agents: () => relay, log: log.child({ component: 'handoff' }) });
  handoffRef.current = handoff;
  const bot = new CoworkBot({
    service,
    conversationState,
    form,
    devCommands: config.devCommands,
    startSecret: config.startSecret,
    log,
    handoff,
    agentTurn: (context) => relay.onTurn(context),
  });
  botRef.current = bot;

  const subscriptions: EventSubscription[] = [];
  for (const topic of service.topics) {
    subscriptions.push(await salesforce.eventBus.subscribe(topic, (event) => service.handleEvent(event)));
  }
  // One tick for the timed work: expiring sessions, and finishing what any instance left in flight.
  let ticking = false;
  const deadlineTimer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    Promise.all([service.runDueDeadlines(), service.recoverInFlight()])
      .catch((err: unknown) => log.error({ err }, 'timed work failed'))
      .finally(() => (ticking = false));
  }, options.deadlineIntervalMs ?? 1000);
  deadlineTimer.unref();

  let accepting = true;
  const onTurn = (context: TurnContext): Promise<void> => {
    const conversationId = context.activity.conversation.id;
    return queue.run(conversationId, async () => {
      const started = performance.now();
      await bot.run(context);
      log.debug({ conversationId, activityType: context.activity.type, durationMs: Math.round((performance.now() - started) * 10) / 10 }, 'turn');
    });
  };

  const health = async (): Promise<HealthReport> => {
    const sf = await salesforce.health();
    const streams = subscriptions.map((s) => s.state());
    const pubsubOk = streams.every((s) => s.connected);
    const storageHealth = await botStorage.check().then(
      () => ({ ok: true, ...botStorage.describe() }),
      (err: unknown) => ({ ok: false, ...botStorage.describe(), error: err instanceof Error ? err.message : String(err) }),
    );
    return {
      ok: sf.ok && pubsubOk && storageHealth.ok,
      salesforce: { ...salesforce.describe(), ...sf, mode: simulator ? 'simulator' : 'org' },
      pubsub: { ok: pubsubOk, streams },
      storage: storageHealth,
    };
  };

  const server = createServer({
    adapter,
    onTurn,
    health,
    imagesDir: path.dirname(cardImagePath(form.resultCard.imageFile)),
    log,
    accepting: () => accepting,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as { port: number };
  const urlHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      accepting = false;
      clearInterval(deadlineTimer);
      // Stop accepting connections; turns already in flight finish, then idle keep-alive
      // connections are closed so the server can close.
      const httpServer = (server as unknown as { server: import('node:http').Server }).server;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      httpServer.closeIdleConnections();
      await queue.drain();
      httpServer.closeIdleConnections();
      await closed;
      await Promise.all(subscriptions.map((s) => s.close()));
      await salesforce.close();
      await simulator?.stop();
      log.info({}, 'stopped');
    })();
    return stopped;
  };

  return { url: `http://${urlHost}:${address.port}`, port: address.port, simulator, salesforce, service, storage, stop };
}

function requireValue<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not ready`);
  return value;
}
