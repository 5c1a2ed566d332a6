/**
 * The bot's storage: botbuilder `MemoryStorage` for local use, or Azure Blob Storage
 * (`botbuilder-azure-blobs`) for durable sessions and several instances. Everything the
 * co-work depends on lives here: sessions, the correlation index, conversation state (with
 * the conversation references), the replay position and the in-flight index.
 *
 * Cosmos DB (`botbuilder-azure`'s `CosmosDbPartitionedStorage`) is the other production
 * option: it implements the same `Storage` interface and eTag semantics.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { MemoryStorage, type Storage, type StoreItems } from 'botbuilder';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import type { CoworkStore } from '../cowork/coworkStore';
import { keepsRows, keepsTogether, returnsETags, type ETagReturningStorage, type RowStorage, type TogetherStorage } from '../util/storage';
import { StoreBackedStorage } from '../storage/storeBackedStorage';
import { TableCoworkStore } from '../storage/tableStore';
import type { StorageConfig } from './config/config';

export interface BotStorage {
  storage: Storage;
  kind: StorageConfig['kind'];
  /** A cheap round trip to the store; rejects when it is unreachable. */
  check(): Promise<void>;
  /** Where the store listens, when known from its settings (for a fast first check). */
  endpoint?(): { host: string; port: number } | undefined;
  describe(): Record<string, string>;
  /** The co-work store under `storage`, when the kind has one (table). */
  coworkStore?: CoworkStore;
  /** Prepares the store before the first use (creates the table); included in `ensureStorageAnswers`. */
  prepare?(): Promise<void>;
}

const PROBE_KEY = 'cowork/health/probe';

export function createStorage(config: StorageConfig): BotStorage {
  if (config.kind === 'memory') {
    const storage = new MemoryStorage();
    return { storage, kind: 'memory', check: async () => undefined, describe: () => ({ kind: 'memory' }) };
  }
  if (config.kind === 'table') {
    const store = TableCoworkStore.connect(config.connectionString, config.table);
    return {
      storage: new StoreBackedStorage(store),
      kind: 'table',
      coworkStore: store,
      prepare: () => store.ensureTable(),
      check: () => store.check(),
      describe: () => ({ kind: 'table', table: config.table, account: accountOf(config.connectionString, 'tableendpoint') }),
      endpoint: () => endpointOf(config.connectionString, 'TableEndpoint', 10002),
    };
  }
  const storage = new BlobsStorage(config.connectionString, config.container);
  return {
    storage,
    kind: 'blob',
    check: async () => {
      await storage.read([PROBE_KEY]);
    },
    describe: () => ({ kind: 'blob', container: config.container, account: accountOf(config.connectionString) }),
    endpoint: () => endpointOf(config.connectionString, 'BlobEndpoint', 10000),
  };
}

/** How long the start waits for the store's first answer. */
export const START_TIMEOUT_FOR_STORAGE_MS = 4_000;

/**
 * The store's first round trip, bounded: one that fails or does not answer within
 * `START_TIMEOUT_FOR_STORAGE_MS` is an error naming STORAGE, the connection variable and how to start
 * Azurite locally.
 */
export async function ensureStorageAnswers(store: BotStorage, timeoutMs: number = START_TIMEOUT_FOR_STORAGE_MS): Promise<void> {
  if (store.kind === 'memory') return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    // Nothing listening (Azurite not started) is known at once; the storage client would retry for ~18 s.
    const endpoint = store.endpoint?.();
    if (endpoint !== undefined) await Promise.race([tcpReachable(endpoint.host, endpoint.port), timedOut]);
    if (store.prepare) await Promise.race([store.prepare(), timedOut]);
    await Promise.race([store.check(), timedOut]);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const variable = store.kind === 'table' ? 'AZURE_TABLES_CONNECTION_STRING' : 'AZURE_STORAGE_CONNECTION_STRING';
    throw new Error(
      `storage does not answer: STORAGE=${store.kind} and ${variable} (${store.describe().account}) (${reason}). ` +
        'Locally, start Azurite in another terminal with npm run azurite (README: Durable sessions); elsewhere check the connection string, or use STORAGE=memory.',
    );
  } finally {
    clearTimeout(timer);
  }
}

function tcpReachable(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/** The blob (or table) endpoint's host and port, when the connection string names one (Azurite, a custom endpoint). */
function endpointOf(connectionString: string, name: 'BlobEndpoint' | 'TableEndpoint', developmentPort: number): { host: string; port: number } | undefined {
  if (/UseDevelopmentStorage=true/i.test(connectionString)) return { host: '127.0.0.1', port: developmentPort };
  const raw = new RegExp(`${name}=([^;]+)`, 'i').exec(connectionString)?.[1];
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
  } catch {
    return undefined;
  }
}

/** The account (or endpoint) named by a connection string: never its key. */
function accountOf(connectionString: string, endpoint = 'blobendpoint'): string {
  const parts = new Map(
    connectionString
      .split(';')
      .map((p) => p.split('='))
      .filter((kv) => kv.length >= 2)
      .map(([k, ...v]) => [(k ?? '').toLowerCase(), v.join('=')]),
  );
  return parts.get('accountname') ?? parts.get(endpoint) ?? 'unknown';
}

/** Where hashed keys live; a key that itself starts with it is hashed too, so none can collide with one. */
export const HASHED_KEY_PREFIX = 'cowork-hashed/';
/** Longest key, URI-encoded, that is stored as it is (Azure's limit is 1,024; keep a margin). */
const MAX_ENCODED_KEY_LENGTH = 900;
/** Azure Blob Storage keeps at most 254 "/" in a blob name; botbuilder-azure-blobs drops empty segments. */
const MAX_SLASHES = 200;

/**
 * The key under which `key` is stored. botbuilder-azure-blobs URI-encodes a key, drops empty
 * path segments and silently truncates it to 1,024 characters, so two long (non-ASCII) keys, or
 * `a//b` and `a/b`, would share one blob. Such keys become a fixed prefix plus the SHA-256 of
 * the whole key; every other key is left as it is.
 */
export function storageKey(key: string): string {
  const unsafe =
    encodeURIComponent(key).length > MAX_ENCODED_KEY_LENGTH ||
    key.startsWith(HASHED_KEY_PREFIX) ||
    /\/\/|^\/|\/$/.test(key) ||
    key.split('/').length - 1 > MAX_SLASHES;
  return unsafe ? `${HASHED_KEY_PREFIX}${createHash('sha256').update(key, 'utf8').digest('hex')}` : key;
}

/** Wraps a storage so that every key goes through `storageKey`; callers keep using their own keys. */
export class SafeKeyStorage implements Storage {
  /** Present when the inner storage tells eTags (STORAGE=table), with the key mapped like the others. */
  readonly writeReturningETag?: ETagReturningStorage['writeReturningETag'];
  /** Present when the inner storage keeps rows under a key (STORAGE=table), with the key mapped like the others. */
  readonly upsertRow?: RowStorage['upsertRow'];
  readonly deleteRow?: RowStorage['deleteRow'];
  readonly queryRows?: RowStorage['queryRows'];
  /**
   * Present when the inner storage keeps keys together (STORAGE=table). A key `storageKey` hashes is never
   * kept with another (the key layout places keys by their shape), so results come back under the caller's keys.
   */
  readonly keptTogether?: TogetherStorage['keptTogether'];
  readonly readWith?: TogetherStorage['readWith'];
  readonly writeTogether?: TogetherStorage['writeTogether'];

  constructor(private readonly inner: Storage) {
    if (returnsETags(inner)) this.writeReturningETag = (key, item, options) => inner.writeReturningETag(storageKey(key), item, options);
    if (keepsTogether(inner)) {
      this.keptTogether = (keys) => inner.keptTogether(keys.map(storageKey));
      this.readWith = async (key) => {
        const mapped = storageKey(key);
        const items = await inner.readWith(mapped);
        if (mapped === key) return items;
        const { [mapped]: item, ...others } = items;
        return item === undefined ? others : { ...others, [key]: item };
      };
      this.writeTogether = (writes) => inner.writeTogether(writes.map((write) => ({ ...write, key: storageKey(write.key) })));
    }
    if (keepsRows(inner)) {
      this.upsertRow = (key, row, data) => inner.upsertRow(storageKey(key), row, data);
      this.deleteRow = (key, row) => inner.deleteRow(storageKey(key), row);
      this.queryRows = (key) => inner.queryRows(storageKey(key));
    }
  }

  async read(keys: string[]): Promise<StoreItems> {
    const mapped = keys.map(storageKey);
    const items = await this.inner.read(mapped);
    const result: StoreItems = {};
    keys.forEach((key, i) => {
      const item = items[mapped[i] ?? key];
      if (item !== undefined) result[key] = item;
    });
    return result;
  }

  write(changes: StoreItems): Promise<void> {
    const mapped: StoreItems = {};
    for (const [key, item] of Object.entries(changes)) mapped[storageKey(key)] = item;
    return this.inner.write(mapped);
  }

  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys.map(storageKey));
  }
}
