/**
 * A storage that counts what passes through it, by operation and by kind of key, before handing it
 * to the real storage: botbuilder's `Storage` or the Agents SDK's (both are the key-value shape
 * co-work uses, `KeyValueStorage`), so each host's storage operations are counted the same way.
 * Counts are per key: with Azure Blob Storage (and Cosmos DB) each key read, written or deleted is
 * one request, whatever the batch.
 */
import {
  keepsRows,
  keepsTogether,
  returnsETags,
  type ETagReturningStorage,
  type KeyValueStorage,
  type RowStorage,
  type TogetherStorage,
} from '../util/storage';
import type { Storage, StoreItems } from 'botbuilder';

export interface StorageOpCounts {
  reads: number;
  writes: number;
  deletes: number;
  /** Calls of `read`/`write`/`delete` (one call may name several keys). */
  calls: number;
  /** Per-key operations by kind of key, e.g. `read cowork/session/*`. */
  byKind: Record<string, number>;
}

export function emptyCounts(): StorageOpCounts {
  return { reads: 0, writes: 0, deletes: 0, calls: 0, byKind: {} };
}

/** The key with its ids replaced by `*`: `cowork/session/ab12…` → `cowork/session/*`. */
export function keyKind(key: string): string {
  // The bot's own keys first, with plain string operations: this runs in the measured process.
  if (key.startsWith('cowork/')) {
    const second = key.indexOf('/', 7);
    return second < 0 ? key : `${key.slice(0, second)}/*`;
  }
  if (key.startsWith('salesforce-replay-id:')) return 'salesforce-replay-id:*';
  const conversations = key.indexOf('/conversations/');
  if (conversations > 0) return `${key.slice(0, conversations)}/conversations/*${key.slice(key.lastIndexOf('/'))}`;
  return key
    .split('/')
    .map((part) => (/^[A-Za-z_-]+$/.test(part) && part.length <= 24 ? part : '*'))
    .join('/');
}

export class CountingStorage implements Storage {
  readonly counts: StorageOpCounts = emptyCounts();

  /** Present when the inner storage tells eTags (STORAGE=table): counted as a write. */
  readonly writeReturningETag?: ETagReturningStorage['writeReturningETag'];
  readonly upsertRow?: RowStorage['upsertRow'];
  readonly deleteRow?: RowStorage['deleteRow'];
  readonly queryRows?: RowStorage['queryRows'];
  /**
   * Present when the inner storage keeps keys together (STORAGE=table), so the bot takes the same path as
   * without the count: a read with the keys kept beside it one read of the key named (one query), a
   * transaction a write of each key it writes.
   */
  readonly keptTogether?: TogetherStorage['keptTogether'];
  readonly readWith?: TogetherStorage['readWith'];
  readonly writeTogether?: TogetherStorage['writeTogether'];

  constructor(private readonly inner: KeyValueStorage) {
    if (returnsETags(inner))
      this.writeReturningETag = (key, item, options) => {
        this.count('write', [key]);
        return inner.writeReturningETag(key, item, options);
      };
    if (keepsTogether(inner)) {
      this.keptTogether = (keys) => inner.keptTogether(keys);
      this.readWith = (key) => {
        this.count('read', [key]);
        return inner.readWith(key);
      };
      this.writeTogether = (writes) => {
        this.count(
          'write',
          writes.map((w) => w.key),
        );
        return inner.writeTogether(writes);
      };
    }
    if (keepsRows(inner)) {
      // Rows under a key (STORAGE=table): each one request, a query of the key's rows a read.
      this.upsertRow = (key, row, data) => {
        this.count('write', [key]);
        return inner.upsertRow(key, row, data);
      };
      this.deleteRow = (key, row) => {
        this.count('delete', [key]);
        return inner.deleteRow(key, row);
      };
      this.queryRows = (key) => {
        this.count('read', [key]);
        return inner.queryRows(key);
      };
    }
  }

  read(keys: string[]): Promise<StoreItems> {
    this.count('read', keys);
    return this.inner.read(keys);
  }

  write(changes: StoreItems): Promise<void> {
    this.count('write', Object.keys(changes));
    return this.inner.write(changes);
  }

  delete(keys: string[]): Promise<void> {
    this.count('delete', keys);
    return this.inner.delete(keys);
  }

  private count(op: 'read' | 'write' | 'delete', keys: readonly string[]): void {
    this.counts.calls++;
    if (op === 'read') this.counts.reads += keys.length;
    else if (op === 'write') this.counts.writes += keys.length;
    else this.counts.deletes += keys.length;
    for (const key of keys) {
      const kind = `${op} ${keyKind(key)}`;
      this.counts.byKind[kind] = (this.counts.byKind[kind] ?? 0) + 1;
    }
  }
}

/** `after - before`, kind by kind (kinds that did not change are left out). */
export function countsBetween(before: StorageOpCounts, after: StorageOpCounts): StorageOpCounts {
  const byKind: Record<string, number> = {};
  for (const [kind, n] of Object.entries(after.byKind)) {
    const d = n - (before.byKind[kind] ?? 0);
    if (d !== 0) byKind[kind] = d;
  }
  return {
    reads: after.reads - before.reads,
    writes: after.writes - before.writes,
    deletes: after.deletes - before.deletes,
    calls: after.calls - before.calls,
    byKind,
  };
}
