/**
 * Validates a REST write (create, update, platform event publish) against the object's
 * definition and answers with Salesforce's own error codes, so the bot meets the same
 * refusals here as in a real org: unknown field, read-only field, too long, bad restricted
 * picklist value, malformed or dangling reference, missing required field.
 */
import { normalizeId } from '../util/salesforceId';
import type { FieldDefinition, ObjectDefinition } from './objectModel';
import type { FieldValue, RecordValues } from './recordStore';
import { SalesforceError } from './salesforceError';

export type WriteMode = 'create' | 'update';

/** Tells whether a referenced record exists (for INVALID_CROSS_REFERENCE_KEY). */
export type ReferenceCheck = (objectNames: readonly string[], id18: string) => boolean;

export function validateWrite(definition: ObjectDefinition, body: unknown, mode: WriteMode, referenceExists: ReferenceCheck): RecordValues {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SalesforceError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${definition.name} from ${Array.isArray(body) ? 'START_ARRAY' : 'VALUE'} token`,
    );
  }
  const values: RecordValues = {};
  for (const [rawName, raw] of Object.entries(body as Record<string, unknown>)) {
    if (rawName === 'attributes') continue;
    const field = definition.fieldsByLowerName.get(rawName.toLowerCase());
    if (!field) {
      throw new SalesforceError(400, 'INVALID_FIELD', `No such column '${rawName}' on sobject of type ${definition.name}`, [rawName]);
    }
    if (mode === 'create' ? !field.createable : !field.updateable) {
      throw new SalesforceError(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        [field.name],
      );
    }
    values[field.name] = coerce(field, raw, referenceExists);
  }
  const missing = definition.fields.filter(
    (f) => f.required && (mode === 'create' ? values[f.name] === undefined || values[f.name] === null : values[f.name] === null),
  );
  if (missing.length > 0) {
    const names = missing.map((f) => f.name);
    throw new SalesforceError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${names.join(', ')}]`, names);
  }
  return values;
}

function coerce(field: FieldDefinition, raw: unknown, referenceExists: ReferenceCheck): FieldValue {
  if (raw === null) return null;
  if (typeof raw === 'object') {
    throw new SalesforceError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${field.type} from ${Array.isArray(raw) ? 'START_ARRAY' : 'START_OBJECT'} value for field ${field.name}`,
      [field.name],
    );
  }
  if (field.type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw new SalesforceError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of boolean from VALUE_STRING value ${String(raw)} for field ${field.name}`,
      [field.name],
    );
  }
  // Salesforce's JSON reader accepts numbers for text fields and stores their text.
  const text = String(raw);
  if (field.type === 'reference') {
    const id = normalizeId(text);
    if (!id) throw new SalesforceError(400, 'MALFORMED_ID', `${field.label}: id value of incorrect type: ${text}`, [field.name]);
    if (!referenceExists(field.referenceTo, id)) {
      throw new SalesforceError(400, 'INVALID_CROSS_REFERENCE_KEY', `${field.label}: id value of incorrect type: ${text}`, [field.name]);
    }
    return id;
  }
  if (field.type === 'datetime') {
    if (Number.isNaN(Date.parse(text))) {
      throw new SalesforceError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of datetime from VALUE_STRING value ${text} for field ${field.name}`, [
        field.name,
      ]);
    }
    return text;
  }
  if (text.length > field.length) {
    throw new SalesforceError(400, 'STRING_TOO_LONG', `${field.label}: data value too large: ${text.slice(0, 40)}… (max length=${field.length})`, [field.name]);
  }
  if (field.type === 'picklist' && field.restrictedPicklist && !field.picklistValues.some((p) => p.active && p.value === text)) {
    throw new SalesforceError(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${field.label}: bad value for restricted picklist field: ${text}`, [field.name]);
  }
  if (field.type === 'email' && text !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(text)) {
    throw new SalesforceError(400, 'INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${text}`, [field.name]);
  }
  return text;
}
