/**
 * The co-work core with in-memory ports, for the fast tests (and Stryker's runs): one MemoryStorage,
 * a recording Case store and event bus, recording effects, a clock the test moves.
 */
import { MemoryStorage } from 'botbuilder';
import { CoworkService, type CoworkServiceDeps, type SessionEffects } from '../../cowork/coworkService';
import { InMemoryDeadlineQueue } from '../../cowork/stores/deadlines';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import { InFlightIndex } from '../../cowork/stores/inflight';
import { silentLog, type Log } from '../../util/log';
import type {
  CaseRecord,
  CaseStore,
  CoworkStatus,
  EventBus,
  KeyValueStorage,
  PicklistValue,
  PlatformEvent,
  PublishResult,
  StatusPublisher,
} from '../../cowork/ports';
import { normalizeId } from '../../util/salesforceId';
import type { CoworkSession } from '../../cowork/domain/session';
import { SessionRepository } from '../../cowork/stores/sessionRepository';

export const CASE_ID = normalizeId('500Sm0000000001') as string;
const PICKLIST: PicklistValue[] = ['Renovation Work', 'Education'].map((value) => ({ value, label: value, active: true, defaultValue: false }));

export class InMemoryCases implements CaseStore {
  readonly updates: Array<Record<string, string | null>> = [];
  /** The `readFirst` option of each update, in order. */
  readonly readFirst: boolean[] = [];
  /** Errors the next updates throw (a transient outage), one per update. */
  readonly failNext: Error[] = [];
  /** The next update waits for this (a slow org), then goes on. */
  holdNext: Promise<void> | undefined;
  async findCase(): Promise<CaseRecord> {
    return { id: CASE_ID, caseNumber: '00001026', subject: 's', status: 'New', isClosed: false, contactId: null, fields: {} };
  }
  async findChatSession(): Promise<undefined> {
    return undefined;
  }
  async picklistValues(): Promise<readonly PicklistValue[]> {
    return PICKLIST;
  }
  async updateCase(_caseId: string, fields: Readonly<Record<string, string | null>>, options?: { readFirst?: boolean }): Promise<{ changed: boolean }> {
    const hold = this.holdNext;
    this.holdNext = undefined;
    if (hold) await hold;
    const failure = this.failNext.shift();
    if (failure) throw failure;
    this.updates.push({ ...fields });
    this.readFirst.push(options?.readFirst ?? true);
    return { changed: true };
  }
}

export class InMemoryBus implements EventBus {
  readonly published: Array<Record<string, string | null>> = [];
  down = false;
  async publish(_topic: string, fields: Readonly<Record<string, string | null>>): Promise<PublishResult> {
    if (this.down) throw new Error('Pub/Sub and REST are down');
    this.published.push({ ...fields });
    return { eventUuid: `uuid-${this.published.length}`, via: 'pubsub' };
  }
  async subscribe(): Promise<never> {
    throw new Error('not used');
  }
}

export class RecordingEffects implements SessionEffects {
  answeredCalls = 0;
  readonly thanked: string[] = [];
  /** Conversations whose channel refuses messages. */
  readonly failingConversations = new Set<string>();
  /** Conversations whose channel refuses the next n messages, then takes them. */
  readonly refusesNext = new Map<string, number>();
  constructor(private readonly hang = false) {}
  async answered(_session: CoworkSession, _labels: Readonly<Record<string, string>>, stillOurs: () => Promise<boolean>): Promise<boolean> {
    this.answeredCalls++;
    if (this.hang) await new Promise(() => undefined); // this instance "dies" here
    if (this.failingConversations.has(_session.conversationId)) throw new Error('channel refused the message');
    const refusals = this.refusesNext.get(_session.conversationId) ?? 0;
    if (refusals > 0) {
      this.refusesNext.set(_session.conversationId, refusals - 1);
      throw new Error('channel refused the message');
    }
    if (!(await stillOurs())) return false;
    this.thanked.push(_session.key);
    return true;
  }
  readonly expiredKeys: string[] = [];
  async expired(session: CoworkSession): Promise<void> {
    this.expiredKeys.push(session.key);
  }
  readonly failedKeys: string[] = [];
  async failed(session: CoworkSession): Promise<void> {
    this.failedKeys.push(session.key);
  }
  readonly supersededKeys: string[] = [];
  async superseded(session: CoworkSession): Promise<void> {
    this.supersededKeys.push(session.key);
  }
  readonly savedKeys: string[] = [];
  /** Set: the card update after the Case was saved fails (the chat went away). */
  savedFails = false;
  async saved(session: CoworkSession): Promise<void> {
    if (this.savedFails) throw new Error('card update refused');
    this.savedKeys.push(session.key);
  }
}

/** Effects whose thank-you is `answered`; an expiry and a failure tell nobody. */
export function effectsWith(answered: SessionEffects['answered']): SessionEffects {
  return { answered, expired: async () => undefined, failed: async () => undefined };
}

/**
 * A thank-you held until `release()` (the customer's turn is slow, or the instance paused mid-send),
 * then `then` decides how the send ends. `calls`: the sends that reached the hold.
 */
export class HeldSend implements SessionEffects {
  calls = 0;
  release: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  constructor(private readonly then: SessionEffects['answered']) {}
  async answered(session: CoworkSession, labels: Readonly<Record<string, string>>, stillOurs: () => Promise<boolean>): Promise<boolean> {
    this.calls++;
    await this.gate;
    return this.then(session, labels, stillOurs);
  }
  async expired(): Promise<void> {}
  async failed(): Promise<void> {}
}

/** A send that ends refused with `message`. */
export function refusedWith(message: string): SessionEffects['answered'] {
  return () => Promise.reject(new Error(message));
}

/** What the operator reads: every log line, its level, message and fields. */
export class RecordingLog implements Log {
  readonly lines: Array<{ level: 'debug' | 'info' | 'warn' | 'error'; msg: string | undefined; fields: Record<string, unknown> }> = [];
  debug(obj: object, msg?: string): void {
    this.lines.push({ level: 'debug', msg, fields: { ...obj } });
  }
  info(obj: object, msg?: string): void {
    this.lines.push({ level: 'info', msg, fields: { ...obj } });
  }
  warn(obj: object, msg?: string): void {
    this.lines.push({ level: 'warn', msg, fields: { ...obj } });
  }
  error(obj: object, msg?: string): void {
    this.lines.push({ level: 'error', msg, fields: { ...obj } });
  }
  child(): Log {
    return this;
  }
  /** The lines at `level` whose message contains `text`. */
  find(level: 'debug' | 'info' | 'warn' | 'error', text: string): Array<Record<string, unknown>> {
    return this.lines.filter((l) => l.level === level && l.msg?.includes(text)).map((l) => l.fields);
  }
}

/** What the agent's panel is told (`Cowork_Status__e`), in order. */
export class RecordingStatus implements StatusPublisher {
  readonly statuses: CoworkStatus[] = [];
  publish(status: CoworkStatus): void {
    this.statuses.push({ ...status });
  }
  async flush(): Promise<void> {}
}

export function instance(
  storage: MemoryStorage,
  name: string,
  effects: SessionEffects,
  cases: InMemoryCases,
  bus: InMemoryBus,
  clock: { now: number },
  extra: Partial<Omit<CoworkServiceDeps, 'effects'>> = {},
): CoworkService {
  return new CoworkService({ ...deps(storage, cases, bus, clock, name), ...extra, effects });
}

export function event(id: string, session: CoworkSession, answer: string): PlatformEvent {
  return {
    id,
    replayId: '1',
    topic: USE_OF_FUNDS_FORM.topic,
    payload: { Correlation_Id__c: session.caseId, Session_Key__c: session.key, Use_of_Fund_Reason__c: answer },
  };
}

export async function started(service: CoworkService, conversationId = 'conv'): Promise<CoworkSession> {
  const outcome = await service.start({ caseRef: CASE_ID, form: USE_OF_FUNDS_FORM, conversationId, conversationReference: {}, userId: 'u' });
  if (outcome.kind !== 'started') throw new Error(outcome.kind);
  return outcome.session;
}

/**
 * Two answers of one Case, the newer on the Case first: a form answered in `conv-a` (submitted, its
 * event not back yet), then a newer form in `conv-b` whose event `service` handles a second later.
 * `olderCreated`: when the older answer's event was created (it comes late, with that CreatedDate).
 */
export async function newerAnsweredFirst(
  service: CoworkService,
  clock: { now: number },
): Promise<{ older: CoworkSession; newer: CoworkSession; olderCreated: number }> {
  const older = await started(service, 'conv-a');
  await service.submit({ sessionKey: older.key, formToken: older.formToken, conversationId: 'conv-a', raw: { useOfFunds: 'Education' } });
  clock.now += 1000;
  const newer = await started(service, 'conv-b');
  const olderCreated = clock.now;
  clock.now += 1000;
  await service.handleEvent({ ...event('newer', newer, 'Renovation Work'), createdDate: clock.now });
  return { older, newer, olderCreated };
}

/** The core's dependencies for instance `name` on these ports (any Case store, bus and storage: a test may give its own). */
export function deps(storage: KeyValueStorage, cases: CaseStore, bus: EventBus, clock: { now: number }, name: string): Omit<CoworkServiceDeps, 'effects'> {
  return {
    caseStore: cases,
    eventBus: bus,
    repository: new SessionRepository(storage),
    deadlines: new InMemoryDeadlineQueue(),
    inflight: new InFlightIndex(storage),
    instanceId: name,
    effectsLeaseMs: 1000,
    forms: [USE_OF_FUNDS_FORM],
    log: silentLog,
    sessionTtlMs: 3_600_000,
    eventTimeoutMs: 5000,
    now: () => clock.now,
  };
}

/**
 * One instance of the core in memory with recording ports (log, status, effects), and `other` to
 * start a second instance on the same storage, Case store and bus: the setup the core's tests share.
 */
export function memoryCore(
  options: { storage?: MemoryStorage; startLimits?: { perConversation: number; perCase: number }; forms?: CoworkServiceDeps['forms'] } = {},
) {
  const { storage = new MemoryStorage(), ...extra } = options;
  const [cases, bus, effects, clock, log, status, deadlines] = [
    new InMemoryCases(),
    new InMemoryBus(),
    new RecordingEffects(),
    { now: Date.now() },
    new RecordingLog(),
    new RecordingStatus(),
    new InMemoryDeadlineQueue(),
  ];
  const a = instance(storage, 'a', effects, cases, bus, clock, { log, status, deadlines, ...extra });
  const other = (name: string) => instance(storage, name, new RecordingEffects(), cases, bus, clock);
  return { a, other, storage, cases, bus, effects, clock, log, status, deadlines };
}

export async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}
