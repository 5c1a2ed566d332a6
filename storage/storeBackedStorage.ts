/**
 * botbuilder's key-value `Storage` served by a co-work store (`cowork/coworkStore.ts`), so that with
 * `STORAGE=table` everything the bot keeps — conversation state, the replay position, the handoff
 * records — lives in the same table as the co-work documents, with `MemoryStorage`'s semantics: a
 * write without an eTag (or with `*`) overwrites, one with an eTag replaces only the item stored with
 * it (and creates one that is not there), a stale eTag is refused with an "eTag conflict" error that
 * `isETagConflict` recognises.
 *
 * A key is one entity, where the key layout puts it (`storage/keyLayout.ts`): by default a partition of
 * its own, row `kv`; keys the layout keeps together share a partition (read by one query, written by one
 * transaction: `TogetherStorage`). Rows under a key (`RowStorage`: the in-flight index's sessions) are
 * other rows of the key's own partition.
 */
import type { Storage, StoreItems } from 'botbuilder';
import type { KeyRow, KeyWrite, RowStorage, StoreItem, TogetherStorage } from '../util/storage';
import { StoreConflictError, type CoworkStore, type EntityData, type StoreOperation } from '../cowork/coworkStore';
import { HASHED_PREFIX, KEY_VALUE_ROW, LAYOUT_RULES, locate, type LayoutRule, type Location } from './keyLayout';

export { KEY_VALUE_ROW, partitionOfKey } from './keyLayout';

/** In an item not alone in its partition under its own key (hashed, or kept with others): the key it was written with. */
export const ORIGINAL_KEY = 'cowork:key';
/** Rows under a key are stored as `r:{row}`: never the item's own row. */
const ROW_PREFIX = 'r:';

export class StoreBackedStorage implements Storage, TogetherStorage, RowStorage {
  /** `rules`: the key layout (co-work's by default; a test may give its own). */
  constructor(
    readonly store: CoworkStore,
    private readonly rules: readonly LayoutRule[] = LAYOUT_RULES,
  ) {}

  private locate(key: string): Location {
    return locate(key, this.rules);
  }

  /** Keys kept together in one partition are read by one query of it; a key alone by a point read. */
  async read(keys: string[]): Promise<StoreItems> {
    const byPartition = new Map<string, { key: string; row: string }[]>();
    for (const key of new Set(keys)) {
      const { partition, row } = this.locate(key);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), { key, row }]);
    }
    const items: StoreItems = {};
    await Promise.all(
      [...byPartition].map(async ([partition, wanted]) => {
        const [only] = wanted;
        if (wanted.length === 1 && only) {
          const entity = await this.store.get(partition, only.row);
          if (entity) items[only.key] = toItem(entity.data, entity.eTag);
          return;
        }
        const rows = new Map((await this.store.query(partition)).map((entity) => [entity.row, entity]));
        for (const { key, row } of wanted) {
          const entity = rows.get(row);
          if (entity) items[key] = toItem(entity.data, entity.eTag);
        }
      }),
    );
    return items;
  }

  keptTogether(keys: readonly string[]): boolean {
    const located = keys.map((key) => this.locate(key));
    const [first] = located;
    return first !== undefined && located.every((l) => l.partition === first.partition) && new Set(located.map((l) => l.row)).size === keys.length;
  }

  /** One query of the key's partition, even for a key in its own: a rule may keep other keys with it (a Case's sessions). */
  async readWith(key: string): Promise<Record<string, StoreItem>> {
    const { partition, row } = this.locate(key);
    const items: Record<string, StoreItem> = {};
    for (const entity of await this.store.query(partition)) {
      if (entity.row.startsWith(ROW_PREFIX)) continue;
      const original = entity.data[ORIGINAL_KEY];
      const stored = entity.row === row ? key : typeof original === 'string' ? original : entity.row === KEY_VALUE_ROW ? partition : undefined;
      if (stored !== undefined) items[stored] = toItem(entity.data, entity.eTag);
    }
    return items;
  }

  async writeTogether(writes: readonly KeyWrite[]): Promise<string[]> {
    if (!this.keptTogether(writes.map((w) => w.key))) throw new Error(`not kept together: ${writes.map((w) => w.key).join(', ')}`);
    const [first] = writes;
    if (!first) return [];
    if (writes.length === 1) return [await this.writeReturningETag(first.key, first.item, { ifAbsent: first.ifAbsent ?? false })];
    const { partition } = this.locate(first.key);
    const operations = writes.map((write): StoreOperation => {
      const { eTag, ...rest } = write.item;
      const location = this.locate(write.key);
      const data = this.dataOf(write.key, location, rest);
      if (write.ifAbsent) return { kind: 'create', row: location.row, data };
      if (typeof eTag !== 'string' || eTag === '*' || eTag === '') return { kind: 'upsert', row: location.row, data };
      return { kind: 'replace', row: location.row, data, eTag };
    });
    try {
      const eTags = await this.store.transact(partition, operations);
      return eTags.map((eTag) => eTag ?? '');
    } catch (error) {
      // A refused replace of an item that is not there is, for the writer, a stale eTag (as `writeReturningETag` says it).
      if (error instanceof StoreConflictError && error.kind === 'missing')
        throw new StoreConflictError('stale', error.partition, error.row, error.operationIndex);
      throw error;
    }
  }

  async upsertRow(key: string, row: string, data: Record<string, unknown>): Promise<void> {
    await this.store.upsert(this.ownPartition(key), rowOf(row), JSON.parse(JSON.stringify(data)) as EntityData);
  }

  async deleteRow(key: string, row: string): Promise<void> {
    await this.store.delete(this.ownPartition(key), rowOf(row));
  }

  async queryRows(key: string): Promise<{ item: StoreItem | undefined; rows: KeyRow[] }> {
    let item: StoreItem | undefined;
    const rows: KeyRow[] = [];
    for (const entity of await this.store.query(this.ownPartition(key))) {
      if (entity.row === KEY_VALUE_ROW) item = toItem(entity.data, entity.eTag);
      else if (entity.row.startsWith(ROW_PREFIX)) rows.push({ row: entity.row.slice(ROW_PREFIX.length), data: { ...entity.data } });
    }
    return { item, rows };
  }

  async write(changes: StoreItems): Promise<void> {
    await Promise.all(Object.entries(changes).map(([key, item]) => this.writeReturningETag(key, (item ?? {}) as StoreItem)));
  }

  async writeReturningETag(key: string, item: StoreItem, { ifAbsent = false }: { ifAbsent?: boolean } = {}): Promise<string> {
    const { eTag, ...rest } = item;
    const location = this.locate(key);
    const { partition, row } = location;
    const data = this.dataOf(key, location, rest);
    if (ifAbsent) return this.store.create(partition, row, data);
    if (typeof eTag !== 'string' || eTag === '*' || eTag === '') return this.store.upsert(partition, row, data);
    try {
      return await this.store.replace(partition, row, data, eTag);
    } catch (error) {
      if (!(error instanceof StoreConflictError) || error.kind !== 'missing') throw error;
      // As MemoryStorage: an eTag for an item that is not there writes it (but only if still absent).
      return this.store.create(partition, row, data).catch((createError: unknown) => {
        throw createError instanceof StoreConflictError ? new StoreConflictError('stale', partition, row) : createError;
      });
    }
  }

  /**
   * Every key stored (a scan of the whole table: for the migration tool, never on a session's path):
   * each partition's items, by the key each was written with.
   */
  async keys(list: () => Promise<string[]>): Promise<string[]> {
    const keys: string[] = [];
    for (const partition of await list()) {
      for (const entity of await this.store.query(partition)) {
        if (entity.row.startsWith(ROW_PREFIX)) continue;
        const original = entity.data[ORIGINAL_KEY];
        if (typeof original === 'string') keys.push(original);
        else if (entity.row === KEY_VALUE_ROW && !partition.startsWith(HASHED_PREFIX)) keys.push(partition);
      }
    }
    return keys;
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map((key) => {
        const { partition, row } = this.locate(key);
        return this.store.delete(partition, row);
      }),
    );
  }

  private dataOf(key: string, location: Location, rest: Record<string, unknown>): EntityData {
    return JSON.parse(JSON.stringify(location.shared ? { ...rest, [ORIGINAL_KEY]: key } : rest)) as EntityData;
  }

  /** Rows under a key live in the key's own partition: only a key stored alone has rows. */
  private ownPartition(key: string): string {
    const { partition, row } = this.locate(key);
    if (row !== KEY_VALUE_ROW) throw new Error(`${key} is kept with other keys (row ${row}): rows under it are not kept`);
    return partition;
  }
}

function rowOf(row: string): string {
  return `${ROW_PREFIX}${row}`;
}

function toItem(data: EntityData, eTag: string): StoreItem {
  const { [ORIGINAL_KEY]: _original, ...rest } = data;
  return { ...rest, eTag };
}
