/**
 * The floor under the bot's CPU per turn, for comparison with a co-work session's: the same HTTP
 * edge (bot/edge/server.ts: restify, the activity guard), the same adapter (bot/edge/adapter.ts: CloudAdapter
 * with the reused connector clients) and conversation state in a MemoryStorage, with a turn that
 * only loads the state, sends one reply and saves. No Salesforce, no co-work. The Agents SDK's
 * counterpart is agentsFloorBotProcess.ts.
 * It answers `stats` and `stop` requests over IPC, like the bot under benchmark.
 */
import { errorMessage } from '../util/errors';
import type { AddressInfo } from 'node:net';
import { ConversationState, MemoryStorage } from 'botbuilder';
import { createAdapter } from '../bot/edge/adapter';
import { createServer } from '../bot/edge/server';
import { silentLog } from '../util/log';
import { CountingStorage } from './countingStorage';
import { processStats, send, type ToChild } from './ipc';

async function main(): Promise<void> {
  const adapter = createAdapter({ id: '', password: '', type: 'MultiTenant', tenantId: '' }, silentLog);
  const memory: Record<string, string> = {};
  // Counted like the bot's storage, so the report shows what a bare turn asks of it (a load and a save).
  const storage = new CountingStorage(new MemoryStorage(memory));
  const state = new ConversationState(storage);
  const turns = state.createProperty<{ count: number }>('turns');
  const server = createServer({
    adapter,
    onTurn: async (context) => {
      const seen = await turns.get(context, { count: 0 });
      seen.count++;
      await context.sendActivity(`turn ${seen.count}`);
      await state.saveChanges(context);
    },
    health: async () => ({ ok: true }),
    imagesDir: __dirname,
    log: silentLog,
    accepting: () => true,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.on('message', (raw: ToChild) => {
    if (raw.type === 'stats') send({ type: 'stats', id: raw.id, stats: processStats(memory, storage.counts, raw.light === true) });
    else if (raw.type === 'stop') process.send?.({ type: 'stopped', id: raw.id }, () => process.exit(0));
  });
  send({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

main().catch((error: unknown) => {
  send({ type: 'fatal', error: errorMessage(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
