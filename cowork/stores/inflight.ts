/**
 * Sessions between "the customer answered" and "done": submitted (waiting for the event to come
 * back) or answered (effects in progress). They are listed here, in a few sharded documents, so
 * any instance can find and finish the work of an instance that died — without a scan and
 * without keeping anything in memory. Entries live for milliseconds to seconds, so the
 * documents stay small whatever the number of waiting sessions.
 *
 * Keys: cowork/inflight/{shard}  →  { keys: [...] }  (see keyList.ts)
 */
import { createHash } from 'node:crypto';
import { addKey, readKeyLists, removeKey } from '../../util/keyList';
import type { KeyValueStorage } from '../ports';

export class InFlightIndex {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly shards = 16,
    private readonly prefix = 'cowork',
  ) {}

  add(sessionKey: string): Promise<void> {
    return addKey(this.storage, this.shardKey(sessionKey), sessionKey);
  }

  remove(sessionKey: string): Promise<void> {
    return removeKey(this.storage, this.shardKey(sessionKey), sessionKey);
  }

  /** Every session key listed, across all shards (one multi-key read). */
  all(): Promise<string[]> {
    return readKeyLists(
      this.storage,
      Array.from({ length: this.shards }, (_, i) => this.shardStorageKey(i)),
    );
  }

  private shardKey(sessionKey: string): string {
    return this.shardStorageKey(createHash('sha1').update(sessionKey).digest().readUInt16BE(0) % this.shards);
  }

  private shardStorageKey(shard: number): string {
    return `${this.prefix}/inflight/${shard}`;
  }
}
