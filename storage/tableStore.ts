/**
 * The co-work store on Azure Table storage (or Azure Cosmos DB for Table: the same client and API),
 * through `@azure/data-tables`.
 *
 * An entity is `{ PartitionKey, RowKey, w, d0, d1, … }`: the data's JSON cut into string properties
 * (`encodeEntity`: 64 KiB each, 1 MiB in all, enforced here because Azurite does not), and `w`, the id
 * of the write that stored it. Keys are escaped (`escapeKey`) for the characters the service refuses.
 *
 * Retries are ours, not the client's (`maxRetries: 0`): a write whose response was lost (a timeout, a
 * dropped connection, a 5xx after the service applied it) is sent again, and when the service then
 * refuses it (409 exists, 412 stale, 404 gone) the entity is read: carrying our write id, it is our
 * own write, applied, and the call succeeds with its eTag. The client's own retry could not tell, and
 * would report a create that succeeded as "already exists".
 *
 * Traps of the client this avoids: `updateEntity` defaults to etag `*` and Merge (we always pass the
 * eTag and Replace); `upsertEntity` takes no etag; a transaction's delete is unconditional (`submitTransaction` passes it no etag, so the port's transaction deletes are unconditional); transaction sub-responses carry the row key only for creates (eTags are read by position).
 */
import { randomBytes } from 'node:crypto';
import { odata, RestError, TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import {
  checkTransaction,
  decodeEntity,
  encodeEntity,
  escapeKey,
  MAX_DATA_PROPERTIES,
  StoreConflictError,
  unescapeKey,
  type ConflictKind,
  type CoworkStore,
  type EntityData,
  type StoreEntity,
  type StoreOperation,
} from '../cowork/coworkStore';

export interface TableStoreOptions {
  /** Attempts of one call before its error is thrown (default 4). */
  maxAttempts?: number;
  /** One request's bound (default 10 s): past it the request is abandoned and, if attempts remain, sent again. */
  requestTimeoutMs?: number;
  /** The wait before attempt n+1 (default 50·2ⁿ ms with jitter, at most 1 s). */
  backoff?: (attempt: number) => Promise<void>;
}

type Stored = TableEntity<Record<string, unknown>>;

/** Azurite's documented development account (public, the same in every Azurite) on its table port. */
const AZURITE_DEVELOPMENT_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

export class TableCoworkStore implements CoworkStore {
  private readonly maxAttempts: number;
  private readonly requestTimeoutMs: number;
  private readonly backoff: (attempt: number) => Promise<void>;

  private constructor(
    private readonly client: TableClient,
    options: TableStoreOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.backoff = options.backoff ?? defaultBackoff;
  }

  /** A store on `table` (created when missing) of the account the connection string names. */
  static async open(connectionString: string, table: string, options: TableStoreOptions = {}): Promise<TableCoworkStore> {
    const store = TableCoworkStore.connect(connectionString, table, options);
    await store.ensureTable();
    return store;
  }

  /** Creates the table when it is missing (an existing one is left as it is). */
  async ensureTable(): Promise<void> {
    await this.attempt(async (signal) => {
      await this.client.createTable({ abortSignal: signal });
    });
  }

  /** A store on an existing table, without a round trip. */
  static connect(given: string, table: string, options: TableStoreOptions = {}): TableCoworkStore {
    // As for blobs: the emulator's shorthand, which @azure/data-tables does not know, is Azurite's well-known account.
    const connectionString = /^\s*UseDevelopmentStorage=true\s*;?\s*$/i.test(given) ? AZURITE_DEVELOPMENT_STORAGE : given;
    const insecure = /DefaultEndpointsProtocol=http;|TableEndpoint=http:\/\//i.test(connectionString) || /UseDevelopmentStorage=true/i.test(connectionString);
    const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: insecure, retryOptions: { maxRetries: 0 } });
    return new TableCoworkStore(client, options);
  }

  async get(partition: string, row: string): Promise<StoreEntity | undefined> {
    return this.attempt(async (signal) => {
      try {
        return toEntity(await this.client.getEntity<Record<string, unknown>>(escapeKey(partition), escapeKey(row), { abortSignal: signal }));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    });
  }

  async query(partition: string, { rowPrefix }: { rowPrefix?: string } = {}): Promise<StoreEntity[]> {
    const pk = escapeKey(partition);
    const filter =
      rowPrefix === undefined
        ? odata`PartitionKey eq ${pk}`
        : odata`PartitionKey eq ${pk} and RowKey ge ${escapeKey(rowPrefix)} and RowKey lt ${`${escapeKey(rowPrefix)}\uffff`}`;
    return this.attempt(async (signal) => {
      const found: StoreEntity[] = [];
      for await (const entity of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter }, abortSignal: signal }))
        found.push(toEntity(entity));
      return found.sort((a, b) => (a.row < b.row ? -1 : a.row > b.row ? 1 : 0));
    });
  }

  async create(partition: string, row: string, data: EntityData): Promise<string> {
    return (await this.transactOne(partition, { kind: 'create', row, data })) as string;
  }

  async replace(partition: string, row: string, data: EntityData, eTag: string): Promise<string> {
    return (await this.transactOne(partition, { kind: 'replace', row, data, eTag })) as string;
  }

  async upsert(partition: string, row: string, data: EntityData): Promise<string> {
    return (await this.transactOne(partition, { kind: 'upsert', row, data })) as string;
  }

  async delete(partition: string, row: string, eTag?: string): Promise<void> {
    await this.transactOne(partition, { kind: 'delete', row }, eTag);
  }

  /** One operation as its own request (a batch of one costs the service as much and answers less plainly). */
  private async transactOne(partition: string, op: StoreOperation, deleteETag?: string): Promise<string | undefined> {
    const writeId = newWriteId();
    const entity = op.kind === 'delete' ? undefined : toStored(partition, op.row, op.data, writeId);
    const pk = escapeKey(partition);
    const rk = escapeKey(op.row);
    let uncertain = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const signal = AbortSignal.timeout(this.requestTimeoutMs);
        switch (op.kind) {
          case 'create':
            return etagOf(await this.client.createEntity(entity as Stored, { abortSignal: signal }));
          case 'replace':
            return etagOf(await this.client.updateEntity(entity as Stored, 'Replace', { etag: op.eTag, abortSignal: signal }));
          case 'upsert':
            return etagOf(await this.client.upsertEntity(entity as Stored, 'Replace', { abortSignal: signal }));
          case 'delete':
            await this.client.deleteEntity(pk, rk, { etag: deleteETag ?? '*', abortSignal: signal });
            return undefined;
        }
      } catch (error) {
        const conflict = conflictOf(error);
        if (conflict !== undefined) {
          if (op.kind === 'delete' && conflict === 'missing' && (uncertain || deleteETag === undefined)) return undefined;
          if (uncertain && op.kind !== 'delete') {
            const stored = await this.get(partition, op.row);
            if (stored && (await this.writeIdOf(partition, op.row)) === writeId) return stored.eTag;
          }
          throw new StoreConflictError(conflict, partition, op.row, 0);
        }
        if (!retryable(error) || attempt + 1 >= this.maxAttempts) throw error;
        uncertain = true;
        await this.backoff(attempt);
      }
    }
  }

  async transact(partition: string, operations: readonly StoreOperation[]): Promise<(string | undefined)[]> {
    checkTransaction(partition, operations);
    if (operations.length === 1 && operations[0]) return [await this.transactOne(partition, operations[0])];
    const writeId = newWriteId();
    const actions: TransactionAction[] = operations.map((op) => {
      const pk = escapeKey(partition);
      switch (op.kind) {
        case 'create':
          return ['create', toStored(partition, op.row, op.data, writeId)];
        case 'replace':
          return ['update', toStored(partition, op.row, op.data, writeId), 'Replace', { etag: op.eTag }];
        case 'upsert':
          return ['upsert', toStored(partition, op.row, op.data, writeId), 'Replace'];
        case 'delete':
          return ['delete', { partitionKey: pk, rowKey: escapeKey(op.row) }];
      }
    });
    let uncertain = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.client.submitTransaction(actions, { abortSignal: AbortSignal.timeout(this.requestTimeoutMs) });
        // Sub-responses come in the order of the operations; only creates carry their row key.
        return operations.map((op, i) => (op.kind === 'delete' ? undefined : cleanETag(response.subResponses[i]?.etag)));
      } catch (error) {
        const conflict = conflictOf(error);
        if (conflict !== undefined) {
          if (uncertain) {
            const applied = await this.appliedTransaction(partition, operations, writeId);
            if (applied) return applied;
          }
          const index = operationIndexOf(error);
          const row = (index !== undefined ? operations[index]?.row : undefined) ?? operations[0]?.row ?? '';
          throw new StoreConflictError(conflict, partition, row, index);
        }
        if (!retryable(error) || attempt + 1 >= this.maxAttempts) throw error;
        uncertain = true;
        await this.backoff(attempt);
      }
    }
  }

  /**
   * After a lost response: the eTags if the transaction was applied. A transaction is all or none and its write id
   * is its own, so one row still carrying it proves every operation applied, even where another write changed
   * (or deleted) a row of it since (a Case document other sessions write too): such a row's eTag is undefined
   * (what is stored there now is not what this transaction wrote). None carrying it (every row rewritten since):
   * not known, the refusal stands; a transaction of deletes only is applied when its rows are gone.
   */
  private async appliedTransaction(partition: string, operations: readonly StoreOperation[], writeId: string): Promise<(string | undefined)[] | undefined> {
    const eTags: (string | undefined)[] = [];
    let ours = false;
    for (const op of operations) {
      if (op.kind === 'delete') {
        eTags.push(undefined);
        continue;
      }
      const stored = await this.getWithWriteId(partition, op.row);
      const mine = stored !== undefined && stored.writeId === writeId;
      ours ||= mine;
      eTags.push(mine ? stored.entity.eTag : undefined);
    }
    if (ours) return eTags;
    // Only deletes: applied when every row is gone.
    if (operations.every((op) => op.kind === 'delete')) {
      for (const op of operations) if ((await this.getWithWriteId(partition, op.row)) !== undefined) return undefined;
      return eTags;
    }
    return undefined;
  }

  async check(): Promise<void> {
    await this.get('cowork-health', 'probe');
  }

  /** Every partition key of the table (for the migration tool and tests; a scan, never on a session's path). */
  async partitionKeys(): Promise<string[]> {
    const keys = new Set<string>();
    await this.attempt(async (signal) => {
      for await (const entity of this.client.listEntities({ queryOptions: { select: ['PartitionKey'] }, abortSignal: signal }))
        keys.add(unescapeKey(entity.partitionKey ?? ''));
    });
    return [...keys];
  }

  private async writeIdOf(partition: string, row: string): Promise<unknown> {
    return (await this.getWithWriteId(partition, row))?.writeId;
  }

  private async getWithWriteId(partition: string, row: string): Promise<{ entity: StoreEntity; writeId: unknown } | undefined> {
    return this.attempt(async (signal) => {
      try {
        const raw = await this.client.getEntity<Record<string, unknown>>(escapeKey(partition), escapeKey(row), { abortSignal: signal });
        return { entity: toEntity(raw), writeId: raw.w };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    });
  }

  /** A read (or the table's creation): idempotent, so simply sent again after a retryable failure. */
  private async attempt<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(AbortSignal.timeout(this.requestTimeoutMs));
      } catch (error) {
        if (!retryable(error) || attempt + 1 >= this.maxAttempts) throw error;
        await this.backoff(attempt);
      }
    }
  }
}

function toStored(partition: string, row: string, data: EntityData, writeId: string): Stored {
  const parts = encodeEntity(partition, row, data);
  const entity: Stored = { partitionKey: escapeKey(partition), rowKey: escapeKey(row), w: writeId };
  parts.forEach((part, i) => (entity[`d${i}`] = part));
  return entity;
}

function toEntity(raw: Record<string, unknown>): StoreEntity {
  const parts: string[] = [];
  for (let i = 0; i < MAX_DATA_PROPERTIES && typeof raw[`d${i}`] === 'string'; i++) parts.push(raw[`d${i}`] as string);
  return {
    partition: unescapeKey(String(raw.partitionKey ?? '')),
    row: unescapeKey(String(raw.rowKey ?? '')),
    eTag: cleanETag(typeof raw.etag === 'string' ? raw.etag : undefined),
    data: decodeEntity(parts),
  };
}

function etagOf(response: { etag?: string }): string {
  return cleanETag(response.etag);
}

function cleanETag(etag: string | undefined): string {
  if (etag === undefined || etag.trim() === '') throw new Error('the table service answered a write without an ETag');
  return etag.trim();
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

function conflictOf(error: unknown): ConflictKind | undefined {
  const status = statusOf(error);
  if (status === 409 && (error as RestError).code !== 'TableBeingDeleted') return 'exists';
  if (status === 412) return 'stale';
  if (status === 404 && (error as RestError).code !== 'TableNotFound') return 'missing';
  return undefined;
}

/** "2:The update condition specified in the request was not satisfied." → 2. */
function operationIndexOf(error: unknown): number | undefined {
  const match = /^(\d+):/.exec(error instanceof Error ? error.message : '');
  return match ? Number(match[1]) : undefined;
}

/** A failure after which the request may or may not have been applied: sent again. */
function retryable(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  if (error instanceof StoreConflictError) return false;
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: string }).code;
  return (
    error.name === 'AbortError' ||
    error.name === 'TimeoutError' ||
    (error instanceof RestError && (code === 'REQUEST_SEND_ERROR' || code === undefined)) ||
    /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|aborted/i.test(`${code ?? ''} ${error.message}`)
  );
}

function newWriteId(): string {
  return randomBytes(9).toString('base64url');
}

function defaultBackoff(attempt: number): Promise<void> {
  const ms = Math.min(1000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
