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
