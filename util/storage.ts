/** The key-value storage shape the bot uses; botbuilder's `Storage` satisfies it structurally. */

/** An item in key-value storage; `eTag` enables optimistic concurrency (`'*'` or absent = overwrite). */
export interface StoreItem {
  eTag?: string;
  [key: string]: unknown;
}

/** The subset of botbuilder's `Storage` the core uses (botbuilder storages satisfy it). */
export interface KeyValueStorage {
  read(keys: string[]): Promise<Record<string, StoreItem | undefined>>;
  write(changes: Record<string, StoreItem>): Promise<void>;
  delete(keys: string[]): Promise<void>;
}

/**
 * A storage whose writes tell the new eTag and can be create-only (the co-work store port under
 * botbuilder's shape, `storage/storeBackedStorage.ts`): one item, guarded by its `eTag` (`'*'`
 * overwrites) or, with `ifAbsent`, written only where there is none. A refusal is an eTag conflict.
 */
export interface ETagReturningStorage extends KeyValueStorage {
  writeReturningETag(key: string, item: StoreItem, options?: { ifAbsent?: boolean }): Promise<string>;
}

export function returnsETags(storage: KeyValueStorage): storage is ETagReturningStorage {
  return typeof (storage as Partial<ETagReturningStorage>).writeReturningETag === 'function';
}

/** A row kept under a key of a `RowStorage`. */
export interface KeyRow {
  row: string;
  data: Record<string, unknown>;
}

/**
 * A storage that also keeps rows under a key (STORAGE=table: a key is a partition of the co-work store,
 * `storage/storeBackedStorage.ts`, its item one row of it): a row is written and deleted in one request
 * without reading anything, and the key's item and all its rows are read by one query. For lists of ids
 * that change often (the in-flight index) instead of a read-modify-write of one document.
 */
export interface RowStorage extends KeyValueStorage {
  /** Writes the row whatever is there. */
  upsertRow(key: string, row: string, data: Record<string, unknown>): Promise<void>;
  /** Deletes the row; no row is no error. */
  deleteRow(key: string, row: string): Promise<void>;
  /** The key's own item (as `read` gives it) and every row under the key, in row order: one request. */
  queryRows(key: string): Promise<{ item: StoreItem | undefined; rows: KeyRow[] }>;
}

export function keepsRows(storage: KeyValueStorage): storage is RowStorage {
  const s = storage as Partial<RowStorage>;
  return typeof s.upsertRow === 'function' && typeof s.deleteRow === 'function' && typeof s.queryRows === 'function';
}

/** One write of `TogetherStorage.writeTogether`: the item, guarded by its `eTag` (`'*'` or none overwrites), or created only if absent. */
export interface KeyWrite {
  key: string;
  item: StoreItem;
  ifAbsent?: boolean;
}

/**
 * A storage that keeps some keys together (STORAGE=table: keys the key layout places in one partition,
 * `storage/keyLayout.ts`): the items stored with a key are read by one request, and writes of keys kept
 * together are made in one transaction, all or none.
 */
export interface TogetherStorage extends ETagReturningStorage {
  /** Whether `writeTogether` can write these keys in one transaction (all kept together). */
  keptTogether(keys: readonly string[]): boolean;
  /** `key`'s item and every other item kept with it, by key: one request. */
  readWith(key: string): Promise<Record<string, StoreItem>>;
  /**
   * The writes in one transaction (keys `keptTogether`, each once): all or none; a refusal is an eTag
   * conflict naming the refused key. Resolves with each item's new eTag, in order ('' when not known: the
   * answer was lost and another write changed that item since; the write was applied all the same).
   */
  writeTogether(writes: readonly KeyWrite[]): Promise<string[]>;
}

export function keepsTogether(storage: KeyValueStorage): storage is TogetherStorage {
  const s = storage as Partial<TogetherStorage>;
  return returnsETags(storage) && typeof s.keptTogether === 'function' && typeof s.readWith === 'function' && typeof s.writeTogether === 'function';
}
