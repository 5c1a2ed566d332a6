/**
 * The co-work store in one process's memory, with the Table store's semantics and limits: eTags that
 * change with every write, create-if-absent, stale-eTag refusals, partition queries in row order,
 * atomic transactions (at most 100 operations, each row once), 64 KiB properties and 1 MiB entities
 * (`encodeEntity`). What it keeps is the stored form (JSON text), so a caller's object never aliases it.
 */
import { randomBytes } from 'node:crypto';
import {
  checkTransaction,
  decodeEntity,
  encodeEntity,
  StoreConflictError,
  type CoworkStore,
  type EntityData,
  type StoreEntity,
  type StoreOperation,
} from '../cowork/coworkStore';

interface Stored {
  eTag: string;
  parts: string[];
}

export class MemoryCoworkStore implements CoworkStore {
  private readonly partitions = new Map<string, Map<string, Stored>>();

  async get(partition: string, row: string): Promise<StoreEntity | undefined> {
    await Promise.resolve();
    const stored = this.partitions.get(partition)?.get(row);
    return stored ? toEntity(partition, row, stored) : undefined;
  }

  async query(partition: string, { rowPrefix }: { rowPrefix?: string } = {}): Promise<StoreEntity[]> {
    await Promise.resolve();
    const rows = [...(this.partitions.get(partition) ?? new Map<string, Stored>()).entries()]
      .filter(([row]) => rowPrefix === undefined || row.startsWith(rowPrefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return rows.map(([row, stored]) => toEntity(partition, row, stored));
  }

  async create(partition: string, row: string, data: EntityData): Promise<string> {
    return (await this.transact(partition, [{ kind: 'create', row, data }]))[0] as string;
  }

  async replace(partition: string, row: string, data: EntityData, eTag: string): Promise<string> {
    return (await this.transact(partition, [{ kind: 'replace', row, data, eTag }]))[0] as string;
  }

  async upsert(partition: string, row: string, data: EntityData): Promise<string> {
    return (await this.transact(partition, [{ kind: 'upsert', row, data }]))[0] as string;
  }

  async delete(partition: string, row: string, eTag?: string): Promise<void> {
    await Promise.resolve();
    const rows = this.partitions.get(partition);
    const current = rows?.get(row);
    if (!current) {
      if (eTag !== undefined) throw new StoreConflictError('missing', partition, row);
      return;
    }
    if (eTag !== undefined && current.eTag !== eTag) throw new StoreConflictError('stale', partition, row);
    rows?.delete(row);
    if (rows?.size === 0) this.partitions.delete(partition);
  }

  async transact(partition: string, operations: readonly StoreOperation[]): Promise<(string | undefined)[]> {
    await Promise.resolve();
    checkTransaction(partition, operations);
    const rows = this.partitions.get(partition) ?? new Map<string, Stored>();
    // Check everything first: all or nothing.
    const planned = operations.map((op, index) => {
      const current = rows.get(op.row);
      if (op.kind === 'create' && current) throw new StoreConflictError('exists', partition, op.row, index);
      // As the service: a transaction's delete of nothing fails the transaction (404), and is not guarded.
      if ((op.kind === 'replace' || op.kind === 'delete') && !current) throw new StoreConflictError('missing', partition, op.row, index);
      if (op.kind === 'replace' && current?.eTag !== op.eTag) throw new StoreConflictError('stale', partition, op.row, index);
      return op.kind === 'delete' ? { op, parts: undefined } : { op, parts: encodeEntity(partition, op.row, op.data) };
    });
    const eTags = planned.map(({ op, parts }) => {
      if (!parts) {
        rows.delete(op.row);
        return undefined;
      }
      const eTag = newETag();
      rows.set(op.row, { eTag, parts });
      return eTag;
    });
    if (rows.size === 0) this.partitions.delete(partition);
    else this.partitions.set(partition, rows);
    return eTags;
  }

  async check(): Promise<void> {
    await Promise.resolve();
  }

  /** Every partition, for tools (migration) and tests. */
  partitionKeys(): string[] {
    return [...this.partitions.keys()];
  }
}

function toEntity(partition: string, row: string, stored: Stored): StoreEntity {
  return { partition, row, eTag: stored.eTag, data: decodeEntity(stored.parts) };
}

function newETag(): string {
  return `W/"${randomBytes(8).toString('hex')}"`;
}
