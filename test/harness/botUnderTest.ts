/**
 * Starts the real bot in-process on 127.0.0.1:0 (over HTTP, the embedded simulator, the real
 * Salesforce clients) with an Emulator-like channel next to it, on one of its two hosts:
 * botbuilder's CloudAdapter (`npm start`), or the Microsoft 365 Agents SDK (`npm run start:agents`).
 * The host is `COWORK_TEST_HOST` (`botbuilder`, the default, or `agents`): the same tests run on
 * both (`npm run test:e2e:agents`).
 */
import type { Storage } from 'botbuilder';
import { startBot, type RunningBot, type StartBotOptions } from '../../bot/startBot';
import { startAgentsBot, type StartAgentsBotOptions } from '../../bot/agents/startAgentsBot';
import { loadConfig, type BotConfig } from '../../bot/config/config';
import type { FormSpec } from '../../cowork/domain/formSpec';
import type { AnswerRecognizer } from '../../dialogs/answerRecognizer';
import { silentLog, type Log } from '../../util/log';
import type { RunningSimulator, SimulatorOptions } from '../../simulator';
import { EmulatorChannel, type ChannelOptions, type EmulatorConversation } from './emulatorChannel';
import { testHost, type TestHost } from './testHost';

export { testHost, type TestHost } from './testHost';

export interface BotUnderTest {
  bot: RunningBot;
  channel: EmulatorChannel;
  conversation(userId?: string, conversationId?: string, channelId?: string): EmulatorConversation;
  stop(): Promise<void>;
}

export interface BotUnderTestOptions {
  env?: Record<string, string>;
  /** Values no environment variable can express, e.g. a session TTL of a second. */
  configOverrides?: Partial<BotConfig>;
  storage?: Storage;
  simulatorOptions?: SimulatorOptions;
  form?: FormSpec;
  log?: Log;
  deadlineIntervalMs?: number;
  /** botbuilder's authentication settings beyond the environment's (the botbuilder host). */
  channelAuthentication?: StartBotOptions['channelAuthentication'];
  /** The Agents SDK's authentication settings beyond the configuration's (the Agents host). */
  agentsAuthentication?: StartAgentsBotOptions['agentsAuthentication'];
  /** The Agents host's outgoing tokens (instead of MSAL's). */
  agentsConnections?: StartAgentsBotOptions['agentsConnections'];
  /** Which host runs the bot; default `COWORK_TEST_HOST`, else botbuilder. */
  host?: TestHost;
  agentLoginLimits?: StartBotOptions['agentLoginLimits'];
  /** Delay the channel adds before answering each of the bot's sends (a slow channel). */
  channelLatencyMs?: ChannelOptions['latencyMs'];
  channelRefusesUpdates?: boolean;
  /** Which bot-sent events the channel refuses (HTTP 400); default: those of `msteams` conversations, as Teams does. */
  channelRefusesEvents?: ChannelOptions['refuseEvents'];
  /** The channel answers sends with an empty activity id (Agents Playground). */
  channelGivesNoIds?: boolean;
  recognizer?: AnswerRecognizer;
}

let userCounter = 0;

export async function startBotUnderTest(options: BotUnderTestOptions = {}): Promise<BotUnderTest> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...options.env });
  const common = {
    config: { ...config, publicUrl: 'http://127.0.0.1', ...options.configOverrides },
    log: options.log ?? silentLog,
    storage: options.storage,
    simulatorOptions: { keepaliveIntervalMs: 1000, ...options.simulatorOptions },
    form: options.form,
    deadlineIntervalMs: options.deadlineIntervalMs ?? 100,
    agentLoginLimits: options.agentLoginLimits,
    ...(options.recognizer ? { recognizer: options.recognizer } : {}),
  };
  const bot =
    (options.host ?? testHost()) === 'agents'
      ? await startAgentsBot({ ...common, agentsAuthentication: options.agentsAuthentication, agentsConnections: options.agentsConnections })
      : await startBot({ ...common, channelAuthentication: options.channelAuthentication });
  const channel = await EmulatorChannel.start({
    latencyMs: options.channelLatencyMs,
    refuseUpdates: options.channelRefusesUpdates === true,
    refuseEvents: options.channelRefusesEvents,
    emptyIds: options.channelGivesNoIds === true,
  });
  return {
    bot,
    channel,
    conversation: (userId = `user-${++userCounter}`, conversationId?: string, channelId?: string) =>
      channel.conversation(bot.url, { id: userId, name: userId }, conversationId, channelId),
    stop: async () => {
      await bot.stop();
      await channel.stop();
    },
  };
}

/**
 * The bot under test of a describe block (or a file): started in its beforeAll, stopped in its
 * afterAll. What this returns forwards to that bot once it is started.
 */
export function suiteBot(options: BotUnderTestOptions = {}): BotUnderTest {
  let started: BotUnderTest | undefined;
  const get = (): BotUnderTest => {
    if (!started) throw new Error('the bot under test starts in beforeAll');
    return started;
  };
  beforeAll(async () => {
    started = await startBotUnderTest(options);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return {
    get bot() {
      return get().bot;
    },
    get channel() {
      return get().channel;
    },
    conversation: (...args) => get().conversation(...args),
    stop: () => get().stop(),
  };
}

/** The embedded simulator of a bot under test (it always runs one unless configured for a real org). */
export function sim(t: BotUnderTest): RunningSimulator {
  const simulator = t.bot.simulator;
  if (!simulator) throw new Error('the test bot runs without the simulator');
  return simulator;
}
