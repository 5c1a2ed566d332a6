/**
 * The org's records, in memory. Every object keeps its records by 18-character Id and, for
 * fields marked `indexed` (CaseNumber, ContactId, CaseId…), a value -> ids index, so the
 * lookups the bot makes (`WHERE CaseId = '…'`) stay point lookups with 100,000 Cases.
 */
import { idSuffix } from '../util/salesforceId';
import type { ObjectDefinition, ObjectModel } from './objectModel';
import { CLOSED_CASE_STATUSES } from './objectModel';

export type FieldValue = string | boolean | null;
export type RecordValues = Record<string, FieldValue>;
/** A stored record. Field names are the canonical API names (`Subject`, not `subject`). */
export type StoredRecord = Readonly<RecordValues> & { readonly Id: string };

interface ObjectTable {
  definition: ObjectDefinition;
  records: Map<string, RecordValues>;
  deleted: Set<string>;
  indexes: Map<string, Map<string, Set<string>>>;
  nextAutoNumber: number;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Salesforce's datetime format in REST responses: `2024-05-01T10:00:00.000+0000`. */
export function salesforceDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Index key of a value: SOQL `=` on text is case-insensitive. */
export function indexKey(value: FieldValue): string {
  return value === null ? '\u0000null' : String(value).toLowerCase();
}

/**
 * Mints well-formed, deterministic ids per key prefix: `{prefix}Sm{counter in base 62}` plus
 * the case-safe suffix, so a seed always produces the same Ids for the docs.
 */
export class IdMinter {
  private readonly counters = new Map<string, number>();

  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    let digits = '';
    for (let rest = n; rest > 0; rest = Math.floor(rest / 62)) digits = BASE62[rest % 62] + digits;
    const id15 = `${prefix}Sm${digits.padStart(10, '0')}`;
    return id15 + idSuffix(id15);
  }
}

export class RecordStore {
  private readonly tables = new Map<string, ObjectTable>();

  constructor(
    model: ObjectModel,
    private readonly ids: IdMinter,
  ) {
    for (const definition of model.objects.values()) {
      if (definition.kind !== 'sobject') continue;
      const indexes = new Map<string, Map<string, Set<string>>>();
      for (const f of definition.fields) if (f.indexed && f.name !== 'Id') indexes.set(f.name, new Map());
      this.tables.set(definition.name, {
        definition,
        records: new Map(),
        deleted: new Set(),
        indexes,
        nextAutoNumber: definition.autoNumber?.start ?? 1,
      });
    }
  }

  /** Creates a record from already validated values; fills Id, audit fields and auto-numbers. */
  create(objectName: string, values: RecordValues, userId: string, now = Date.now()): StoredRecord {
    const table = this.table(objectName);
    const id = this.ids.next(table.definition.keyPrefix);
    const stamp = salesforceDateTime(now);
    const record: RecordValues = {};
    for (const f of table.definition.fields) record[f.name] = null;
    Object.assign(record, values, {
      Id: id,
      IsDeleted: false,
      CreatedDate: stamp,
      CreatedById: userId,
      LastModifiedDate: stamp,
      LastModifiedById: userId,
      SystemModstamp: stamp,
    });
    for (const f of table.definition.fields) {
      const defaultEntry = f.picklistValues.find((p) => p.defaultValue);
      if (record[f.name] === null && defaultEntry && !(f.name in values)) record[f.name] = defaultEntry.value;
    }
    const auto = table.definition.autoNumber;
    if (auto) {
      record[auto.field] = auto.prefix + String(table.nextAutoNumber++).padStart(auto.digits, '0');
    }
    deriveFields(objectName, record);
    table.records.set(id, record);
    for (const [field, index] of table.indexes) addToIndex(index, record[field] ?? null, id);
    return record as StoredRecord;
  }

  get(objectName: string, id18: string): StoredRecord | undefined {
    return this.table(objectName).records.get(id18) as StoredRecord | undefined;
  }

  isDeleted(objectName: string, id18: string): boolean {
    return this.table(objectName).deleted.has(id18);
  }

  update(objectName: string, id18: string, values: RecordValues, userId: string, now = Date.now()): StoredRecord {
    const table = this.table(objectName);
    const record = table.records.get(id18);
    if (!record) throw new Error(`update of a missing ${objectName} ${id18}`);
    for (const [field, index] of table.indexes) {
      if (field in values) removeFromIndex(index, record[field] ?? null, id18);
    }
    Object.assign(record, values);
    const stamp = salesforceDateTime(now);
    record.LastModifiedDate = stamp;
    record.LastModifiedById = userId;
    record.SystemModstamp = stamp;
    deriveFields(objectName, record);
    for (const [field, index] of table.indexes) {
      if (field in values) addToIndex(index, record[field] ?? null, id18);
    }
    return record as StoredRecord;
  }

  delete(objectName: string, id18: string): void {
    const table = this.table(objectName);
    const record = table.records.get(id18);
    if (!record) return;
    for (const [field, index] of table.indexes) removeFromIndex(index, record[field] ?? null, id18);
    table.records.delete(id18);
    table.deleted.add(id18);
  }

  /** Ids whose indexed `field` equals `value` (case-insensitively), or undefined when the field has no index. */
  lookup(objectName: string, field: string, value: FieldValue): ReadonlySet<string> | undefined {
    const index = this.table(objectName).indexes.get(field);
    if (!index) return undefined;
    return index.get(indexKey(value)) ?? new Set();
  }

  all(objectName: string): IterableIterator<StoredRecord> {
    return this.table(objectName).records.values() as IterableIterator<StoredRecord>;
  }

  count(objectName: string): number {
    return this.table(objectName).records.size;
  }

  has(objectName: string): boolean {
    return this.tables.has(objectName);
  }

  private table(objectName: string): ObjectTable {
    const table = this.tables.get(objectName);
    if (!table) throw new Error(`no such sobject table: ${objectName}`);
    return table;
  }
}

/** Formula-like fields Salesforce computes: Case.IsClosed from Status, Contact.Name from its parts. */
function deriveFields(objectName: string, record: RecordValues): void {
  if (objectName === 'Case') {
    record.IsClosed = typeof record.Status === 'string' && CLOSED_CASE_STATUSES.has(record.Status);
  } else if (objectName === 'Contact') {
    record.Name = [record.FirstName, record.LastName].filter((p) => typeof p === 'string' && p !== '').join(' ');
  }
}

function addToIndex(index: Map<string, Set<string>>, value: FieldValue, id: string): void {
  const key = indexKey(value);
  let ids = index.get(key);
  if (!ids) index.set(key, (ids = new Set()));
  ids.add(id);
}

function removeFromIndex(index: Map<string, Set<string>>, value: FieldValue, id: string): void {
  const key = indexKey(value);
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}
