/**
 * The subset of SOQL the bot needs, parsed and run over the record store:
 *
 *   SELECT f1, f2 [, (SELECT g1 FROM ChildRelationship [WHERE …] [ORDER BY …] [LIMIT n])]
 *   FROM Object [WHERE f = 'lit' | f != 'lit' | f IN ('a','b') [AND …]]
 *   [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n] [OFFSET n]
 *
 * A subquery names a child relationship of the outer object (`MessagingSessions` on Case), as in
 * Salesforce; an unknown one is INVALID_TYPE "Didn't understand relationship …", Salesforce's answer.
 *
 * Anything else is refused with MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE rather than
 * answered approximately: a query the simulator cannot run exactly must fail loudly.
 * Conditions on Id or on an indexed field are point lookups, not scans.
 *
 * Simulates: SOQL, the subset the bot and its tests query with.
 */
import { normalizeId } from '../util/salesforceId';
import type { ChildRelationship, FieldDefinition, ObjectDefinition, ObjectModel } from './objectModel';
import type { FieldValue, RecordStore, StoredRecord } from './recordStore';
import { SalesforceError } from './salesforceError';

type Literal = { kind: 'string'; value: string } | { kind: 'boolean'; value: boolean } | { kind: 'null' };

interface Condition {
  field: FieldDefinition;
  op: '=' | '!=' | 'IN';
  /** Comparable values: ids normalised to 18 characters, text as given. */
  values: FieldValue[];
}

interface OrderItem {
  field: FieldDefinition;
  descending: boolean;
  nullsFirst: boolean;
}

export interface SoqlSubquery {
  relationship: ChildRelationship;
  query: SoqlQuery;
}

export interface SoqlQuery {
  object: ObjectDefinition;
  fields: FieldDefinition[];
  /** Parent-to-child subqueries of the SELECT list, in order (none inside a subquery). */
  subqueries: SoqlSubquery[];
  conditions: Condition[];
  orderBy: OrderItem[];
  limit: number | undefined;
  offset: number;
}

type Token =
  | { type: 'word'; text: string; pos: number }
  | { type: 'string'; text: string; pos: number }
  | { type: 'number'; text: string; pos: number }
  | { type: 'punct'; text: string; pos: number };

const malformed = (message: string): SalesforceError => new SalesforceError(400, 'MALFORMED_QUERY', message);

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= soql.length) throw malformed(`unterminated string literal starting at column ${i + 1}`);
        const d = soql[j] as string;
        if (d === '\\') {
          const e = soql[j + 1];
          const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', "'": "'", '"': '"', '\\': '\\' };
          if (e === undefined || escapes[e] === undefined) throw malformed(`invalid escape sequence at column ${j + 1}`);
          value += escapes[e];
          j += 2;
        } else if (d === "'") {
          j++;
          break;
        } else {
          value += d;
          j++;
        }
      }
      tokens.push({ type: 'string', text: value, pos: i });
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(soql.slice(i)) as RegExpExecArray;
      tokens.push({ type: 'word', text: m[0], pos: i });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(soql.slice(i)) as RegExpExecArray;
      tokens.push({ type: 'number', text: m[0], pos: i });
      i += m[0].length;
    } else if (c === '!' && soql[i + 1] === '=') {
      tokens.push({ type: 'punct', text: '!=', pos: i });
      i += 2;
    } else if (c === ',' || c === '(' || c === ')' || c === '=') {
      tokens.push({ type: 'punct', text: c, pos: i });
      i++;
    } else {
      throw malformed(`unexpected token: '${c}' at column ${i + 1}`);
    }
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  peekWord(word: string): boolean {
    const t = this.tokens[this.at];
    return t?.type === 'word' && t.text.toUpperCase() === word;
  }

  acceptWord(word: string): boolean {
    if (!this.peekWord(word)) return false;
    this.at++;
    return true;
  }

  expectWord(word: string): void {
    if (!this.acceptWord(word)) throw this.unexpected(`expecting ${word}`);
  }

  acceptPunct(p: string): boolean {
    const t = this.tokens[this.at];
    if (t?.type !== 'punct' || t.text !== p) return false;
    this.at++;
    return true;
  }

  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) throw this.unexpected(`expecting '${p}'`);
  }

  identifier(): string {
    const t = this.tokens[this.at];
    if (t?.type !== 'word') throw this.unexpected('expecting a field or object name');
    this.at++;
    return t.text;
  }

  next(): Token | undefined {
    return this.tokens[this.at++];
  }

  /** The tokens up to the ')' that closes the '(' just accepted (consumed, not returned). */
  balanced(): Token[] {
    const start = this.at;
    let depth = 1;
    while (this.at < this.tokens.length) {
      const t = this.tokens[this.at++] as Token;
      if (t.type === 'punct' && t.text === '(') depth++;
      if (t.type === 'punct' && t.text === ')' && --depth === 0) return this.tokens.slice(start, this.at - 1);
    }
    throw malformed("unexpected end of query (expecting ')')");
  }

  done(): boolean {
    return this.at >= this.tokens.length;
  }

  unexpected(expectation: string): SalesforceError {
    const t = this.tokens[this.at];
    return t ? malformed(`unexpected token: '${t.text}' at column ${t.pos + 1} (${expectation})`) : malformed(`unexpected end of query (${expectation})`);
  }
}

const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'ORDER',
  'BY',
  'LIMIT',
  'OFFSET',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'LAST',
  'GROUP',
  'HAVING',
  'WITH',
  'FOR',
  'USING',
  'TYPEOF',
]);

function resolveField(object: ObjectDefinition, name: string): FieldDefinition {
  if (name.includes('.')) {
    throw new SalesforceError(
      400,
      'INVALID_FIELD',
      `Relationship field '${name}' is not supported by the simulator: query ${object.name} and the related object separately`,
    );
  }
  const field = object.fieldsByLowerName.get(name.toLowerCase());
  if (!field) {
    throw new SalesforceError(
      400,
      'INVALID_FIELD',
      `No such column '${name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  return field;
}

function literal(parser: Parser): Literal {
  const t = parser.next();
  if (t?.type === 'string') return { kind: 'string', value: t.text };
  if (t?.type === 'word' && /^(true|false)$/i.test(t.text)) return { kind: 'boolean', value: t.text.toLowerCase() === 'true' };
  if (t?.type === 'word' && /^null$/i.test(t.text)) return { kind: 'null' };
  if (t) throw malformed(`unexpected token: '${t.text}' at column ${t.pos + 1} (the simulator supports string, boolean and null literals)`);
  throw malformed('unexpected end of query (expecting a literal)');
}

function comparable(field: FieldDefinition, value: Literal): FieldValue {
  if (value.kind === 'null') return null;
  if (field.type === 'boolean') {
    if (value.kind !== 'boolean') {
      throw new SalesforceError(
        400,
        'INVALID_FIELD',
        `value of filter criterion for field '${field.name}' must be of type boolean and should not be enclosed in quotes`,
      );
    }
    return value.value;
  }
  if (value.kind !== 'string') {
    throw new SalesforceError(
      400,
      'INVALID_FIELD',
      `value of filter criterion for field '${field.name}' must be of type ${field.type} and should be enclosed in quotes`,
    );
  }
  if (field.type === 'id' || field.type === 'reference') {
    const id = normalizeId(value.value);
    if (!id) throw new SalesforceError(400, 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${value.value}`);
    return id;
  }
  return value.value;
}

export function parseSoql(soql: string, model: ObjectModel): SoqlQuery {
  const parser = new Parser(tokenize(soql));
  const { query } = parseSelect(parser, model, undefined);
  if (!parser.done()) throw parser.unexpected('end of query');
  return query;
}

/** One SELECT; `parent` is the outer object when this is a subquery (its FROM names a child relationship). */
function parseSelect(
  parser: Parser,
  model: ObjectModel,
  parent: ObjectDefinition | undefined,
): { query: SoqlQuery; relationship: ChildRelationship | undefined } {
  parser.expectWord('SELECT');
  const fieldNames: string[] = [];
  const subqueryTokens: Token[][] = [];
  do {
    if (parser.acceptPunct('(')) {
      if (parent) throw malformed("unexpected token: '(' (the simulator supports one level of parent-to-child subqueries)");
      subqueryTokens.push(parser.balanced());
      continue;
    }
    const name = parser.identifier();
    if (KEYWORDS.has(name.toUpperCase())) throw malformed(`unexpected token: '${name}' (expecting a field name)`);
    if (parser.acceptPunct('(')) throw malformed(`unexpected token: '${name}(' (aggregate and function calls are not supported by the simulator)`);
    fieldNames.push(name);
  } while (parser.acceptPunct(','));
  parser.expectWord('FROM');
  const objectName = parser.identifier();
  let object: ObjectDefinition;
  let relationship: ChildRelationship | undefined;
  if (parent) {
    relationship = model.childRelationships(parent).find((r) => r.name.toLowerCase() === objectName.toLowerCase());
    if (!relationship) {
      throw new SalesforceError(
        400,
        'INVALID_TYPE',
        `Didn't understand relationship '${objectName}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    object = relationship.childObject;
  } else {
    const found = model.find(objectName);
    if (!found || found.kind !== 'sobject') {
      throw new SalesforceError(
        400,
        'INVALID_TYPE',
        `sObject type '${objectName}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    object = found;
  }
  if (fieldNames.length === 0) throw malformed("unexpected token: 'FROM' (expecting a field name)");
  const fields = fieldNames.map((n) => resolveField(object, n));
  const subqueries: SoqlSubquery[] = subqueryTokens.map((inner) => {
    const sub = new Parser(inner);
    const parsed = parseSelect(sub, model, object);
    if (!sub.done()) throw sub.unexpected("expecting ')'");
    return { relationship: parsed.relationship as ChildRelationship, query: parsed.query };
  });
  const conditions: Condition[] = [];
  if (parser.acceptWord('WHERE')) {
    do {
      if (parser.acceptPunct('(')) throw malformed("unexpected token: '(' (the simulator supports only conditions joined by AND)");
      const field = resolveField(object, parser.identifier());
      if (parser.acceptPunct('=')) {
        conditions.push({ field, op: '=', values: [comparable(field, literal(parser))] });
      } else if (parser.acceptPunct('!=')) {
        conditions.push({ field, op: '!=', values: [comparable(field, literal(parser))] });
      } else if (parser.acceptWord('IN')) {
        parser.expectPunct('(');
        const values: FieldValue[] = [];
        do values.push(comparable(field, literal(parser)));
        while (parser.acceptPunct(','));
        parser.expectPunct(')');
        conditions.push({ field, op: 'IN', values });
      } else {
        throw parser.unexpected("the simulator supports '=', '!=' and IN");
      }
      if (parser.peekWord('OR')) throw parser.unexpected('the simulator supports only conditions joined by AND');
    } while (parser.acceptWord('AND'));
  }
  const orderBy: OrderItem[] = [];
  if (parser.acceptWord('ORDER')) {
    parser.expectWord('BY');
    do {
      const field = resolveField(object, parser.identifier());
      const descending = parser.acceptWord('DESC') ? true : (parser.acceptWord('ASC'), false);
      // Salesforce's default: nulls first when ascending, last when descending.
      let nullsFirst = !descending;
      if (parser.acceptWord('NULLS')) {
        if (parser.acceptWord('FIRST')) nullsFirst = true;
        else if (parser.acceptWord('LAST')) nullsFirst = false;
        else throw parser.unexpected('expecting FIRST or LAST');
      }
      orderBy.push({ field, descending, nullsFirst });
    } while (parser.acceptPunct(','));
  }
  const limit = parser.acceptWord('LIMIT') ? integer(parser) : undefined;
  const offset = parser.acceptWord('OFFSET') ? integer(parser) : 0;
  return { query: { object, fields, subqueries, conditions, orderBy, limit, offset }, relationship };
}

function integer(parser: Parser): number {
  const t = parser.next();
  if (t?.type !== 'number') throw malformed(`unexpected token: '${t?.text ?? 'end of query'}' (expecting a non-negative integer)`);
  return Number(t.text);
}

function matches(record: StoredRecord, condition: Condition): boolean {
  const actual = record[condition.field.name] ?? null;
  const equal = (expected: FieldValue): boolean => {
    if (expected === null || actual === null) return expected === actual;
    // Text comparison in SOQL is case-insensitive; ids are already normalised.
    return typeof expected === 'string' && typeof actual === 'string' ? expected.toLowerCase() === actual.toLowerCase() : expected === actual;
  };
  const any = condition.values.some(equal);
  return condition.op === '!=' ? !any : any;
}

/** Candidates from the most selective condition that can use an index, or undefined to scan. */
function candidates(query: SoqlQuery, store: RecordStore): StoredRecord[] | undefined {
  let best: StoredRecord[] | undefined;
  for (const condition of query.conditions) {
    if (condition.op === '!=') continue;
    let found: StoredRecord[] | undefined;
    if (condition.field.name === 'Id') {
      found = condition.values.flatMap((v) => {
        const r = typeof v === 'string' ? store.get(query.object.name, v) : undefined;
        return r ? [r] : [];
      });
    } else if (condition.field.indexed) {
      const ids = new Set<string>();
      for (const v of condition.values) for (const id of store.lookup(query.object.name, condition.field.name, v) ?? []) ids.add(id);
      found = [...ids].flatMap((id) => {
        const r = store.get(query.object.name, id);
        return r ? [r] : [];
      });
    }
    if (found && (!best || found.length < best.length)) best = found;
  }
  return best;
}

function compareValues(a: FieldValue, b: FieldValue): number {
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The rows of a subquery for one parent record: the child relationship's field is the parent's Id. */
export function runSubquery(
  subquery: SoqlSubquery,
  parentId: string,
  store: RecordStore,
  visible: (record: StoredRecord) => boolean = () => true,
): StoredRecord[] {
  const byParent: Condition = { field: subquery.relationship.field, op: '=', values: [parentId] };
  return runSoql({ ...subquery.query, conditions: [byParent, ...subquery.query.conditions] }, store, visible);
}

/** Runs a parsed query; `visible` (record sharing) drops the rows the user may not see, before LIMIT. */
export function runSoql(query: SoqlQuery, store: RecordStore, visible: (record: StoredRecord) => boolean = () => true): StoredRecord[] {
  const source = candidates(query, store) ?? store.all(query.object.name);
  let rows: StoredRecord[] = [];
  for (const record of source) if (query.conditions.every((c) => matches(record, c)) && visible(record)) rows.push(record);
  if (query.orderBy.length > 0) {
    rows.sort((r1, r2) => {
      for (const item of query.orderBy) {
        const a = r1[item.field.name] ?? null;
        const b = r2[item.field.name] ?? null;
        if (a === b) continue;
        if (a === null || b === null) return (a === null) === item.nullsFirst ? -1 : 1;
        const c = compareValues(a, b);
        if (c !== 0) return item.descending ? -c : c;
      }
      return 0;
    });
  }
  if (query.offset > 0 || query.limit !== undefined) {
    rows = rows.slice(query.offset, query.limit === undefined ? undefined : query.offset + query.limit);
  }
  return rows;
}
