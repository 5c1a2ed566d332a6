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
