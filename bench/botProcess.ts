/**
 * The bot under benchmark, in its own process so its CPU time, heap and peak RSS are its own.
 * It is the real bot on the host `BENCH_HOST` names: `botbuilder` (default) is `startBot` (restify +
 * botbuilder's CloudAdapter, what `npm start` runs); `agents` is `startAgentsBot` (an AgentApplication
 * on the Microsoft 365 Agents SDK's CloudAdapter and express hosting handler, what `npm run start:agents`
 * runs, bot/agents/start.ts). Either with the Salesforce adapter, configured through the normal
 * variables (SF_AUTH_TYPE=client-credentials, SF_LOGIN_URL, SF_PUBSUB_ENDPOINT, SF_TRUST_CERT_FILE...)
 * against the simulator the bench process runs. It answers `stats` and `stop` requests over IPC.
 */
import { errorMessage } from '../util/errors';
import { MemoryStorage } from 'botbuilder';
import { MemoryStorage as AgentsMemoryStorage } from '@microsoft/agents-hosting';
import { startBot } from '../bot/startBot';
import { startAgentsBot } from '../bot/agents/startAgentsBot';
import { loadConfig } from '../bot/config/config';
import { createStorage, ensureStorageAnswers } from '../bot/storage';
import type { Log } from '../util/log';
import { CountingStorage, type StorageOpCounts } from './countingStorage';
import { CountingCoworkStore } from './countingStore';
import { StoreBackedStorage } from '../storage/storeBackedStorage';
import { processStats, send, type ToChild } from './ipc';

/** Drops debug/info; prints the first warnings and errors to stderr, so a failing run says why. */
function benchLog(): Log {
  let printed = 0;
  const print =
    (level: string) =>
    (obj: object, msg = '') => {
      if (printed++ < 10) process.stderr.write(`[bot ${level}] ${msg} ${JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? v.message : v))}\n`);
    };
  const log: Log = { debug: () => undefined, info: () => undefined, warn: print('warn'), error: print('error'), child: () => log };
  return log;
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', COWORK_DEV_COMMANDS: 'true' });
  const host = process.env.BENCH_HOST ?? 'botbuilder';
  if (host !== 'botbuilder' && host !== 'agents') throw new Error(`BENCH_HOST must be botbuilder or agents, got "${host}"`);
  const memory: Record<string, string> = {};
  // Every storage operation counted on its way to the storage the host uses: in memory, the host's own
  // SDK's MemoryStorage (botbuilder's, or the Agents SDK's that startAgentsBot takes by default), whose
  // figures are what Blob Storage would be asked; STORAGE=blob (botbuilder-azure-blobs, on both hosts)
  // asks Azurite; STORAGE=table: the Table store (co-work's own store port under the Storage shape),
  // each operation one request.
  // On Table, requests are counted at the store port, under the Storage shape: a partition query that
  // reads several keys kept together, or a transaction writing them, is one request, as the service counts.
  let storage;
  let counts: () => StorageOpCounts;
  if (config.storage.kind === 'memory') {
    const counting = new CountingStorage(host === 'agents' ? new AgentsMemoryStorage(memory) : new MemoryStorage(memory));
    [storage, counts] = [counting, () => counting.counts];
  } else {
    const store = createStorage(config.storage);
    await ensureStorageAnswers(store);
    if (store.coworkStore) {
      const requests = new CountingCoworkStore(store.coworkStore);
      [storage, counts] = [new StoreBackedStorage(requests), () => requests.ops];
    } else {
      const counting = new CountingStorage(store.storage);
      [storage, counts] = [counting, () => counting.counts];
    }
  }
  const options = { config: { ...config, publicUrl: 'http://127.0.0.1' }, log: benchLog(), storage };
  const bot = host === 'agents' ? await startAgentsBot(options) : await startBot(options);
  process.on('message', (raw: ToChild) => {
    if (raw.type === 'stats') send({ type: 'stats', id: raw.id, stats: processStats(memory, counts(), raw.light === true) });
    else if (raw.type === 'stop') {
      void bot.stop().then(() => {
        // Exit explicitly (a --cpu-prof profile is written on exit); send first, then leave.
        process.send?.({ type: 'stopped', id: raw.id }, () => process.exit(0));
      });
    }
  });
  send({ type: 'ready', url: bot.url });
}

main().catch((error: unknown) => {
  send({ type: 'fatal', error: errorMessage(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
