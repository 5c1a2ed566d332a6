import { AgentApplication, MemoryStorage, RouteRank, type TurnContext, type TurnState } from '@microsoft/agents-hosting';
import { agentsAuthConfig, createAgentsAdapter, mountCowork, serveAgents } from '../bot/agents';
import { loadConfig } from '../bot/config/config';
import { createLogger } from '../bot/logger';

export async function startHostAgent(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env); // the same variables as `npm start` (MicrosoftAppId → the SDK's clientId, ...)
  const log = createLogger(config.log);
  const app = new AgentApplication<TurnState>({ adapter: createAgentsAdapter(config.microsoftApp, log) });

  // Your routes before co-work's (a lower rank), and after (a higher one).
  app.onConversationUpdate('membersAdded', async (context) => {
    await context.sendActivity('Welcome to the host agent.');
  });
  app.onMessage(
    '/hours',
    async (context) => {
      await context.sendActivity('We are open 9 to 5.');
    },
    [],
    RouteRank.First,
  );
  const yours = async (context: TurnContext) => {
    await context.sendActivity(`host: ${context.activity.text ?? ''}`);
  };

  const cowork = await mountCowork(app, {
    config,
    log,
    storage: new MemoryStorage(), // or botbuilder-azure-blobs' BlobsStorage
    mounted: true, // greetings, help and other text stay yours
    otherwise: yours, // a message co-work looked at while its form was open, and left to you
  });
  app.onActivity('message', yours, [], RouteRank.Last);

  const http = await serveAgents(app, cowork, { config, log, authConfig: agentsAuthConfig(config.microsoftApp) });
  return { cowork, url: http.url, stop: () => http.close(() => cowork.stop()) };
}
