/**
 * Sessions between "the customer answered" and "done": submitted (waiting for the event to come
 * back) or answered (effects in progress). They are listed here, in a few sharded documents, so
 * any instance can find and finish the work of an instance that died — without a scan and
 * without keeping anything in memory. Entries live for milliseconds to seconds, so the
 * documents stay small whatever the number of waiting sessions.
 *
 * Keys: cowork/inflight/{shard}  →  { sessionKeys: [...] }
 */
import { createHash } from 'node:crypto';
import type { KeyValueStorage, StoreItem } from './ports';
import { isETagConflict } from './sessionRepository';

const MAX_CONFLICT_RETRIES = 50;

interface ShardDocument extends StoreItem {
  sessionKeys: string[];
}

export class InFlightIndex {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly shards = 16,
    private readonly prefix = 'cowork',
  ) {}

  async add(sessionKey: string): Promise<void> {
    await this.mutate(this.shardKey(sessionKey), (keys) => (keys.includes(sessionKey) ? undefined : [...keys, sessionKey]));
  }

  async remove(sessionKey: string): Promise<void> {
    await this.mutate(this.shardKey(sessionKey), (keys) => (keys.includes(sessionKey) ? keys.filter((k) => k !== sessionKey) : undefined));
  }

  /** Every session key listed, across all shards (one multi-key read). */
  async all(): Promise<string[]> {
    const keys = Array.from({ length: this.shards }, (_, i) => this.shardStorageKey(i));
    const items = await this.storage.read(keys);
    return keys.flatMap((k) => (items[k] as ShardDocument | undefined)?.sessionKeys ?? []);
  }

  private shardKey(sessionKey: string): string {
    const shard = createHash('sha1').update(sessionKey).digest().readUInt16BE(0) % this.shards;
    return this.shardStorageKey(shard);
  }

  private shardStorageKey(shard: number): string {
    return `${this.prefix}/inflight/${shard}`;
  }

  private async mutate(key: string, change: (keys: string[]) => string[] | undefined): Promise<void> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const item = (await this.storage.read([key]))[key] as ShardDocument | undefined;
      const next = change(item?.sessionKeys ?? []);
      if (!next) return;
      try {
        await this.storage.write({ [key]: { sessionKeys: next, eTag: item?.eTag ?? '*' } });
        if (item) return;
        // The shard's first write is unconditional: check it was not overwritten by another first write.
        const after = (await this.storage.read([key]))[key] as ShardDocument | undefined;
        if (change(after?.sessionKeys ?? []) === undefined) return;
      } catch (err) {
        if (!isETagConflict(err)) throw err;
      }
      // Contended shard: back off a little, with jitter, before the next read-modify-write.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
    }
    throw new Error(`in-flight shard ${key}: gave up after ${MAX_CONFLICT_RETRIES} conflicting concurrent updates`);
  }
}
