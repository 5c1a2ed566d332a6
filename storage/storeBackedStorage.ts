/**
 * botbuilder's key-value `Storage` served by a co-work store (`cowork/coworkStore.ts`), so that with
 * `STORAGE=table` everything the bot keeps — conversation state, the replay position, the handoff
 * records — lives in the same table as the co-work documents, with `MemoryStorage`'s semantics: a
 * write without an eTag (or with `*`) overwrites, one with an eTag replaces only the item stored with
 * it (and creates one that is not there), a stale eTag is refused with an "eTag conflict" error that
 * `isETagConflict` recognises.
 *
 * A key is one entity: its partition is the key (hashed when too long for the service), its row `kv`.
 * Rows under a key (`RowStorage`: the in-flight index's sessions) are other rows of the key's partition.
 */
import { createHash } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import type { ETagReturningStorage, KeyRow, RowStorage, StoreItem } from '../util/storage';
import { escapeKey, StoreConflictError, type CoworkStore, type EntityData } from '../cowork/coworkStore';

/** In an item stored under a hashed partition: the key it was written with (for the migration tool). */
export const ORIGINAL_KEY = 'cowork:key';
/** The row every key-value item is stored in. */
export const KEY_VALUE_ROW = 'kv';
/** Where hashed keys live; a key that itself starts with it is hashed too, so none can collide with one. */
const HASHED_PREFIX = 'hashed/';
/** Rows under a key are stored as `r:{row}`: never the item's own row. */
const ROW_PREFIX = 'r:';
/** Longest escaped key kept as it is (the service's 1 KiB is 512 UTF-16 units). */
const MAX_PLAIN_KEY = 400;

/** The partition a key-value item lives in. */
export function partitionOfKey(key: string): string {
  if (escapeKey(key).length <= MAX_PLAIN_KEY && !key.startsWith(HASHED_PREFIX)) return key;
  return `${HASHED_PREFIX}${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

export class StoreBackedStorage implements Storage, ETagReturningStorage, RowStorage {
  constructor(readonly store: CoworkStore) {}

  async read(keys: string[]): Promise<StoreItems> {
    const found = await Promise.all(keys.map(async (key) => [key, await this.store.get(partitionOfKey(key), KEY_VALUE_ROW)] as const));
    const items: StoreItems = {};
    for (const [key, entity] of found) if (entity) items[key] = toItem(entity.data, entity.eTag);
    return items;
  }

  async upsertRow(key: string, row: string, data: Record<string, unknown>): Promise<void> {
    await this.store.upsert(partitionOfKey(key), rowOf(row), JSON.parse(JSON.stringify(data)) as EntityData);
  }

  async deleteRow(key: string, row: string): Promise<void> {
    await this.store.delete(partitionOfKey(key), rowOf(row));
  }

  async queryRows(key: string): Promise<{ item: StoreItem | undefined; rows: KeyRow[] }> {
    let item: StoreItem | undefined;
    const rows: KeyRow[] = [];
    for (const entity of await this.store.query(partitionOfKey(key))) {
      if (entity.row === KEY_VALUE_ROW) item = toItem(entity.data, entity.eTag);
      else if (entity.row.startsWith(ROW_PREFIX)) rows.push({ row: entity.row.slice(ROW_PREFIX.length), data: { ...entity.data } });
    }
    return { item, rows };
  }

  async write(changes: StoreItems): Promise<void> {
    await Promise.all(Object.entries(changes).map(([key, item]) => this.writeReturningETag(key, (item ?? {}) as StoreItem)));
  }

  async writeReturningETag(key: string, item: StoreItem, { ifAbsent = false }: { ifAbsent?: boolean } = {}): Promise<string> {
    const { eTag, ...rest } = item;
    const partition = partitionOfKey(key);
    const data = JSON.parse(JSON.stringify(partition === key ? rest : { ...rest, [ORIGINAL_KEY]: key })) as EntityData;
    if (ifAbsent) return this.store.create(partition, KEY_VALUE_ROW, data);
    if (typeof eTag !== 'string' || eTag === '*' || eTag === '') return this.store.upsert(partition, KEY_VALUE_ROW, data);
    try {
      return await this.store.replace(partition, KEY_VALUE_ROW, data, eTag);
    } catch (error) {
      if (!(error instanceof StoreConflictError) || error.kind !== 'missing') throw error;
      // As MemoryStorage: an eTag for an item that is not there writes it (but only if still absent).
      return this.store.create(partition, KEY_VALUE_ROW, data).catch((createError: unknown) => {
        throw createError instanceof StoreConflictError ? new StoreConflictError('stale', partition, KEY_VALUE_ROW) : createError;
      });
    }
  }

  /** Every key stored (a scan of the whole table: for the migration tool, never on a session's path). */
  async keys(list: () => Promise<string[]>): Promise<string[]> {
    const keys: string[] = [];
    for (const partition of await list()) {
      if (!partition.startsWith(HASHED_PREFIX)) keys.push(partition);
      else {
        const original = (await this.store.get(partition, KEY_VALUE_ROW))?.data[ORIGINAL_KEY];
        if (typeof original === 'string') keys.push(original);
      }
    }
    return keys;
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.store.delete(partitionOfKey(key), KEY_VALUE_ROW)));
  }
}

function rowOf(row: string): string {
  return `${ROW_PREFIX}${row}`;
}

function toItem(data: EntityData, eTag: string): StoreItem {
  const { [ORIGINAL_KEY]: _original, ...rest } = data;
  return { ...rest, eTag };
}
