/**
 * Sessions between "the customer answered" and "done": submitted (waiting for the event to come
 * back) or answered (effects in progress). They are listed here, in a few shards, so any instance
 * can find and finish the work of an instance that died — without a scan and without keeping
 * anything in memory. Entries live for milliseconds to seconds, so the shards stay small whatever
 * the number of waiting sessions.
 *
 * Keys: cowork/inflight/{shard}
 * - on a storage that keeps rows under a key (`RowStorage`, STORAGE=table): one row per session,
 *   listed by one upsert and unlisted by one delete, nothing read first; the row says from when the
 *   sweep may have something to do for it (`notBefore`: a lower bound, so the sweep reads the session
 *   then and not at every tick before); the shard's document (`{ keys: [...] }`, what a migration
 *   from Blob brings) is still read and drained;
 * - elsewhere: the shard is one document `{ keys: [...] }` changed with its eTag (see keyList.ts).
 */
import { createHash } from 'node:crypto';
import { addKey, readKeyLists, removeKey } from '../../util/keyList';
import { keepsRows } from '../../util/storage';
import type { KeyValueStorage } from '../ports';

export class InFlightIndex {
  /** Sessions found in a shard's document on a row storage (migrated there): unlisted from it too. */
  private readonly inDocuments = new Set<string>();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly shards = 16,
    private readonly prefix = 'cowork',
  ) {}

  /**
   * Lists the session. `notBefore` (ms, the core's clock): nothing can be due for it before then (no
   * republish, no takeover); it must never be later than the first moment something could be.
   */
  add(sessionKey: string, { notBefore }: { notBefore?: number } = {}): Promise<void> {
    const shard = this.shardKey(sessionKey);
    if (keepsRows(this.storage)) return this.storage.upsertRow(shard, sessionKey, notBefore === undefined ? {} : { notBefore });
    return addKey(this.storage, shard, sessionKey);
  }

  async remove(sessionKey: string): Promise<void> {
    const shard = this.shardKey(sessionKey);
    if (!keepsRows(this.storage)) return removeKey(this.storage, shard, sessionKey);
    await this.storage.deleteRow(shard, sessionKey);
    if (this.inDocuments.has(sessionKey)) {
      await removeKey(this.storage, shard, sessionKey);
      this.inDocuments.delete(sessionKey);
    }
  }

  /** Every session key listed, across all shards (one multi-key read, or one query per shard). */
  all(): Promise<string[]> {
    return this.due(Infinity);
  }

  /** The sessions listed for which something may be due at `now` (every one a row does not say otherwise of). */
  async due(now: number): Promise<string[]> {
    const shards = Array.from({ length: this.shards }, (_, i) => this.shardStorageKey(i));
    const storage = this.storage;
    if (!keepsRows(storage)) return readKeyLists(storage, shards);
    const keys = new Set<string>();
    for (const { item, rows } of await Promise.all(shards.map((shard) => storage.queryRows(shard)))) {
      for (const { row, data } of rows) if (!(typeof data.notBefore === 'number' && data.notBefore > now)) keys.add(row);
      const listed = Array.isArray(item?.keys) ? (item.keys as unknown[]).filter((k): k is string => typeof k === 'string') : [];
      for (const key of listed) {
        this.inDocuments.add(key);
        keys.add(key);
      }
    }
    return [...keys];
  }

  private shardKey(sessionKey: string): string {
    return this.shardStorageKey(createHash('sha1').update(sessionKey).digest().readUInt16BE(0) % this.shards);
  }

  private shardStorageKey(shard: number): string {
    return `${this.prefix}/inflight/${shard}`;
  }
}
