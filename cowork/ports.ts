/**
 * Ports of the cowork core: the only ways the core reaches the outside world.
 *
 * The Salesforce adapter (`salesforce/`) implements `CaseStore` and `EventBus`; botbuilder's
 * `Storage` implementations (MemoryStorage, BlobsStorage, CosmosDbPartitionedStorage) satisfy
 * `KeyValueStorage` structurally. Nothing here imports botbuilder, jsforce or gRPC.
 */
import { CoworkError } from '../util/errors';

/** A Case as the core needs it. Ids are always the 18-character form. */
export interface CaseRecord {
  id: string;
  caseNumber: string;
  subject: string | null;
  status: string;
  isClosed: boolean;
  contactId: string | null;
  /** Values of the extra fields the caller asked for (e.g. the form's target fields). */
  fields: Readonly<Record<string, string | null>>;
  /**
   * The Case's chat session when the store read it with the Case (null: it has none); undefined
   * when the store did not look, and `findChatSession` must be asked.
   */
  chatSession?: ChatSessionRecord | null;
}

/** The chat a Case is being worked in. */
export interface ChatSessionRecord {
  objectType: 'MessagingSession' | 'LiveChatTranscript';
  id: string;
}

export interface PicklistValue {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export interface CaseStore {
  /**
   * Finds a Case by its 15/18-character Id or by its CaseNumber.
   * Resolves `undefined` when no such Case exists; rejects with `InvalidInputError` when the
   * input is neither a valid Id nor a CaseNumber, before any request is made.
   */
  findCase(idOrNumber: string, extraFields?: readonly string[]): Promise<CaseRecord | undefined>;
  /** MessagingSession first, then LiveChatTranscript, by CaseId. */
  findChatSession(caseId: string): Promise<ChatSessionRecord | undefined>;
  /** Active picklist values of a Case field, in the org's order (cached by the adapter). */
  picklistValues(field: string): Promise<readonly PicklistValue[]>;
  /**
   * Sets fields on a Case. With `readFirst` (the default) it reads them first and skips the write
   * when every field already has the value, so a repeated update does not fire the org's
   * automation twice; without it, it writes at once (one request instead of two), for a caller
   * that knows no earlier attempt can have written.
   * Transient failures are retried inside; permanent ones reject with `PermanentCaseError`.
   */
  updateCase(caseId: string, fields: Readonly<Record<string, string | null>>, options?: { readFirst?: boolean }): Promise<{ changed: boolean }>;
}

/** Writes what happened in a chat onto its Case, as the record an agent looks for there (a Case comment). */
export interface CaseComments {
  /** One private comment on the Case (`body` cut to the org's limit); resolves with the comment's Id. */
  addComment(caseId: string, body: string): Promise<string>;
}

/** A decoded platform event, as delivered by the subscription. */
export interface PlatformEvent {
  /** The EventUuid: the identity of an event across redeliveries. */
  id: string;
  /** Replay id for logs: opaque bytes on the wire (shown as the exact decimal of 8 bytes). Never compare or order by it. */
  replayId: string;
  topic: string;
  /** Field values with nullable unions unwrapped, e.g. `{ Correlation_Id__c: '500…', CreatedDate: 1700000000000 }`. */
  payload: Readonly<Record<string, unknown>>;
  /** When the org created the event (its `CreatedDate`, ms since the epoch), when known. */
  createdDate?: number;
}

export interface PublishResult {
  eventUuid: string;
  via: 'pubsub' | 'rest';
  /** The event's replay id (exact decimal), when the org said it (the Pub/Sub API does, REST does not). */
  replayId?: string;
}

export interface EventSubscriptionState {
  topic: string;
  connected: boolean;
  lastEventAt: string | null;
  lastKeepaliveAt: string | null;
  reconnects: number;
  lastError: string | null;
  /** Event deliveries this instance received (all its subscriptions together), against the org's 24-hour delivery allocation. */
  deliveries?: { last24h: number; total: number; allocationPerDay: number; usedShare: number; warning: boolean };
}

export interface EventSubscription {
  state(): EventSubscriptionState;
  close(): Promise<void>;
}

export type EventHandler = (event: PlatformEvent) => Promise<void>;

export interface PublishOptions {
  /**
   * `rest` publishes through the REST API instead of the Pub/Sub API: the last resort for an
   * answer whose event did not come back after publishing over Pub/Sub.
   */
  over?: 'rest';
}

/** The org's clock as this bot measured it (an event's CreatedDate is the org's time). */
export interface OrgClock {
  /**
   * `orgTime` in this bot's clock, and how far off that may be (ms); `undefined` before any
   * measurement (then the configured allowance, COWORK_EVENT_CLOCK_SKEW_SECONDS, is used).
   */
  toLocal(orgTime: number): { at: number; marginMs: number } | undefined;
}

/** The key whose events are handled one after the other (a Case's), in replay order; `undefined`: the topic's order. */
export type CorrelationKeyOf = (event: PlatformEvent) => string | undefined;

export interface SubscribeOptions {
  /**
   * Events with the same key are handled one after the other, in replay order; different keys run
   * concurrently. Default (the Salesforce adapter): the `Correlation_Id__c` field (the Case), else topic order.
   */
  correlationKey?: CorrelationKeyOf | undefined;
}

export interface EventBus {
  /** Publishes one event; `fields` holds custom field values only (the adapter adds CreatedDate/CreatedById). */
  publish(topic: string, fields: Readonly<Record<string, string | null>>, options?: PublishOptions): Promise<PublishResult>;
  /**
   * One stream per topic for the whole process. The handler's promise resolving means the
   * event's effects are stored: only then does the adapter checkpoint its replay id.
   */
  subscribe(topic: string, handler: EventHandler, options?: SubscribeOptions): Promise<EventSubscription>;
}

/** Key-value storage (`StoreItem`, `KeyValueStorage`): shared with the utilities, defined in util/storage.ts. */
export type { KeyValueStorage, StoreItem } from '../util/storage';

/** Input a user (or a payload) supplied that cannot be accepted. Safe to show its message to a user. */
export class InvalidInputError extends CoworkError {
  override readonly name = 'InvalidInputError';
  readonly code = 'ERR_COWORK_INVALID_INPUT';
}

/** A Case update that will not succeed by retrying (deleted Case, invalid field, validation rule). */
export class PermanentCaseError extends CoworkError {
  override readonly name = 'PermanentCaseError';
  readonly code = 'ERR_COWORK_CASE_PERMANENT';
  constructor(
    message: string,
    readonly errorCode: string,
  ) {
    super(message);
  }
}

/** The states the agent's side sees (`Cowork_Status__e.State__c`). */
export const COWORK_STATUS_STATES = [
  'form_sent',
  'submitted',
  'answered',
  'saved',
  'expired',
  'superseded',
  'failed',
  'person_requested',
  'no_chat',
  'already_pending',
  // An agent taking the chat over from the Case (coworkPanel, Cowork_Message__e):
  'taken_over',
  'takeover_refused',
  'handed_back',
] as const;
export type CoworkStatusState = (typeof COWORK_STATUS_STATES)[number];

/** One step of a Case's co-work, for the agent watching it from Salesforce. */
export interface CoworkStatus {
  caseId: string;
  /** The session it is about; null when there is none (no chat linked). */
  sessionKey: string | null;
  state: CoworkStatusState;
  /** The chosen answer's label(s), once known. */
  answer: string | null;
  /** A short sentence for the agent. */
  detail: string | null;
}

/**
 * Tells the agent's side what happened (the Salesforce adapter publishes `Cowork_Status__e`).
 * `publish` never rejects and does not wait for the org: a status that cannot be delivered is
 * logged, never a failure of the customer's flow. Statuses are delivered in the order given.
 */
export interface StatusPublisher {
  publish(status: CoworkStatus): void;
  /** Resolves once every status given so far was delivered (or given up on). */
  flush(): Promise<void>;
}
