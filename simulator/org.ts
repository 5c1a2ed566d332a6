/**
 * The simulated org as one object: records, the event bus, tokens and faults. The REST and
 * Pub/Sub servers are thin adapters over it, and tests and benchmarks get it in-process
 * (`RunningSimulator.org`) to inspect and manipulate state without going through the wire.
 *
 * Simulates: the org's state (records, event bus with replay, users, permissions, limits, faults).
 */
import { hasKeyPrefix, normalizeId } from '../util/salesforceId';
import { CONTROLLED_BY_PARENT, type UserAccess } from './access';
import type { Authority } from './authority';
import type { EventBus, PublishedEventView } from './eventBus';
import { topicNameOf } from './eventBus';
import type { FaultPlan, Latency, RestFaultSpec } from './faultPlan';
import { validateWrite, type WriteMode } from './fieldValidation';
import { modelView, type ObjectDefinition, type ObjectModel } from './objectModel';
import { IdMinter, RecordStore, type FieldValue, type StoredRecord } from './recordStore';
import { insufficientAccess, invalidType, malformedId, notFound, SalesforceError } from './salesforceError';
import { parseSoql, runSoql, runSubquery } from './soql';
import type { PubSubFailure } from './pubSubServer';

export type { FieldValue, StoredRecord } from './recordStore';
export type { PublishedEventView } from './eventBus';
export type { RestFaultSpec, Latency } from './faultPlan';

export interface PublishedEventReceipt {
  /** The `e00…` record id REST answers with. */
  id: string;
  eventUuid: string;
  /** The replay id as a number (inexact above 2^53: see `replayIdText`). */
  replayId: number;
  /** The exact replay id, in decimal. */
  replayIdText: string;
}

/** What the Pub/Sub server offers the org (set once the server runs). */
export interface StreamControl {
  openStreamCount(): number;
  endAllStreams(failure: PubSubFailure): number;
  /** Unary Pub/Sub calls answered, by method (`GetTopic`, `GetSchema`, `Publish`). */
  unaryCallCounts(): Record<string, number>;
  /** Events delivered on Subscribe streams so far (an event sent to N streams counts N times). */
  deliveredEventCount(): number;
}

/**
 * Who asks: `integration` is the bot's user over the API (its permission sets, sharing and limits
 * apply); `system` is everyone else in the org (agents, flows, the seed, tests arranging data).
 */
/**
 * Who asks: the integration user (REST, Pub/Sub), an agent (the panel and its flows, in the
 * Lightning UI: the control API's `as: "agent"`), or the org itself (seeding, tests). Users get
 * exactly what their permission sets grant, field-level security included; `system` is unchecked.
 */
export type Actor = 'integration' | 'agent' | 'system';
type UserActor = Exclude<Actor, 'system'>;

/** A failure a real org produces for one record (a validation rule, an approval lock, row-lock contention). */
export interface RecordFailureSpec {
  errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' | 'ENTITY_IS_LOCKED' | 'UNABLE_TO_LOCK_ROW';
  /** The validation rule's message (FIELD_CUSTOM_VALIDATION_EXCEPTION). */
  message?: string;
  /** How many updates fail before the record accepts writes again (default: every one). */
  times?: number;
}

/** The org's daily API request allocation (`DailyApiRequests` in `/limits`), over a rolling 24 hours. */
export class ApiRequestLimit {
  private used = 0;
  private windowStart: number;

  constructor(
    public max: number,
    private readonly now: () => number,
  ) {
    this.windowStart = now();
  }

  private roll(): void {
    if (this.now() - this.windowStart >= 24 * 60 * 60 * 1000) {
      this.used = 0;
      this.windowStart = this.now();
    }
  }

  /** Counts one request, or refuses it with REQUEST_LIMIT_EXCEEDED when the allocation is spent. */
  consume(): void {
    this.roll();
    if (this.used >= this.max) throw new SalesforceError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    this.used++;
  }

  /** As `/limits` shows it. */
  snapshot(): { Max: number; Remaining: number } {
    this.roll();
    return { Max: this.max, Remaining: Math.max(0, this.max - this.used) };
  }

  /** Spends all but `remaining` requests of the allocation (a test's shortcut to a busy org). */
  spend(remaining = 0): void {
    this.roll();
    this.used = Math.max(0, this.max - remaining);
  }
}

/** The rows of a SOQL query, with the rows of each parent-to-child subquery by parent Id. */
export interface QueryResultRows {
  objectName: string;
  fields: string[];
  records: StoredRecord[];
  subqueries: Array<{ name: string; objectName: string; fields: string[]; rowsByParent: Map<string, StoredRecord[]> }>;
}

/** Told after each successful update of a record, through REST or in process. */
export type RecordUpdateListener = (objectName: string, record: StoredRecord, fields: Readonly<Record<string, unknown>>) => void;

export class SimulatedOrg {
  readonly store: RecordStore;
  private readonly updateListeners = new Set<RecordUpdateListener>();
  private streamControl: StreamControl | undefined;
  private restCounts: () => Record<string, number> = () => ({});
  private readonly users = new Map<UserActor, { access: UserAccess; view: ObjectModel }>();
  private readonly recordFailures = new Map<string, RecordFailureSpec & { left: number }>();

  constructor(
    readonly model: ObjectModel,
    readonly bus: EventBus,
    readonly authority: Authority,
    readonly faults: FaultPlan,
    private readonly ids: IdMinter,
    /** The integration user's access with these permission sets assigned (the profile grants nothing). */
    private readonly accessFor: (permissionSets: readonly string[]) => UserAccess,
    permissionSets: readonly string[],
    readonly apiLimit: ApiRequestLimit,
    /** Owner of what `system` creates: an agent, so Private sharing hides it from the integration user. */
    readonly agentUserId: string,
    /** The agent's permission sets (default: Cowork_Agent, as docs/SALESFORCE.md tells an admin to assign). */
    agentPermissionSets: readonly string[] = [],
    /** The agent user's own access (a Service Cloud user's profile: no custom field without a grant). */
    private readonly agentAccessFor: (permissionSets: readonly string[]) => UserAccess = accessFor,
  ) {
    this.store = new RecordStore(model, ids);
    this.setUser('integration', accessFor(permissionSets));
    this.setUser('agent', agentAccessFor(agentPermissionSets));
  }

  /** The integration user's access. */
  get access(): UserAccess {
    return this.accessOf('integration');
  }

  accessOf(actor: UserActor): UserAccess {
    const user = this.users.get(actor);
    if (!user) throw new Error(`no ${actor} user`);
    return user.access;
  }

  /** An admin assigns exactly these permission sets (by name) to the integration user. */
  assignPermissionSets(names: readonly string[]): void {
    this.setUser('integration', this.accessFor(names));
  }

  /** An admin assigns exactly these permission sets (by name) to the agent. */
  assignAgentPermissionSets(names: readonly string[]): void {
    this.setUser('agent', this.agentAccessFor(names));
  }

  private setUser(actor: UserActor, access: UserAccess): void {
    const view = modelView(
      this.model,
      (name) => access.canSee(name),
      (objectName, field) =>
        this.model.find(objectName)?.kind === 'sobject' ? access.field(objectName, field.name, field.custom) : { readable: true, editable: true },
    );
    this.users.set(actor, { access, view });
  }

  /** The schema as `actor` sees it: objects without access and fields without field-level security are not there. */
  modelFor(actor: Actor): ObjectModel {
    return actor === 'system' ? this.model : (this.users.get(actor)?.view ?? this.model);
  }

  private userIdOf(actor: Actor): string {
    return actor === 'integration' ? this.userId : this.agentUserId;
  }

  /** Whether the user (default: the integration user) may see this record under sharing. */
  canSeeRecord(objectName: string, record: StoredRecord, actor: UserActor = 'integration'): boolean {
    const owner = record.OwnerId;
    return this.accessOf(actor).canReadRecord(objectName, typeof owner === 'string' ? owner : undefined, this.userIdOf(actor));
  }

  /** Makes updates of one record fail as a real org's would (see RecordFailureSpec). */
  failRecord(objectName: string, id: string, spec: RecordFailureSpec): void {
    const definition = this.sobject(objectName);
    const id18 = this.recordId(definition, id);
    this.recordFailures.set(id18, { ...spec, left: spec.times ?? Number.POSITIVE_INFINITY });
  }

  private injectedFailure(id18: string): SalesforceError | undefined {
    const failure = this.recordFailures.get(id18);
    if (!failure || failure.left <= 0) return undefined;
    failure.left--;
    switch (failure.errorCode) {
      case 'FIELD_CUSTOM_VALIDATION_EXCEPTION':
        return new SalesforceError(400, failure.errorCode, failure.message ?? 'The record does not pass a validation rule.');
      case 'ENTITY_IS_LOCKED':
        return new SalesforceError(400, failure.errorCode, 'the entity is locked for editing');
      case 'UNABLE_TO_LOCK_ROW':
        return new SalesforceError(400, failure.errorCode, `unable to obtain exclusive access to this record or 1 records: ${id18}`);
    }
  }

  /** @internal wiring: the servers are created after the org. */
  attach(streamControl: StreamControl, restCounts: () => Record<string, number>): void {
    this.streamControl = streamControl;
    this.restCounts = restCounts;
  }

  get userId(): string {
    return this.authority.credentials.userId;
  }

  // ---- records ----------------------------------------------------------------------------

  /** The sobject definition as `actor` sees it, or NOT_FOUND as REST answers for an unknown (or inaccessible) object. */
  sobject(objectName: string, actor: Actor = 'system'): ObjectDefinition {
    const definition = this.modelFor(actor).find(objectName);
    if (!definition) throw invalidType(objectName);
    return definition;
  }

  /** Resolves a record id of `objectName`: MALFORMED_ID, NOT_FOUND or ENTITY_IS_DELETED as Salesforce answers. */
  recordId(definition: ObjectDefinition, rawId: string, actor: Actor = 'system'): string {
    const id = normalizeId(rawId);
    if (!id || !hasKeyPrefix(id, definition.keyPrefix)) throw malformedId(definition.name, rawId);
    if (definition.kind !== 'sobject') throw notFound();
    if (this.store.isDeleted(definition.name, id)) throw new SalesforceError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    const record = this.store.get(definition.name, id);
    // A record hidden by sharing is, to its reader, a record that does not exist.
    if (!record || (actor !== 'system' && !this.canSeeRecord(definition.name, record, actor))) {
      throw notFound(`Provided external ID field does not exist or is not accessible: ${rawId}`);
    }
    return id;
  }

  getRecord(objectName: string, id: string): StoredRecord | undefined {
    const definition = this.model.find(objectName);
    const id18 = normalizeId(id);
    if (!definition || definition.kind !== 'sobject' || !id18) return undefined;
    return this.store.get(definition.name, id18);
  }

  /** Creates a record with the same validation as `POST sobjects/{Object}`. */
  createRecord(objectName: string, fields: Readonly<Record<string, unknown>>, actor: Actor = 'system'): StoredRecord {
    const definition = this.sobject(objectName, actor);
    if (definition.kind !== 'sobject') throw new SalesforceError(400, 'INVALID_TYPE', `${definition.name} is a platform event: publish it instead`);
    if (actor !== 'system' && !this.accessOf(actor).object(definition.name).allowCreate) throw insufficientAccess();
    const values = this.validate(definition, fields, 'create');
    const parent = CONTROLLED_BY_PARENT.get(definition.name);
    if (parent && actor !== 'system') {
      // Creating a child the parent controls is editing the parent: its sharing decides.
      const parentId = values[parent.field];
      const owner = typeof parentId === 'string' ? this.store.get(parent.parent, parentId)?.OwnerId : undefined;
      if (!this.accessOf(actor).canEditRecord(parent.parent, typeof owner === 'string' ? owner : undefined, this.userIdOf(actor))) throw insufficientAccess();
    }
    const by = this.userIdOf(actor);
    if (definition.fieldsByLowerName.has('ownerid') && values.OwnerId === undefined) values.OwnerId = by;
    return this.store.create(definition.name, values, by);
  }

  /** Updates a record with the same validation as `PATCH sobjects/{Object}/{id}`. */
  updateRecord(objectName: string, id: string, fields: Readonly<Record<string, unknown>>, actor: Actor = 'system'): StoredRecord {
    const definition = this.sobject(objectName, actor);
    const id18 = this.recordId(definition, id, actor);
    if (actor !== 'system') {
      const owner = this.store.get(definition.name, id18)?.OwnerId;
      if (!this.accessOf(actor).canEditRecord(definition.name, typeof owner === 'string' ? owner : undefined, this.userIdOf(actor))) throw insufficientAccess();
    }
    const values = this.validate(definition, fields, 'update');
    const failure = this.injectedFailure(id18);
    if (failure) throw failure;
    const record = this.store.update(definition.name, id18, values, this.userIdOf(actor));
    for (const listener of this.updateListeners) listener(definition.name, record, fields);
    return record;
  }

  /** Calls `listener` after every successful record update (e.g. to time when a Case got its answer); returns the unsubscribe. */
  onRecordUpdated(listener: RecordUpdateListener): () => void {
    this.updateListeners.add(listener);
    return () => void this.updateListeners.delete(listener);
  }

  deleteRecord(objectName: string, id: string, actor: Actor = 'system'): void {
    const definition = this.sobject(objectName, actor);
    const id18 = this.recordId(definition, id, actor);
    if (actor !== 'system') {
      const access = this.accessOf(actor);
      const perms = access.object(definition.name);
      const owner = this.store.get(definition.name, id18)?.OwnerId;
      if (
        !perms.allowDelete ||
        !(perms.modifyAllRecords || owner === this.userIdOf(actor) || owner === undefined || access.sharingModel(definition.name) === 'ReadWrite')
      )
        throw insufficientAccess();
    }
    this.store.delete(definition.name, id18);
  }

  /**
   * Runs SOQL as `GET query?q=` does (same errors); each subquery's rows are taken per parent record,
   * at once. For `integration`, only what it may see: objects, fields and, under sharing, rows.
   */
  query(soql: string, actor: Actor = 'system'): QueryResultRows {
    const parsed = parseSoql(soql, this.modelFor(actor));
    const visibleIn = (objectName: string) => (actor !== 'system' ? (record: StoredRecord) => this.canSeeRecord(objectName, record, actor) : undefined);
    const records = runSoql(parsed, this.store, visibleIn(parsed.object.name));
    return {
      objectName: parsed.object.name,
      fields: parsed.fields.map((f) => f.name),
      records,
      subqueries: parsed.subqueries.map((sub) => ({
        name: sub.relationship.name,
        objectName: sub.relationship.childObject.name,
        fields: sub.query.fields.map((f) => f.name),
        rowsByParent: new Map(records.map((r) => [r.Id, runSubquery(sub, r.Id, this.store, visibleIn(sub.relationship.childObject.name))])),
      })),
    };
  }

  /**
   * Bulk-creates open Cases for benchmarks: each gets a Contact and, unless told otherwise, a
   * MessagingSession. Skips per-record validation (the values are known good) to stay fast.
   */
  createCases(
    count: number,
    options: { subjectPrefix?: string; withChatSession?: boolean } = {},
  ): Array<{ caseId: string; caseNumber: string; contactId: string; chatSessionId: string | undefined }> {
    if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
    const created = [];
    for (let i = 0; i < count; i++) {
      const contact = this.store.create('Contact', { FirstName: 'Bench', LastName: `Customer ${i + 1}` }, this.userId);
      const kase = this.store.create(
        'Case',
        { Subject: `${options.subjectPrefix ?? 'Benchmark case'} ${i + 1}`, Status: 'New', Origin: 'Messaging', ContactId: contact.Id },
        this.userId,
      );
      const session =
        options.withChatSession === false
          ? undefined
          : this.store.create('MessagingSession', { CaseId: kase.Id, Status: 'Active', Origin: 'InboundInitiated' }, this.userId);
      created.push({ caseId: kase.Id, caseNumber: String(kase.CaseNumber), contactId: contact.Id, chatSessionId: session?.Id });
    }
    return created;
  }

  private validate(definition: ObjectDefinition, fields: unknown, mode: WriteMode): Record<string, FieldValue> {
    return validateWrite(definition, fields, mode, (objectNames, id18) =>
      objectNames.some((name) => {
        const target = this.model.find(name);
        if (name === 'User') return id18 === this.userId || id18 === this.agentUserId;
        return target !== undefined && hasKeyPrefix(id18, target.keyPrefix) && this.store.has(target.name) && this.store.get(target.name, id18) !== undefined;
      }),
    );
  }

  // ---- events -----------------------------------------------------------------------------

  /**
   * Publishes a platform event as `POST sobjects/{Event}__e` does; also what "an event from
   * elsewhere" (an agent's flow) is: same validation, same delivery to every subscriber.
   */
  publishEvent(
    eventName: string,
    fields: Readonly<Record<string, unknown>>,
    actor: Actor = 'system',
    /** `publishedAgoMs`: the event was created that long ago (its CreatedDate), as one delivered late after an outage. */
    timing: { publishedAgoMs?: number } = {},
  ): PublishedEventReceipt {
    const definition = this.sobject(eventName, actor);
    if (definition.kind !== 'platformEvent') throw new SalesforceError(400, 'INVALID_TYPE', `${definition.name} is not a platform event`);
    // Create on a platform event is the right to publish it.
    if (actor !== 'system' && !this.accessOf(actor).object(definition.name).allowCreate) throw insufficientAccess();
    const values = this.validate(definition, fields, 'create');
    const stored = this.bus.publishFields(
      topicNameOf(definition.name),
      values,
      actor === 'system' ? this.userId : this.userIdOf(actor),
      timing.publishedAgoMs ?? 0,
    );
    return {
      id: this.ids.next(definition.keyPrefix),
      eventUuid: stored.eventUuid,
      replayId: Number(stored.replayId),
      replayIdText: stored.replayId.toString(),
    };
  }

  /**
   * An admin adds a custom text field to a platform event at runtime: the event gets a new
   * schema id; events published before keep the old one. Returns the new schema id.
   */
  addEventField(eventName: string, field: { name: string; length?: number }): string {
    const definition = this.sobject(eventName);
    if (definition.kind !== 'platformEvent') throw new SalesforceError(400, 'INVALID_TYPE', `${definition.name} is not a platform event`);
    if (!/^[A-Za-z][A-Za-z0-9_]*__c$/.test(field.name)) throw new RangeError(`${field.name} is not a custom field API name (Name__c).`);
    const length = field.length ?? 255;
    if (!Number.isInteger(length) || length < 1 || length > 131_072) throw new RangeError('length must be an integer from 1 to 131072.');
    const schema = this.bus.addField(topicNameOf(definition.name), {
      name: field.name,
      label: field.name.replace(/__c$/, '').replace(/_/g, ' '),
      type: 'string',
      length,
      custom: true,
      nillable: true,
      createable: true,
      updateable: false,
      required: false,
      picklistValues: [],
      restrictedPicklist: false,
      referenceTo: [],
      indexed: false,
      avroDoc: 'Data:Text',
    });
    for (const [actor, user] of [...this.users]) this.setUser(actor, user.access); // each user's view of the schema is a copy: rebuilt
    return schema.id;
  }

  /** Replay ids start again lower, as after an org migration (they are not unique: identity is the EventUuid). */
  renumberReplayIds(firstReplayId: bigint): void {
    this.bus.renumberReplayIds(firstReplayId);
  }

  /** The org's 24-hour event delivery allocation: size, used, remaining. */
  deliveryAllocation(): { perDay: number; used: number; remaining: number } {
    const allocation = this.bus.deliveries;
    return { perDay: allocation.perDay, used: allocation.used(), remaining: allocation.remaining() };
  }

  /** Sets the allocation's size; `resetUsage` forgets what was delivered. */
  setDeliveryAllocation(perDay: number, resetUsage = false): void {
    if (!Number.isInteger(perDay) || perDay < 0) throw new RangeError('perDay must be a non-negative integer.');
    this.bus.deliveries.perDay = perDay;
    if (resetUsage) this.bus.deliveries.reset();
  }

  /** Retained events of a platform event, decoded, oldest first. */
  publishedEvents(eventName: string): PublishedEventView[] {
    const definition = this.sobject(eventName);
    const topic = topicNameOf(definition.name);
    const log = this.bus.topic(topic);
    return log ? log.retained().map((e) => this.bus.decode(topic, e)) : [];
  }

  /** Drops every retained event, as if 72 hours had passed: their replay ids become "corrupted". */
  expireEvents(): void {
    this.bus.expireAll();
  }

  // ---- observation and faults -------------------------------------------------------------

  openStreamCount(): number {
    return this.streamControl?.openStreamCount() ?? 0;
  }

  /** Unary Pub/Sub calls answered so far, by method, e.g. `{ GetTopic: 1, GetSchema: 1, Publish: 12 }`. */
  pubSubCallCounts(): Record<string, number> {
    return { ...(this.streamControl?.unaryCallCounts() ?? {}) };
  }

  /** Events delivered to subscribers so far: an event received by N streams counts N times (what the org's delivery allocation counts). */
  deliveredEventCount(): number {
    return this.streamControl?.deliveredEventCount() ?? 0;
  }

  /** REST requests served, by route (e.g. `GET /services/data/vXX.X/query`). */
  requestCounts(): Record<string, number> {
    return this.restCounts();
  }

  failRest(spec: RestFaultSpec): void {
    this.faults.failRest(spec);
  }

  expireTokens(): void {
    this.authority.expireAll();
  }

  /** Moves the org's clock forward: sessions idle longer than the timeout end, the 24 h API window rolls. */
  advanceClock(ms: number): void {
    this.authority.options.clock.advance(ms);
  }

  /** Ends every open Subscribe/PublishStream call; returns how many were ended. */
  endStreams(failure: PubSubFailure): number {
    return this.streamControl?.endAllStreams(failure) ?? 0;
  }

  /** The next `count` GetSchema calls answer `ms` late (a cold schema cache): lookups can finish out of order. */
  slowSchemaLookups(ms: number, count = 1): void {
    this.faults.slowSchemaLookups(ms, count);
  }

  stallStreams(): void {
    this.faults.stallStreams();
  }

  releaseStreams(): void {
    this.faults.releaseStreams();
  }

  setLatency(latency: Partial<Latency>): void {
    this.faults.setLatency(latency);
  }

  clearFaults(): void {
    this.faults.clear();
  }
}
