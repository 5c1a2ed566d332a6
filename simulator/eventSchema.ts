/**
 * The Avro schema Salesforce derives from a platform event definition: a record named after
 * the event in namespace `com.sforce.eventbus`, `CreatedDate` (long, ms) and `CreatedById`
 * (string) first, then each custom field as a nullable union with `default: null`, and a
 * `uuid` holding the schema id: the MD5 fingerprint of the schema, base64url, as Salesforce
 * computes it. Same definition, same id; change a field, new id.
 */
import { createHash } from 'node:crypto';
import { parse, type AvroType } from 'avro-js';
import type { FieldDefinition, ObjectDefinition } from './objectModel';

export interface EventSchema {
  id: string;
  json: string;
  type: AvroType;
  /** Custom fields in schema order. */
  fields: FieldDefinition[];
}

function avroField(field: FieldDefinition): object {
  switch (field.type) {
    case 'boolean':
      return { name: field.name, type: 'boolean', doc: field.avroDoc, default: false };
    case 'datetime':
      return { name: field.name, type: ['null', 'long'], doc: field.avroDoc, default: null };
    default:
      return { name: field.name, type: ['null', 'string'], doc: field.avroDoc, default: null };
  }
}

export function buildEventSchema(definition: ObjectDefinition): EventSchema {
  const fields = definition.fields.filter((f) => f.custom);
  const schema = {
    name: definition.name,
    namespace: 'com.sforce.eventbus',
    type: 'record',
    fields: [
      { name: 'CreatedDate', type: 'long', doc: 'CreatedDate:DateTime' },
      { name: 'CreatedById', type: 'string', doc: 'CreatedBy:EntityId' },
      ...fields.map(avroField),
    ],
  };
  const id = createHash('md5').update(JSON.stringify(schema)).digest('base64url');
  const json = JSON.stringify({ ...schema, uuid: id });
  return { id, json, type: parse(json), fields };
}

/** Avro union wrapping for a custom field value (`{ string: 'x' }` or null). */
export function wrapForAvro(field: FieldDefinition, value: string | boolean | null | undefined): unknown {
  if (field.type === 'boolean') return value === true || value === 'true';
  if (value === null || value === undefined) return null;
  if (field.type === 'datetime') return { long: Date.parse(String(value)) };
  return { string: String(value) };
}

/** Unwraps nullable unions the way the Pub/Sub client does (`{ string: 'x' }` -> 'x'). */
export { unwrapAvroUnions as unwrapAvro } from '../util/avroUnions';
