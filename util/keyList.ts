/**
 * A list of ids kept in one storage document (`{ keys: [...] }`) and changed with optimistic
 * concurrency: the correlation index of a Case, the shards of the in-flight index, the handoff
 * waiting list. Several instances may change one list at once; none loses another's change.
 */
import { jitteredBackoff, updateWithETag, WRITE_LOST } from './eTagUpdate';
import type { KeyValueStorage, StoreItem } from './storage';

export { isETagConflict } from './eTagUpdate';

interface KeyListDocument extends StoreItem {
  keys: string[];
}

const MAX_CONFLICT_RETRIES = 50;

/** The ids in the list stored at `key` (empty when there is none). */
export async function readKeyList(storage: KeyValueStorage, key: string): Promise<string[]> {
  return ((await storage.read([key]))[key] as KeyListDocument | undefined)?.keys ?? [];
}

/** The ids of several lists, read at once, concatenated in the order of `keys`. */
export async function readKeyLists(storage: KeyValueStorage, keys: readonly string[]): Promise<string[]> {
  const items = await storage.read([...keys]);
  return keys.flatMap((k) => (items[k] as KeyListDocument | undefined)?.keys ?? []);
}

export function addKey(storage: KeyValueStorage, key: string, id: string): Promise<void> {
  return updateKeyList(storage, key, (ids) => (ids.includes(id) ? undefined : [...ids, id]));
}

export function removeKey(storage: KeyValueStorage, key: string, id: string): Promise<void> {
  return updateKeyList(storage, key, (ids) => (ids.includes(id) ? ids.filter((k) => k !== id) : undefined));
}

/**
 * Read-modify-write of the list at `key`. `change` returns the new ids, or `undefined` when the
 * list already is as wanted (which ends the loop). An emptied list stays as an empty document:
 * storage deletes are unconditional and could drop an id another instance just added.
 */
export async function updateKeyList(storage: KeyValueStorage, key: string, change: (ids: string[]) => string[] | undefined): Promise<void> {
  await updateWithETag<void>(storage, key, { maxAttempts: MAX_CONFLICT_RETRIES, what: key, backoff: jitteredBackoff }, (stored) => {
    const item = stored as KeyListDocument | undefined;
    const next = change(item?.keys ?? []);
    if (!next) return { result: undefined };
    return {
      write: { keys: next },
      // A list's first write is unconditional (storage has no create-if-absent): two first
      // writers would both succeed and the last would win. Read back; go again if ours was lost.
      written: async ({ exclusive }) => (item || exclusive || change(await readKeyList(storage, key)) === undefined ? undefined : WRITE_LOST),
    };
  });
}
