/**
 * Reading a document back from storage with its shape checked, field by field: what another
 * instance, an older version or a hand edit left there is either the type the code expects or a
 * `StoredDocumentError` naming the key, the field and what is wrong, never a value typed as
 * something it is not. A field that may be `null` reads a missing one as `null` (the same meaning:
 * nothing yet); an optional one reads a missing one as absent.
 */
import { CoworkError } from './errors';
import type { Log } from './log';

/** A stored document that is not of the shape its key holds. */
export class StoredDocumentError extends CoworkError {
  override readonly name = 'StoredDocumentError';
  readonly code = 'ERR_COWORK_STORED_DOCUMENT';
  constructor(
    readonly key: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`stored document ${key}: ${field} ${problem}`);
  }
}

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  // A wrong word is shown (a state, a kind); the stores keep no secret in a field a word is expected in.
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** The fields of one stored document (or of an object inside it, `path` saying where), each read with its type checked. */
export class DocumentFields {
  private readonly doc: Json;

  constructor(
    private readonly key: string,
    doc: unknown,
    private readonly path = '',
  ) {
    if (!isObject(doc)) throw new StoredDocumentError(key, path || 'the document', `is ${describe(doc)}, not an object`);
    this.doc = doc;
  }

  /** Where `field` is in the document: `panel.outbox[2].text`. */
  private at(field: string): string {
    return this.path === '' ? field : `${this.path}.${field}`;
  }

  private fail(field: string, expected: string, value: unknown = this.doc[field]): never {
    throw new StoredDocumentError(this.key, this.at(field), `is ${describe(value)}, not ${expected}`);
  }

  string(field: string): string {
    const value = this.doc[field];
    return typeof value === 'string' ? value : this.fail(field, 'a string');
  }

  /** A string or null (missing: null). */
  nullableString(field: string): string | null {
    const value = this.doc[field];
    if (value === undefined || value === null) return null;
    return typeof value === 'string' ? value : this.fail(field, 'a string or null');
  }

  /** A string, null, or absent. */
  optionalNullableString(field: string): string | null | undefined {
    return this.doc[field] === undefined ? undefined : this.nullableString(field);
  }

  optionalString(field: string): string | undefined {
    return this.doc[field] === undefined ? undefined : this.string(field);
  }

  number(field: string): number {
    const value = this.doc[field];
    return typeof value === 'number' && Number.isFinite(value) ? value : this.fail(field, 'a number');
  }

  optionalNumber(field: string): number | undefined {
    return this.doc[field] === undefined ? undefined : this.number(field);
  }

  /** A number, null, or absent. */
  optionalNullableNumber(field: string): number | null | undefined {
    const value = this.doc[field];
    if (value === undefined || value === null) return value;
    return this.number(field);
  }

  /** One of `values`. */
  oneOf<T extends string>(field: string, values: readonly T[]): T {
    const value = this.doc[field];
    const found = values.find((candidate) => candidate === value);
    return found ?? this.fail(field, `one of ${values.join(', ')}`);
  }

  /** An object, kept as JSON (the core never looks inside). */
  json(field: string): Json {
    const value = this.doc[field];
    return isObject(value) ? value : this.fail(field, 'an object');
  }

  /** An object whose every value is read by `entry` (`at`: where the value is, for `listAt` and `inner`). */
  entries<T>(field: string, entry: (value: unknown, at: string) => T): Readonly<Record<string, T>> {
    return Object.fromEntries(Object.entries(this.json(field)).map(([name, value]) => [name, entry(value, `${field}.${name}`)]));
  }

  /** An object whose values are strings. */
  strings(field: string): Readonly<Record<string, string>> {
    return this.entries(field, (value, at) => (typeof value === 'string' ? value : this.fail(at, 'a string', value)));
  }

  /** `strings`, or null (missing: null). */
  nullableStrings(field: string): Readonly<Record<string, string>> | null {
    const value = this.doc[field];
    return value === undefined || value === null ? null : this.strings(field);
  }

  /** An array of strings. */
  stringList(field: string): string[] {
    return this.list(field, (item, at) => (typeof item === 'string' ? item : this.fail(at, 'a string', item)));
  }

  /** An array, each item read by `item` (`at`: where the item is, for `inner`). */
  list<T>(field: string, item: (value: unknown, at: string) => T): T[] {
    return this.listAt(field, this.doc[field], item);
  }

  /** `value`, found at `field`, as an array, each item read by `item`. */
  listAt<T>(field: string, value: unknown, item: (value: unknown, at: string) => T): T[] {
    return Array.isArray(value) ? value.map((entry: unknown, index) => item(entry, `${field}[${index}]`)) : this.fail(field, 'an array', value);
  }

  /** An object inside the document, its own fields read by `read`. */
  object<T>(field: string, read: (fields: DocumentFields) => T): T {
    return read(this.inner(field, this.doc[field]));
  }

  /** `object`, or null (missing: null). */
  nullableObject<T>(field: string, read: (fields: DocumentFields) => T): T | null {
    const value = this.doc[field];
    return value === undefined || value === null ? null : this.object(field, read);
  }

  /** `object`, or absent. */
  optionalObject<T>(field: string, read: (fields: DocumentFields) => T): T | undefined {
    return this.doc[field] === undefined ? undefined : this.object(field, read);
  }

  /** The fields of `value`, an object found at `field` (an array's item: `field[3]`). */
  inner(field: string, value: unknown): DocumentFields {
    return new DocumentFields(this.key, value, this.at(field));
  }
}

/** How many refused keys are remembered (a key refused again after that is told again: bounded memory). */
const TOLD_AT_MOST = 10_000;

/**
 * Where a batch read tells of a document it refused and left out: one refused document costs only
 * itself (the sweep, a Case's other sessions, the waiting list go on), and is told once per key,
 * not once per read (the sweep reads it every tick). A read of that one key still refuses it.
 */
export class RefusedDocuments {
  private readonly told = new Set<string>();

  constructor(private readonly log: Log) {}

  /** Decodes each item with `decode`; a refused one is told (once) and left out, any other error goes up. */
  each<T>(keys: readonly string[], decode: (key: string) => T | undefined): T[] {
    const decoded: T[] = [];
    for (const key of keys) {
      try {
        const value = decode(key);
        if (value !== undefined) decoded.push(value);
      } catch (error) {
        if (!(error instanceof StoredDocumentError)) throw error;
        this.tell(error);
      }
    }
    return decoded;
  }

  private tell(error: StoredDocumentError): void {
    if (this.told.has(error.key)) return;
    if (this.told.size >= TOLD_AT_MOST) this.told.clear();
    this.told.add(error.key);
    this.log.error(
      { err: error, code: error.code, key: error.key, field: error.field },
      'a stored document is not of its shape: left out of every list it is in until it is repaired or deleted (reading it alone still refuses it)',
    );
  }
}
