/**
 * Co-work's own store port: what the exactly-once guarantees need and botbuilder's `Storage` lacks.
 *
 * Entities are addressed by a partition and a row key (a partition is what one transaction may span:
 * on Azure Table storage, one partition key). Every write returns the entity's new eTag, a create
 * refuses an entity that exists, a query reads a whole partition (or the rows of one prefix), and
 * `transact` writes several rows of one partition together or not at all.
 *
 * Implementations: `storage/memoryStore.ts` (one process, same semantics and limits) and
 * `storage/tableStore.ts` (Azure Table storage / Cosmos DB for Table through `@azure/data-tables`).
 * `storage/storeBackedStorage.ts` serves botbuilder's key-value `Storage` on top of either.
 */
import { CoworkError } from '../util/errors';

/** Data of an entity: JSON-serialisable values only. */
export type EntityData = Readonly<Record<string, unknown>>;

export interface StoreEntity {
  partition: string;
  row: string;
  /** Opaque; changes with every write. */
  eTag: string;
  data: EntityData;
}

/** One write of a transaction (all rows of one partition). */
export type StoreOperation =
  | { kind: 'create'; row: string; data: EntityData }
  | { kind: 'replace'; row: string; data: EntityData; eTag: string }
  | { kind: 'upsert'; row: string; data: EntityData }
  /** Unconditional: `@azure/data-tables` sends a transaction's delete with `If-Match: *` whatever it is given. */
  | { kind: 'delete'; row: string };

export interface CoworkStore {
  /** The entity, or undefined when there is none. */
  get(partition: string, row: string): Promise<StoreEntity | undefined>;
  /** Every entity of the partition (rows starting with `rowPrefix` when given), in row order. */
  query(partition: string, options?: { rowPrefix?: string }): Promise<StoreEntity[]>;
  /** Creates the entity; `StoreConflictError` ('exists') when it is there already. Resolves with its eTag. */
  create(partition: string, row: string, data: EntityData): Promise<string>;
  /** Replaces the entity stored with `eTag`; 'stale' when it changed since, 'missing' when there is none. */
  replace(partition: string, row: string, data: EntityData, eTag: string): Promise<string>;
  /** Writes the entity whatever is there (last writer wins). */
  upsert(partition: string, row: string, data: EntityData): Promise<string>;
  /** Deletes the entity (only as stored with `eTag` when given: 'stale' otherwise); no entity is no error without an eTag. */
  delete(partition: string, row: string, eTag?: string): Promise<void>;
  /**
   * The operations together, atomically: all or none (`StoreConflictError` naming the operation that
   * refused). At most `MAX_TRANSACTION_OPERATIONS`, each row once. Resolves with each operation's new
   * eTag (undefined for a delete), in order; undefined too for a row another write changed since, when the
   * answer was lost and the transaction is recognised as applied from its other rows (`storage/tableStore.ts`).
   */
  transact(partition: string, operations: readonly StoreOperation[]): Promise<(string | undefined)[]>;
  /** A cheap round trip; rejects when the store cannot be reached. */
  check(): Promise<void>;
}

export type ConflictKind = 'exists' | 'stale' | 'missing';

/**
 * A write refused because of what is stored: the entity exists (create), changed since the eTag
 * given (replace, delete), or is not there (replace). `statusCode` and the message follow what
 * `isETagConflict` (util/eTagUpdate.ts) already recognises.
 */
export class StoreConflictError extends CoworkError {
  override readonly name = 'StoreConflictError';
  readonly code = 'ERR_COWORK_STORE_CONFLICT';
  readonly statusCode: number;
  constructor(
    readonly kind: ConflictKind,
    readonly partition: string,
    readonly row: string,
    /** The refusing operation's index in a transaction. */
    readonly operationIndex?: number,
  ) {
    super(
      kind === 'exists'
        ? `eTag conflict: entity ${partition}/${row} already exists (created by another writer)`
        : kind === 'stale'
          ? `eTag conflict: entity ${partition}/${row} changed since it was read (precondition failed)`
          : `entity ${partition}/${row} does not exist`,
    );
    this.statusCode = kind === 'exists' ? 409 : kind === 'stale' ? 412 : 404;
  }
}

/** A write refused because it is larger than the store keeps (Azure Table storage's limits, enforced everywhere). */
export class StoreLimitError extends CoworkError {
  override readonly name = 'StoreLimitError';
  readonly code = 'ERR_COWORK_STORE_LIMIT';
}

/** Azure Table storage: at most 100 operations in one batch, one partition. */
export const MAX_TRANSACTION_OPERATIONS = 100;
/** Azure Table storage: an entity is at most 1 MiB (keys, property names and values, as the service counts). */
export const MAX_ENTITY_BYTES = 1024 * 1024;
/** Azure Table storage: a string property is at most 64 KiB, i.e. 32,768 UTF-16 code units; we cut at 30 Ki, clear of the boundary. */
export const MAX_STRING_PROPERTY_CHARS = 30 * 1024;
/** Azure Table storage: partition and row keys are at most 1 KiB (512 UTF-16 code units), after our escaping. */
export const MAX_KEY_CHARS = 512;
/** Properties the data is split into (JSON text, `MAX_STRING_PROPERTY_CHARS` each): within 1 MiB with room for the keys. */
export const MAX_DATA_PROPERTIES = 16;

/**
 * The data as stored: its JSON text cut into string properties of under 64 KiB (`d0`, `d1`, …),
 * refused with `StoreLimitError` when the entity would pass 1 MiB or a key its limit. Both
 * implementations store exactly this, so the memory store refuses what Azure would.
 */
export function encodeEntity(partition: string, row: string, data: EntityData): string[] {
  for (const [what, key] of [
    ['partition', partition],
    ['row', row],
  ] as const) {
    if (escapeKey(key).length > MAX_KEY_CHARS)
      throw new StoreLimitError(`${what} key of ${key.length} characters is longer than the store keeps (${MAX_KEY_CHARS} after escaping)`);
  }
  // ASCII only (every other character as a JSON \u escape): a UTF-8 character is then never cut between
  // two chunks of a request (Azurite turned such a cut into U+FFFD), and the size counts exactly.
  const json = JSON.stringify(data).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const parts: string[] = [];
  for (let i = 0; i < json.length; i += MAX_STRING_PROPERTY_CHARS) parts.push(json.slice(i, i + MAX_STRING_PROPERTY_CHARS));
  if (parts.length === 0) parts.push('');
  // Azure counts a string as 2 bytes a UTF-16 unit, each property name too, plus 8 bytes per property.
  const bytes = 2 * (escapeKey(partition).length + escapeKey(row).length) + parts.reduce((sum, p, i) => sum + 8 + 2 * (`d${i}`.length + p.length), 0) + 64;
  if (parts.length > MAX_DATA_PROPERTIES || bytes > MAX_ENTITY_BYTES)
    throw new StoreLimitError(`entity ${partition}/${row} is ${json.length} characters of JSON: more than the 1 MiB an entity may hold`);
  return parts;
}

export function decodeEntity(parts: readonly string[]): EntityData {
  return JSON.parse(parts.join('')) as EntityData;
}

/**
 * A key as Azure Table storage accepts it: `/`, `\`, `#`, `?`, `%` and control characters escaped as
 * `%XX` (the service refuses the first four and the controls). Reversible, so a query's prefix works.
 */
export function escapeKey(key: string): string {
  return key.replace(/[%/\\#?\u0000-\u001f\u007f-\u009f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

export function unescapeKey(key: string): string {
  return key.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Refuses what no implementation accepts in a transaction (too many operations, a row twice). */
export function checkTransaction(partition: string, operations: readonly StoreOperation[]): void {
  if (operations.length === 0) throw new StoreLimitError('a transaction needs at least one operation');
  if (operations.length > MAX_TRANSACTION_OPERATIONS)
    throw new StoreLimitError(`a transaction of ${operations.length} operations on ${partition}: at most ${MAX_TRANSACTION_OPERATIONS}`);
  const rows = new Set<string>();
  for (const op of operations) {
    if (rows.has(op.row)) throw new StoreLimitError(`a transaction on ${partition} names row ${op.row} twice`);
    rows.add(op.row);
  }
}
