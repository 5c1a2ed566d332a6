/**
 * A list of ids kept in one storage document (`{ keys: [...] }`) and changed with optimistic
 * concurrency: the correlation index of a Case, the shards of the in-flight index, the handoff
 * waiting list. Several instances may change one list at once; none loses another's change.
 */
import type { KeyValueStorage, StoreItem } from './ports';

interface KeyListDocument extends StoreItem {
  keys: string[];
}

const MAX_CONFLICT_RETRIES = 50;

/** True for the optimistic-concurrency refusals of botbuilder's storages (memory, blobs, Cosmos DB). */
export function isETagConflict(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { statusCode?: number; code?: string };
  return /etag conflict/i.test(e.message) || e.statusCode === 412 || e.code === 'ConditionNotMet' || /precondition/i.test(e.message);
}

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
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const item = (await storage.read([key]))[key] as KeyListDocument | undefined;
    const next = change(item?.keys ?? []);
    if (!next) return;
    try {
      await storage.write({ [key]: { keys: next, eTag: item?.eTag ?? '*' } });
      if (item) return;
      // A list's first write is unconditional (storage has no create-if-absent): two first
      // writers would both succeed and the last would win. Read back; go again if ours was lost.
      if (change(await readKeyList(storage, key)) === undefined) return;
    } catch (err) {
      if (!isETagConflict(err)) throw err;
    }
    // Contended: back off a little, with jitter, before the next read-modify-write.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
  }
  throw new Error(`${key}: gave up after ${MAX_CONFLICT_RETRIES} conflicting concurrent updates`);
}
