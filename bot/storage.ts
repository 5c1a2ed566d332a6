/**
 * The bot's storage: botbuilder `MemoryStorage` for local use, or Azure Blob Storage
 * (`botbuilder-azure-blobs`) for durable sessions and several instances. Everything the
 * co-work depends on lives here: sessions, the correlation index, conversation state (with
 * the conversation references), the replay position and the in-flight index.
 *
 * Cosmos DB (`botbuilder-azure`'s `CosmosDbPartitionedStorage`) is the other production
 * option: it implements the same `Storage` interface and eTag semantics.
 */
import { MemoryStorage, type Storage } from 'botbuilder';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import type { StorageConfig } from './config';

export interface BotStorage {
  storage: Storage;
  kind: StorageConfig['kind'];
  /** A cheap round trip to the store; rejects when it is unreachable. */
  check(): Promise<void>;
  describe(): Record<string, string>;
}

const PROBE_KEY = 'cowork/health/probe';

export function createStorage(config: StorageConfig): BotStorage {
  if (config.kind === 'memory') {
    const storage = new MemoryStorage();
    return { storage, kind: 'memory', check: async () => undefined, describe: () => ({ kind: 'memory' }) };
  }
  const storage = new BlobsStorage(config.connectionString, config.container);
  return {
    storage,
    kind: 'blob',
    check: async () => {
      await storage.read([PROBE_KEY]);
    },
    describe: () => ({ kind: 'blob', container: config.container, account: accountOf(config.connectionString) }),
  };
}

/** The account (or endpoint) named by a connection string: never its key. */
function accountOf(connectionString: string): string {
  const parts = new Map(
    connectionString
      .split(';')
      .map((p) => p.split('='))
      .filter((kv) => kv.length >= 2)
      .map(([k, ...v]) => [(k ?? '').toLowerCase(), v.join('=')]),
  );
  return parts.get('accountname') ?? parts.get('blobendpoint') ?? 'unknown';
}
