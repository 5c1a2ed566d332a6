/**
 * A co-work store (`cowork/coworkStore.ts`) that counts every request it is asked, by operation and
 * kind of partition (as `keyKind` names keys): on Azure Table storage each is one request to the service.
 */
import type { CoworkStore, EntityData, StoreEntity, StoreOperation } from '../cowork/coworkStore';
import { emptyCounts, keyKind, type StorageOpCounts } from './countingStorage';

/** What each request of the port is in the bench's tally: a read, a write (a transaction is one) or a delete. */
const TALLY = { get: 'reads', query: 'reads', create: 'writes', replace: 'writes', upsert: 'writes', transact: 'writes', delete: 'deletes' } as const;

export class CountingCoworkStore implements CoworkStore {
  /** `"{operation} {kind}"` → requests, e.g. `get cowork/session/*`, `replace emulator/conversations/*\/cowork`. */
  readonly counts: Record<string, number> = {};
  /**
   * The same requests in the bench's tally (`bench/countingStorage.ts`): one request is one operation,
   * whatever keys it reads or writes (a partition query, a transaction), by `"{operation} {kind}"`.
   */
  readonly ops: StorageOpCounts = emptyCounts();
  constructor(private readonly inner: CoworkStore) {}

  private count(operation: keyof typeof TALLY, partition: string): void {
    const name = `${operation} ${keyKind(partition)}`;
    this.counts[name] = (this.counts[name] ?? 0) + 1;
    this.ops[TALLY[operation]]++;
    this.ops.calls++;
    this.ops.byKind[name] = (this.ops.byKind[name] ?? 0) + 1;
  }

  get(partition: string, row: string): Promise<StoreEntity | undefined> {
    this.count('get', partition);
    return this.inner.get(partition, row);
  }
  query(partition: string, options?: { rowPrefix?: string }): Promise<StoreEntity[]> {
    this.count('query', partition);
    return this.inner.query(partition, options);
  }
  create(partition: string, row: string, data: EntityData): Promise<string> {
    this.count('create', partition);
    return this.inner.create(partition, row, data);
  }
  replace(partition: string, row: string, data: EntityData, eTag: string): Promise<string> {
    this.count('replace', partition);
    return this.inner.replace(partition, row, data, eTag);
  }
  upsert(partition: string, row: string, data: EntityData): Promise<string> {
    this.count('upsert', partition);
    return this.inner.upsert(partition, row, data);
  }
  delete(partition: string, row: string, eTag?: string): Promise<void> {
    this.count('delete', partition);
    return this.inner.delete(partition, row, eTag);
  }
  transact(partition: string, operations: readonly StoreOperation[]): Promise<(string | undefined)[]> {
    this.count('transact', partition);
    return this.inner.transact(partition, operations);
  }
  check(): Promise<void> {
    return this.inner.check();
  }
}

/** The requests made between two snapshots of `counts` (kinds with none left out). */
export function requestsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [name, n] of Object.entries(after)) if (n - (before[name] ?? 0) > 0) spent[name] = n - (before[name] ?? 0);
  return spent;
}
