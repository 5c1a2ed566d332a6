/**
 * The bot on its own on the Microsoft 365 Agents SDK (`npm run start:agents`): an `AgentApplication`
 * with co-work mounted (`mountCowork`, not mounted: greeting, help and every message are co-work's),
 * served by the SDK's express hosting handler (`createAgentRequestHandler`: its JWT middleware, then
 * its `CloudAdapter`) on this bot's own HTTP server, bound to `HOST` (127.0.0.1 by default: the
 * SDK's `startServer` listens on every interface). Same routes as the botbuilder host: `POST` /
 * `HEAD /api/messages`, `GET /healthz`, `GET /images/{file}`; same guard, limits and answers.
 */
import { AgentApplication, MemoryStorage, type AuthConfiguration, type Connections, type TurnState } from '@microsoft/agents-hosting';
import type { RunningBot, StartBotOptions } from '../startBot';
import { serveAgents, type AgentsHttp } from './agentsServer';
import { agentsAuthConfig, createAgentsAdapter } from './agentsAuth';
import { mountCowork } from './mountCowork';

export interface StartAgentsBotOptions extends Omit<StartBotOptions, 'channelAuthentication'> {
  /**
   * Agents SDK settings of the JWT middleware (incoming tokens) beyond the configuration's, e.g. a
   * test's key server on loopback. The adapter's own settings (outgoing tokens) stay the configuration's.
   */
  agentsAuthentication?: Partial<AuthConfiguration> | undefined;
  /**
   * Where the adapter gets its outgoing tokens (default: MSAL, for the configured app). The SDK asks
   * for one before every authenticated turn, even one that sends nothing; a test gives its own.
   */
  agentsConnections?: Connections | undefined;
}

export async function startAgentsBot(options: StartAgentsBotOptions): Promise<RunningBot> {
  const { config, log } = options;
  const authConfig = agentsAuthConfig(config.microsoftApp, options.agentsAuthentication);
  const adapter = createAgentsAdapter(config.microsoftApp, log);
  if (options.agentsConnections) adapter.connectionManager = options.agentsConnections;
  // Co-work keeps its own conversation state (eTag-guarded); the app's TurnState has nothing to keep.
  const app = new AgentApplication<TurnState>({ adapter });
  const cowork = await mountCowork(app, {
    ...options,
    // The SDK's MemoryStorage in memory; Blob through botbuilder-azure-blobs' BlobsStorage (built from
    // STORAGE=blob by createCowork: there is no Agents SDK Blob storage package for JavaScript).
    ...(options.storage ? { storage: options.storage } : config.storage.kind === 'memory' ? { storage: new MemoryStorage(), storageKind: 'memory' } : {}),
    mounted: false,
  });
  let http: AgentsHttp;
  try {
    http = await serveAgents(app, cowork, { config, log, authConfig });
  } catch (err) {
    await cowork.stop();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // Stop accepting turns; those in flight finish, then the server closes.
      await http.close(() => cowork.stop());
      log.info({}, 'stopped');
    })();
    return stopped;
  };
  return {
    url: http.url,
    port: http.port,
    simulator: cowork.simulator,
    salesforce: cowork.salesforce,
    service: cowork.service,
    storage: cowork.storage,
    stop,
  };
}
