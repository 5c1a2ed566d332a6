/**
 * `CaseStore` over the REST API.
 *
 * Nothing a user typed reaches SOQL or a URL path unless it passed a check first: ids must be
 * well-formed (checksum included) with the expected key prefix, CaseNumbers are digits only,
 * and field names must be API names that the org's own describe of Case lists. Invalid input
 * is refused before any request is made.
 */
import { errorMessage } from '../util/errors';
import {
  InvalidInputError,
  PermanentCaseError,
  type CaseComments,
  type CaseRecord,
  type CaseStore,
  type ChatSessionRecord,
  type PicklistValue,
} from '../cowork/ports';
import { silentLog, type Log } from '../util/log';
import { fitToField, CASE_COMMENT_MAX_BYTES } from '../util/salesforceText';
import { KEY_PREFIX, hasKeyPrefix, normalizeId } from '../util/salesforceId';
import { isTransientRestError, salesforceErrorCode, type RestApi } from './restApi';
import { isFieldApiName, soqlString } from './soql';

const BASE_FIELDS = ['Id', 'CaseNumber', 'Subject', 'Status', 'IsClosed', 'ContactId'] as const;
/** CaseNumber is an auto-number of at most 30 characters, e.g. 00001026. */
const CASE_NUMBER = /^\d{1,30}$/;
/** How long Case's describe (field names, picklist values) is trusted before it is asked again. */
const DESCRIBE_TTL_MS = 10 * 60 * 1000;
/** A chat object that answered INVALID_TYPE is asked about again after this long (an admin may grant access meanwhile). */
export const CHAT_OBJECT_RECHECK_MS = 10 * 60 * 1000;
/** The permission sets that grant read on each chat object: optional packages, as the objects exist only where their feature is on. */
const CHAT_OBJECT_PERMISSION_SET = { MessagingSession: 'Cowork_Bot_Messaging', LiveChatTranscript: 'Cowork_Bot_Legacy_Chat' } as const;
/** The chat objects a Case can be worked in, newest first, with their child relationship names on Case. */
const CHAT_RELATIONSHIPS = [
  { objectType: 'MessagingSession', relationship: 'MessagingSessions' },
  { objectType: 'LiveChatTranscript', relationship: 'LiveChatTranscripts' },
] as const;

/** Errors that say "this update can never succeed as asked": reported, never retried. */
const PERMANENT_ERROR_CODES = new Set([
  'ENTITY_IS_DELETED',
  'NOT_FOUND',
  'INVALID_FIELD',
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'FIELD_INTEGRITY_EXCEPTION',
  'FIELD_FILTER_VALIDATION_EXCEPTION',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'INVALID_TYPE_ON_FIELD_IN_RECORD',
  'STRING_TOO_LONG',
  'REQUIRED_FIELD_MISSING',
  'MALFORMED_ID',
  'ENTITY_IS_LOCKED',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
]);

interface QueryResult<R> {
  totalSize: number;
  done: boolean;
  records: R[];
}

interface DescribedField {
  name: string;
  type: string;
  updateable: boolean;
  picklistValues?: Array<{ value: string; label: string | null; active: boolean; defaultValue: boolean }>;
}

type CaseRow = Record<string, unknown> & { Id: string; CaseNumber: string };
type ChildRows = { records?: Array<{ Id: string }> } | null | undefined;

/** CaseComment.CommentBody: "The maximum size of the comment body is 4,000 bytes." (Object Reference) */
export { CASE_COMMENT_MAX_BYTES };

export class SalesforceCaseStore implements CaseStore, CaseComments {
  private describe: { fields: Promise<Map<string, DescribedField>>; at: number } | undefined;
  /** Chat objects that answered INVALID_TYPE, until when they are skipped. */
  private readonly unavailableChatObjects = new Map<string, number>();
  /** Chat objects whose unavailability was logged (once per object and process). */
  private readonly reportedChatObjects = new Set<string>();

  constructor(
    private readonly rest: RestApi,
    private readonly now: () => number = Date.now,
    private readonly log: Log = silentLog,
  ) {}

  async findCase(idOrNumber: string, extraFields: readonly string[] = []): Promise<CaseRecord | undefined> {
    const input = idOrNumber.trim();
    const caseId = normalizeId(input);
    let where: string;
    if (caseId !== undefined && hasKeyPrefix(caseId, KEY_PREFIX.Case)) where = `Id = ${soqlString(caseId)}`;
    else if (CASE_NUMBER.test(input)) where = `CaseNumber = ${soqlString(input)}`;
    else if (caseId !== undefined) throw new InvalidInputError(`"${input}" is the id of something other than a Case`);
    else throw new InvalidInputError('Not a Case number (digits only) or a Case Id (15 or 18 characters)');

    const extra = await this.checkedFields(extraFields);
    const select = [...BASE_FIELDS, ...extra.filter((f) => !(BASE_FIELDS as readonly string[]).includes(f))];
    // One request for the Case and its latest chat session (a child relationship subquery per chat
    // object). A chat object this user cannot query answers INVALID_TYPE naming the relationship:
    // asked again without it. Salesforce answers the same for an object the org lacks and for one the
    // user may not read, so that is not decided for good: the object is asked about again after
    // CHAT_OBJECT_RECHECK_MS, in case an admin assigns the permission set meanwhile. Bounded: each
    // pass returns, throws, or drops one of the two relationships.
    for (;;) {
      const chats = CHAT_RELATIONSHIPS.filter((c) => !this.isUnavailable(c.objectType));
      const subqueries = chats.map((c) => `(SELECT Id FROM ${c.relationship} ORDER BY CreatedDate DESC LIMIT 1)`);
      let result: QueryResult<CaseRow>;
      try {
        result = await this.rest.get<QueryResult<CaseRow>>(query(`SELECT ${[...select, ...subqueries].join(', ')} FROM Case WHERE ${where} LIMIT 1`));
      } catch (error) {
        const message = error instanceof Error ? error.message : '';
        const missing = salesforceErrorCode(error) === 'INVALID_TYPE' ? chats.find((c) => message.includes(`'${c.relationship}'`)) : undefined;
        if (!missing) throw error;
        this.markUnavailable(missing.objectType);
        continue;
      }
      const row = result.records[0];
      if (!row) {
        // Salesforce answers the same for a Case that does not exist and for one sharing hides from
        // the integration user, so say both. An Id comes from somewhere that knew the Case (a start
        // token, an agent): a warning; a typed Case number may just be a typo: information.
        const cause = 'it does not exist, or sharing hides it from the integration user (the Cowork_Bot permission set grants View All on Case)';
        if (caseId !== undefined) this.log.warn({ caseId }, `Case not found by Id: ${cause}`);
        else this.log.info({ caseNumber: input }, `Case not found by number: ${cause}`);
        return undefined;
      }
      const chat = chats.map((c) => ({ objectType: c.objectType, id: (row[c.relationship] as ChildRows)?.records?.[0]?.Id })).find((c) => c.id !== undefined);
      return { ...caseRecordOf(row, extra), chatSession: chat?.id ? { objectType: chat.objectType, id: chat.id } : null };
    }
  }

  async findChatSession(caseId: string): Promise<ChatSessionRecord | undefined> {
    const id = checkedCaseId(caseId);
    // Enhanced Chat (MessagingSession) first: legacy Chat, which wrote LiveChatTranscript, was retired in February 2026.
    for (const objectType of ['MessagingSession', 'LiveChatTranscript'] as const) {
      if (this.isUnavailable(objectType)) continue;
      try {
        const result = await this.rest.get<QueryResult<{ Id: string }>>(
          query(`SELECT Id FROM ${objectType} WHERE CaseId = ${soqlString(id)} ORDER BY CreatedDate DESC LIMIT 1`),
        );
        const row = result.records[0];
        if (row) return { objectType, id: row.Id };
        this.unavailableChatObjects.delete(objectType);
      } catch (error) {
        // INVALID_TYPE: the object does not exist for this user. Salesforce answers the same for an
        // object the org lacks and for one the user may not read, so this is not decided for good:
        // asked again later, in case an admin assigns the permission set meanwhile.
        if (salesforceErrorCode(error) !== 'INVALID_TYPE') throw error;
        this.markUnavailable(objectType);
      }
    }
    return undefined;
  }

  private isUnavailable(objectType: string): boolean {
    return (this.unavailableChatObjects.get(objectType) ?? 0) > this.now();
  }

  /** Skips a chat object for CHAT_OBJECT_RECHECK_MS, saying once what to assign. */
  private markUnavailable(objectType: keyof typeof CHAT_OBJECT_PERMISSION_SET): void {
    this.unavailableChatObjects.set(objectType, this.now() + CHAT_OBJECT_RECHECK_MS);
    this.reportUnavailable(objectType);
  }

  private reportUnavailable(objectType: keyof typeof CHAT_OBJECT_PERMISSION_SET): void {
    if (this.reportedChatObjects.has(objectType)) return;
    this.reportedChatObjects.add(objectType);
    const permissionSet = CHAT_OBJECT_PERMISSION_SET[objectType];
    if (objectType === 'MessagingSession') {
      this.log.warn(
        { objectType, permissionSet, recheckInMs: CHAT_OBJECT_RECHECK_MS },
        `the integration user cannot query MessagingSession: enable Messaging in the org (Setup > Messaging Settings), deploy salesforce/messaging and assign its ${permissionSet} permission set to the integration user; asked again later`,
      );
    } else {
      // Legacy Chat was retired on 2026-02-14: most orgs no longer have it, which is not a problem.
      this.log.info(
        { objectType, permissionSet, recheckInMs: CHAT_OBJECT_RECHECK_MS },
        `LiveChatTranscript is not available to the integration user (legacy Chat is retired); if the org still has it, deploy salesforce/legacy-chat and assign ${permissionSet}`,
      );
    }
  }

  async picklistValues(field: string): Promise<readonly PicklistValue[]> {
    if (!isFieldApiName(field)) throw new InvalidInputError(`"${field}" is not a field API name`);
    const described = (await this.describedFields()).get(field.toLowerCase());
    if (!described) throw new InvalidInputError(`Case has no field ${field}`);
    if (described.type !== 'picklist' && described.type !== 'multipicklist') {
      throw new InvalidInputError(`Case.${described.name} is a ${described.type} field, not a picklist`);
    }
    return (described.picklistValues ?? [])
      .filter((v) => v.active)
      .map((v) => ({ value: v.value, label: v.label ?? v.value, active: v.active, defaultValue: v.defaultValue }));
  }

  async updateCase(caseId: string, fields: Readonly<Record<string, string | null>>, options: { readFirst?: boolean } = {}): Promise<{ changed: boolean }> {
    const id = checkedCaseId(caseId);
    const names = Object.keys(fields);
    if (names.length === 0) return { changed: false };
    const described = await this.describedFields();
    // The org's spelling of each field: responses use it, whatever case the caller used.
    const changes = names.map((name) => {
      const field = isFieldApiName(name) ? described.get(name.toLowerCase()) : undefined;
      if (!field) throw new PermanentCaseError(`Case has no field ${JSON.stringify(name)}`, 'INVALID_FIELD');
      if (!field.updateable) throw new PermanentCaseError(`Case.${field.name} cannot be edited by this user`, 'INVALID_FIELD_FOR_INSERT_UPDATE');
      return { field: field.name, value: fields[name] ?? null };
    });
    try {
      if (options.readFirst !== false) {
        // Read first: a repeated update (a takeover, several sessions of one Case) must not write
        // (and fire the org's automation) twice.
        const current = await this.rest.get<Record<string, unknown>>(`sobjects/Case/${id}?fields=${changes.map((c) => c.field).join(',')}`);
        if (changes.every((c) => asText(current[c.field]) === c.value)) return { changed: false };
      }
      await this.rest.patch(`sobjects/Case/${id}`, Object.fromEntries(changes.map((c) => [c.field, c.value])));
      return { changed: true };
    } catch (error) {
      throw asPermanentCaseError(error, id) ?? error;
    }
  }

  /**
   * One `POST sobjects/CaseComment` (private: `IsPublished` false), `body` cut to CommentBody's
   * 4,000 bytes. Transient failures are retried like every REST call (a response lost after the org
   * created the comment can leave two).
   */
  async addComment(caseId: string, body: string): Promise<string> {
    const id = checkedCaseId(caseId);
    try {
      const created = await this.rest.post<{ id: string }>('sobjects/CaseComment', {
        ParentId: id,
        CommentBody: fitToField(body, { bytes: CASE_COMMENT_MAX_BYTES }),
        IsPublished: false,
      });
      return created.id;
    } catch (error) {
      throw asPermanentCaseError(error, id) ?? error;
    }
  }

  /** Field names must be API names the org's describe of Case lists: our whitelist. */
  private async checkedFields(names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return [];
    for (const name of names) if (!isFieldApiName(name)) throw new InvalidInputError(`"${name}" is not a field API name`);
    const described = await this.describedFields();
    return names.map((name) => {
      const field = described.get(name.toLowerCase());
      if (!field) throw new InvalidInputError(`Case has no field ${name}`);
      return field.name;
    });
  }

  /** Case's fields by lower-cased name, from one describe call shared by concurrent callers. */
  private describedFields(): Promise<Map<string, DescribedField>> {
    if (this.describe && this.now() - this.describe.at < DESCRIBE_TTL_MS) return this.describe.fields;
    const fields = this.rest
      .get<{ fields: DescribedField[] }>('sobjects/Case/describe')
      .then((result) => new Map(result.fields.map((f) => [f.name.toLowerCase(), f])));
    const entry = { fields, at: this.now() };
    this.describe = entry;
    // A failed describe is not cached: the next caller asks again.
    fields.catch(() => {
      if (this.describe === entry) this.describe = undefined;
    });
    return fields;
  }
}

function caseRecordOf(row: CaseRow, extra: readonly string[]): CaseRecord {
  return {
    id: row.Id,
    caseNumber: row.CaseNumber,
    subject: asText(row.Subject),
    status: asText(row.Status) ?? '',
    isClosed: row.IsClosed === true,
    contactId: asText(row.ContactId),
    fields: Object.fromEntries(extra.map((f) => [f, asText(row[f])])),
  };
}

function checkedCaseId(caseId: string): string {
  const id = normalizeId(caseId.trim());
  if (id === undefined || !hasKeyPrefix(id, KEY_PREFIX.Case)) throw new InvalidInputError('Not a Case Id (15 or 18 characters starting with 500)');
  return id;
}

function query(soql: string): string {
  return `query?q=${encodeURIComponent(soql)}`;
}

function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}

function asPermanentCaseError(error: unknown, caseId: string): PermanentCaseError | undefined {
  if (isTransientRestError(error)) return undefined;
  let code = salesforceErrorCode(error);
  let message = errorMessage(error);
  if (code === 'MULTIPLE_API_ERRORS') {
    // jsforce folds several errors into one; the first names the cause well enough.
    const first = (error as { data?: Array<{ errorCode?: string; message?: string }> }).data?.[0];
    code = first?.errorCode ?? code;
    message = first?.message ?? message;
  }
  if (code === undefined || !PERMANENT_ERROR_CODES.has(code)) return undefined;
  if (code === 'INSUFFICIENT_ACCESS_OR_READONLY') {
    // Found (the user can read it) but not editable: sharing or the permission set, not the answer.
    return new PermanentCaseError(
      `Case ${caseId} was not updated: the integration user cannot edit it (${message}). Assign the Cowork_Bot permission set (Modify All on Case) or share the Case Read/Write with that user`,
      code,
    );
  }
  if (code === 'NOT_FOUND') {
    // The Case was found before the write: either it was deleted since, or sharing now hides it.
    return new PermanentCaseError(`Case ${caseId} was not updated: it no longer exists or the integration user can no longer see it (${message})`, code);
  }
  return new PermanentCaseError(`Case ${caseId} was not updated: ${message}`, code);
}
