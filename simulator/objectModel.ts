/**
 * The simulated org's schema: the standard objects the bot touches (defined here, since they
 * are not in SFDX source) plus every custom field and platform event read from the SFDX
 * metadata. Describe, SOQL, REST validation and the Avro schemas are all derived from it.
 *
 * Simulates: the org's schema (sObject describe and field types).
 */
import { KEY_PREFIX } from '../util/salesforceId';
import type { OrgSchema } from './metadataRules';
import type { CustomFieldSource, SfdxMetadata } from './sfdxMetadata';

export type FieldType = 'id' | 'string' | 'textarea' | 'email' | 'phone' | 'picklist' | 'boolean' | 'datetime' | 'reference';

export interface PicklistEntry {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export interface FieldDefinition {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  custom: boolean;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  /** Required on create (Contact.LastName, required custom fields). */
  required: boolean;
  picklistValues: PicklistEntry[];
  restrictedPicklist: boolean;
  referenceTo: string[];
  /** For a reference field: the name of the child relationship on the parent (`Case.MessagingSessions` for `MessagingSession.CaseId`). */
  childRelationshipName?: string;
  /** Kept in a value -> ids index, so `WHERE field = '…'` is a point lookup. */
  indexed: boolean;
  /** Avro `doc` of a platform event field, as Salesforce writes it. */
  avroDoc?: string;
}

export interface ObjectDefinition {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  kind: 'sobject' | 'platformEvent';
  fields: FieldDefinition[];
  fieldsByLowerName: Map<string, FieldDefinition>;
  /** Auto-number field (CaseNumber, Name of a transcript) and its display format width. */
  autoNumber?: { field: string; digits: number; prefix: string; start: number };
}

/** A child relationship of a parent object, as SOQL subqueries and describe's `childRelationships` name it. */
export interface ChildRelationship {
  name: string;
  childObject: ObjectDefinition;
  /** The child's reference field that points at the parent. */
  field: FieldDefinition;
}

export interface ObjectModel {
  objects: Map<string, ObjectDefinition>;
  /** Looks an object up case-insensitively, as Salesforce does in URLs and SOQL. */
  find(name: string): ObjectDefinition | undefined;
  /** The child relationships of `parent` (case-insensitive names, as in SOQL), in model order. */
  childRelationships(parent: ObjectDefinition): ChildRelationship[];
  platformEvents(): ObjectDefinition[];
}

/** Key prefix of published platform events (Salesforce uses `e00`-style prefixes). */
export const EVENT_KEY_PREFIX = 'e00';

type FieldSpec = Partial<FieldDefinition> & Pick<FieldDefinition, 'name' | 'type'>;

function field(spec: FieldSpec): FieldDefinition {
  const system = spec.type === 'id';
  return {
    label: spec.name,
    length: spec.type === 'id' || spec.type === 'reference' ? 18 : spec.type === 'textarea' ? 32000 : 255,
    custom: false,
    nillable: !system,
    createable: !system,
    updateable: !system,
    required: false,
    picklistValues: [],
    restrictedPicklist: false,
    referenceTo: [],
    indexed: false,
    ...spec,
  };
}

/** Fields every sobject has; not writable through the API. */
function auditFields(): FieldDefinition[] {
  const readOnly = { createable: false, updateable: false, nillable: false };
  return [
    field({ name: 'Id', type: 'id', label: 'Record ID', indexed: true }),
    field({ name: 'IsDeleted', type: 'boolean', label: 'Deleted', ...readOnly }),
    field({ name: 'CreatedDate', type: 'datetime', label: 'Created Date', ...readOnly }),
    field({ name: 'CreatedById', type: 'reference', label: 'Created By ID', referenceTo: ['User'], ...readOnly }),
    field({ name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date', ...readOnly }),
    field({ name: 'LastModifiedById', type: 'reference', label: 'Last Modified By ID', referenceTo: ['User'], ...readOnly }),
    field({ name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp', ...readOnly }),
  ];
}

function picklist(values: string[], defaultValue?: string): PicklistEntry[] {
  return values.map((v) => ({ value: v, label: v, active: true, defaultValue: v === defaultValue }));
}

const CASE_STATUSES = ['New', 'Working', 'Escalated', 'Closed'];
/** Case statuses whose `IsClosed` is true (the org's "Closed" status setting). */
export const CLOSED_CASE_STATUSES: ReadonlySet<string> = new Set(['Closed']);

function standardObjects(): Array<Omit<ObjectDefinition, 'fieldsByLowerName'>> {
  const readOnly = { createable: false, updateable: false };
  return [
    {
      name: 'Case',
      label: 'Case',
      labelPlural: 'Cases',
      keyPrefix: KEY_PREFIX.Case,
      custom: false,
      kind: 'sobject',
      autoNumber: { field: 'CaseNumber', digits: 8, prefix: '', start: 1026 },
      fields: [
        ...auditFields(),
        field({ name: 'CaseNumber', type: 'string', label: 'Case Number', length: 30, nillable: false, indexed: true, ...readOnly }),
        // Who owns the Case (a user or a queue): what sharing decides visibility by.
        field({ name: 'OwnerId', type: 'reference', label: 'Owner ID', referenceTo: ['User', 'Group'], nillable: false, indexed: true }),
        field({ name: 'ContactId', type: 'reference', label: 'Contact ID', referenceTo: ['Contact'], indexed: true, childRelationshipName: 'Cases' }),
        field({ name: 'Subject', type: 'string', label: 'Subject' }),
        field({ name: 'Description', type: 'textarea', label: 'Description' }),
        field({ name: 'Status', type: 'picklist', label: 'Status', picklistValues: picklist(CASE_STATUSES, 'New'), length: 40 }),
        field({ name: 'Origin', type: 'picklist', label: 'Case Origin', picklistValues: picklist(['Phone', 'Email', 'Web', 'Chat', 'Messaging']), length: 40 }),
        field({ name: 'Priority', type: 'picklist', label: 'Priority', picklistValues: picklist(['High', 'Medium', 'Low'], 'Medium'), length: 40 }),
        field({ name: 'IsClosed', type: 'boolean', label: 'Closed', nillable: false, ...readOnly }),
      ],
    },
    {
      name: 'Contact',
      label: 'Contact',
      labelPlural: 'Contacts',
      keyPrefix: KEY_PREFIX.Contact,
      custom: false,
      kind: 'sobject',
      fields: [
        ...auditFields(),
        field({ name: 'FirstName', type: 'string', label: 'First Name', length: 40 }),
        field({ name: 'LastName', type: 'string', label: 'Last Name', length: 80, nillable: false, required: true }),
        field({ name: 'Name', type: 'string', label: 'Full Name', length: 121, ...readOnly }),
        field({ name: 'Email', type: 'email', label: 'Email', length: 80 }),
        field({ name: 'Phone', type: 'phone', label: 'Business Phone', length: 40 }),
      ],
    },
    {
      name: 'MessagingSession',
      label: 'Messaging Session',
      labelPlural: 'Messaging Sessions',
      keyPrefix: KEY_PREFIX.MessagingSession,
      custom: false,
      kind: 'sobject',
      autoNumber: { field: 'Name', digits: 10, prefix: 'MS-', start: 1 },
      fields: [
        ...auditFields(),
        field({ name: 'Name', type: 'string', label: 'Messaging Session Name', nillable: false, ...readOnly }),
        field({ name: 'CaseId', type: 'reference', label: 'Case ID', referenceTo: ['Case'], indexed: true, childRelationshipName: 'MessagingSessions' }),
        field({
          name: 'Status',
          type: 'picklist',
          label: 'Status',
          picklistValues: picklist(['New', 'Waiting', 'Active', 'Inactive', 'Ended'], 'New'),
          length: 40,
        }),
        field({
          name: 'Origin',
          type: 'picklist',
          label: 'Origin',
          picklistValues: picklist(['InboundInitiated', 'OutboundInitiated', 'TriggeredOutbound']),
          length: 40,
        }),
      ],
    },
    {
      // A comment on a Case (the transcript of a chat an agent took over). Its access is the Case's:
      // no permission set names it (access.ts, CONTROLLED_BY_PARENT).
      name: 'CaseComment',
      label: 'Case Comment',
      labelPlural: 'Case Comments',
      keyPrefix: KEY_PREFIX.CaseComment,
      custom: false,
      kind: 'sobject',
      fields: [
        ...auditFields(),
        field({
          name: 'ParentId',
          type: 'reference',
          label: 'Parent ID',
          referenceTo: ['Case'],
          nillable: false,
          required: true,
          indexed: true,
          updateable: false,
          childRelationshipName: 'CaseComments',
        }),
        // "The maximum size of the comment body is 4,000 bytes" (Object Reference); counted here in UTF-16 units, as every length.
        field({ name: 'CommentBody', type: 'textarea', label: 'Body', length: 4000 }),
        field({ name: 'IsPublished', type: 'boolean', label: 'Published' }),
      ],
    },
    {
      name: 'LiveChatTranscript',
      label: 'Live Chat Transcript',
      labelPlural: 'Live Chat Transcripts',
      keyPrefix: KEY_PREFIX.LiveChatTranscript,
      custom: false,
      kind: 'sobject',
      autoNumber: { field: 'Name', digits: 8, prefix: '', start: 1 },
      fields: [
        ...auditFields(),
        field({ name: 'Name', type: 'string', label: 'Chat Transcript Name', nillable: false, ...readOnly }),
        field({ name: 'CaseId', type: 'reference', label: 'Case ID', referenceTo: ['Case'], indexed: true, childRelationshipName: 'LiveChatTranscripts' }),
        field({
          name: 'ContactId',
          type: 'reference',
          label: 'Contact ID',
          referenceTo: ['Contact'],
          indexed: true,
          childRelationshipName: 'LiveChatTranscripts',
        }),
        field({ name: 'ChatKey', type: 'string', label: 'Chat Key', indexed: true }),
        field({ name: 'Status', type: 'picklist', label: 'Status', picklistValues: picklist(['Waiting', 'InProgress', 'Completed', 'Missed']), length: 40 }),
      ],
    },
  ];
}

/** Maps a Metadata API field type onto the REST describe type. */
function customField(source: CustomFieldSource, inPlatformEvent: boolean): FieldDefinition {
  const type: FieldType = (() => {
    switch (source.type) {
      case 'Text':
        return 'string';
      case 'LongTextArea':
      case 'TextArea':
        return 'textarea';
      case 'Picklist':
        return 'picklist';
      case 'Checkbox':
        return 'boolean';
      case 'Email':
        return 'email';
      case 'Phone':
        return 'phone';
      case 'DateTime':
        return 'datetime';
      default:
        throw new Error(`Field ${source.fullName}: metadata type ${source.type} is not supported by the simulator`);
    }
  })();
  if (inPlatformEvent && type !== 'string' && type !== 'textarea' && type !== 'boolean' && type !== 'datetime') {
    throw new Error(`Platform event field ${source.fullName}: type ${source.type} cannot be used on a platform event`);
  }
  return field({
    name: source.fullName,
    type,
    label: source.label,
    length: source.length ?? (type === 'picklist' ? 255 : 255),
    custom: true,
    required: source.required,
    nillable: !source.required,
    restrictedPicklist: source.restrictedPicklist,
    picklistValues: source.picklist.map((p) => ({
      value: p.value,
      label: p.label,
      active: true,
      defaultValue: p.isDefault,
    })),
    avroDoc: `Data:${source.type}`,
  });
}

function withIndex(def: Omit<ObjectDefinition, 'fieldsByLowerName'>): ObjectDefinition {
  return { ...def, fieldsByLowerName: new Map(def.fields.map((f) => [f.name.toLowerCase(), f])) };
}

/**
 * The model as one user sees it: objects they have no access to are absent, custom fields without
 * read access are absent, and custom fields without edit access are not updateable. Parsing SOQL or
 * describing against this view answers INVALID_TYPE / INVALID_FIELD exactly where Salesforce does.
 */
export function modelView(
  model: ObjectModel,
  canSee: (objectName: string) => boolean,
  fieldAccess: (objectName: string, field: FieldDefinition) => { readable: boolean; editable: boolean },
): ObjectModel {
  const cache = new Map<string, ObjectDefinition | undefined>();
  const view = (definition: ObjectDefinition): ObjectDefinition | undefined => {
    if (cache.has(definition.name)) return cache.get(definition.name);
    let result: ObjectDefinition | undefined;
    if (canSee(definition.name)) {
      const fields = definition.fields
        .map((f) => ({ f, access: fieldAccess(definition.name, f) }))
        .filter(({ access }) => access.readable)
        .map(({ f, access }) => (access.editable ? f : { ...f, createable: false, updateable: false }));
      result = withIndex({ ...definition, fields });
    }
    cache.set(definition.name, result);
    return result;
  };
  const objects = new Map<string, ObjectDefinition>();
  for (const definition of model.objects.values()) {
    const seen = view(definition);
    if (seen) objects.set(definition.name, seen);
  }
  return {
    objects,
    find: (name) => {
      const definition = model.find(name);
      return definition ? view(definition) : undefined;
    },
    // A child object the user cannot see has no relationship either (a subquery on it is INVALID_TYPE).
    childRelationships: (parent) =>
      model.childRelationships(parent).flatMap((r) => {
        const child = view(r.childObject);
        const field = child?.fieldsByLowerName.get(r.field.name.toLowerCase());
        return child && field ? [{ ...r, childObject: child, field }] : [];
      }),
    platformEvents: () => [...objects.values()].filter((o) => o.kind === 'platformEvent'),
  };
}

/** What the org offers besides the deployed metadata: Messaging (MessagingSession) exists only where it is enabled. */
export interface OrgFeatures {
  messaging?: boolean;
}

function orgStandardObjects(features: OrgFeatures): Array<Omit<ObjectDefinition, 'fieldsByLowerName'>> {
  return standardObjects().filter((def) => features.messaging !== false || def.name !== 'MessagingSession');
}

/** The standard objects and their fields, by name, as the metadata validator checks references against them. */
export function standardOrgSchema(features: OrgFeatures = {}): OrgSchema {
  return { objects: new Map(orgStandardObjects(features).map((def) => [def.name, new Set(def.fields.map((f) => f.name))])) };
}

export function buildObjectModel(metadata: SfdxMetadata, features: OrgFeatures = {}): ObjectModel {
  const objects = new Map<string, ObjectDefinition>();
  for (const def of orgStandardObjects(features)) {
    const extra = (metadata.standardObjectFields.get(def.name) ?? []).map((f) => customField(f, false));
    objects.set(def.name, withIndex({ ...def, fields: [...def.fields, ...extra] }));
  }
  for (const [objectName] of metadata.standardObjectFields) {
    if (!objects.has(objectName)) {
      throw new Error(`SFDX metadata adds fields to ${objectName}, which the simulator does not define`);
    }
  }
  for (const event of metadata.platformEvents) {
    objects.set(
      event.name,
      withIndex({
        name: event.name,
        label: event.label,
        labelPlural: event.label,
        keyPrefix: EVENT_KEY_PREFIX,
        custom: true,
        kind: 'platformEvent',
        fields: [
          field({ name: 'ReplayId', type: 'string', label: 'Replay ID', createable: false, updateable: false }),
          field({ name: 'CreatedDate', type: 'datetime', label: 'Created Date', createable: false, updateable: false }),
          field({ name: 'CreatedById', type: 'reference', label: 'Created By ID', referenceTo: ['User'], createable: false, updateable: false }),
          field({ name: 'EventUuid', type: 'string', label: 'Event UUID', length: 36, createable: false, updateable: false }),
          ...event.fields.map((f) => ({ ...customField(f, true), updateable: false })),
        ],
      }),
    );
  }
  const byLowerName = new Map([...objects.values()].map((o) => [o.name.toLowerCase(), o]));
  const children = new Map<string, ChildRelationship[]>();
  for (const child of objects.values()) {
    for (const f of child.fields) {
      if (f.type !== 'reference' || !f.childRelationshipName) continue;
      for (const parent of f.referenceTo)
        children.set(parent, [...(children.get(parent) ?? []), { name: f.childRelationshipName, childObject: child, field: f }]);
    }
  }
  return {
    objects,
    find: (name) => byLowerName.get(name.toLowerCase()),
    childRelationships: (parent) => children.get(parent.name) ?? [],
    platformEvents: () => [...objects.values()].filter((o) => o.kind === 'platformEvent'),
  };
}
