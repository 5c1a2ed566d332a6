/**
 * The bot on its own: co-work (bot/compositionRoot.ts) behind a restify server with its own CloudAdapter.
 * `bot/index.ts` calls it for `npm start`; tests and benchmarks call it with port 0.
 */
import type { Storage } from 'botbuilder';
import type { FormSpec } from '../cowork/domain/formSpec';
import type { Log } from '../util/log';
import type { SalesforceOrg } from '../salesforce';
import type { RunningSimulator, SimulatorOptions } from '../simulator';
import type { CoworkService } from '../cowork/coworkService';
import type { ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { createAdapter } from './edge/adapter';
import { routeConsoleToLog } from './edge/channelAuth';
import type { BotConfig } from './config/config';
import { createCowork, type CoworkOptions } from './compositionRoot';
import { createServer } from './edge/server';
import type { AnswerRecognizer } from '../dialogs/answerRecognizer';

export interface StartBotOptions {
  config: BotConfig;
  log: Log;
  /** botbuilder storage shared by conversation state and co-work sessions. Default: from `config.storage`. */
  storage?: Storage | undefined;
  simulatorOptions?: SimulatorOptions | undefined;
  form?: FormSpec | undefined;
  /** How often the timed work (expiry, in-flight recovery) runs. */
  deadlineIntervalMs?: number | undefined;
  /** Limits on wrong `/agent login` keys (see `createCowork`). */
  agentLoginLimits?: CoworkOptions['agentLoginLimits'] | undefined;
  /** botbuilder authentication settings beyond the environment's (see `createAdapter`). */
  channelAuthentication?: Partial<ConfigurationBotFrameworkAuthenticationOptions> | undefined;
  /** Understands typed answers; the built-in recogniser by default. */
  recognizer?: AnswerRecognizer | undefined;
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
  // botbuilder prints rejected tokens' stacks with console.error: into the log instead (debug, one line).
  const unrouteConsole = routeConsoleToLog(log.child({ component: 'botbuilder' }));
  const adapter = createAdapter(config.microsoftApp, log, options.channelAuthentication, config.sendTimeoutMs);
  let cowork: Awaited<ReturnType<typeof createCowork>>;
  try {
    cowork = await createCowork({ ...options, adapter });
  } catch (err) {
    unrouteConsole();
    throw err;
  }

  let accepting = true;
  const server = createServer({
    adapter,
    onTurn: async (context) => {
      await cowork.onTurn(context);
    },
    health: () => cowork.health(),
    imagesDir: cowork.imagesDir,
    healthzToken: config.healthzToken,
    log,
    accepting: () => accepting,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    await cowork.stop();
    unrouteConsole();
    throw err;
  }
  const address = server.address() as { port: number };
  const urlHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      accepting = false;
      // Stop accepting connections; turns already in flight finish, then idle keep-alive
      // connections are closed so the server can close.
      const httpServer = server.server;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      httpServer.closeIdleConnections();
      await cowork.stop();
      httpServer.closeIdleConnections();
      await closed;
      unrouteConsole();
      log.info({}, 'stopped');
    })();
    return stopped;
  };

  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    simulator: cowork.simulator,
    salesforce: cowork.salesforce,
    service: cowork.service,
    storage: cowork.storage,
    stop,
  };
}
