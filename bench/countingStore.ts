/**
 * A co-work store (`cowork/coworkStore.ts`) that counts every request it is asked, by operation and
 * kind of partition (as `keyKind` names keys): on Azure Table storage each is one request to the service.
 */
import type { CoworkStore, EntityData, StoreEntity, StoreOperation } from '../cowork/coworkStore';
import { keyKind } from './countingStorage';

export class CountingCoworkStore implements CoworkStore {
  /** `"{operation} {kind}"` → requests, e.g. `get cowork/session/*`, `replace emulator/conversations/*\/cowork`. */
  readonly counts: Record<string, number> = {};
  constructor(private readonly inner: CoworkStore) {}

  private count(operation: string, partition: string): void {
    const name = `${operation} ${keyKind(partition)}`;
    this.counts[name] = (this.counts[name] ?? 0) + 1;
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
