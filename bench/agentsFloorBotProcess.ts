/**
 * The floor under the Agents host's CPU per turn, the counterpart of floorBotProcess.ts on the
 * Microsoft 365 Agents SDK: the same HTTP edge as the Agents host (bot/agents/agentsServer.ts: the
 * SDK's express hosting handler, its JWT middleware and CloudAdapter, behind the same guard) and the
 * same adapter (bot/agents/agentsAuth.ts), an `AgentApplication` with the SDK's `MemoryStorage`, whose
 * one route answers a message with one reply; the SDK loads the turn state before the route and saves
 * it after (its `afterTurn`). No Salesforce, no co-work. It answers `stats` and `stop` requests over IPC.
 */
import { ActivityTypes } from '@microsoft/agents-activity';
import { AgentApplication, MemoryStorage, type TurnState } from '@microsoft/agents-hosting';
import { agentsAuthConfig, createAgentsAdapter } from '../bot/agents/agentsAuth';
import { serveAgents } from '../bot/agents/agentsServer';
import { loadConfig } from '../bot/config/config';
import { errorMessage } from '../util/errors';
import { silentLog } from '../util/log';
import { CountingStorage } from './countingStorage';
import { processStats, send, type ToChild } from './ipc';

async function main(): Promise<void> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  const adapter = createAgentsAdapter(config.microsoftApp, silentLog);
  const memory: Record<string, string> = {};
  // Counted like the bot's storage, so the report shows what a bare turn asks of it (the SDK's load and save).
  const storage = new CountingStorage(new MemoryStorage(memory));
  const app = new AgentApplication<TurnState<{ turns?: number }>>({ adapter, storage });
  app.onActivity(ActivityTypes.Message, async (context, state) => {
    const count = (state.conversation.turns ?? 0) + 1;
    state.conversation.turns = count;
    await context.sendActivity(`turn ${count}`);
  });
  // The SDK saves the turn state only when an afterTurn handler lets it (1.8.1).
  app.onTurn('afterTurn', async () => true);
  const http = await serveAgents(
    app,
    { health: async () => ({ ok: true }), imagesDir: __dirname },
    { config, log: silentLog, authConfig: agentsAuthConfig(config.microsoftApp) },
  );
  process.on('message', (raw: ToChild) => {
    if (raw.type === 'stats') send({ type: 'stats', id: raw.id, stats: processStats(memory, storage.counts, raw.light === true) });
    else if (raw.type === 'stop') process.send?.({ type: 'stopped', id: raw.id }, () => process.exit(0));
  });
  send({ type: 'ready', url: http.url });
}

main().catch((error: unknown) => {
  send({ type: 'fatal', error: errorMessage(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
