/**
 * A session kept beside its Case's document (STORAGE=table: its key names its Case, storage/keyLayout.ts):
 * the start, the event's routing and the claim each one request of that partition, through the real core
 * (`CoworkService`) on the co-work store port. A transaction refused by another instance's write between the
 * read and the claim writes nothing, and is decided again from a fresh read; a session of an earlier release
 * (a key without its Case, a partition of its own) still completes.
 */
import { CoworkService } from '../../cowork/coworkService';
import type { CoworkStore, EntityData, StoreEntity, StoreOperation } from '../../cowork/coworkStore';
import { CountingCoworkStore, requestsBetween } from '../../bench/countingStore';
import { MemoryCoworkStore } from '../../storage/memoryStore';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';
import { CaseDocuments } from '../../cowork/stores/caseDocument';
import { CASE_ID, InMemoryBus, InMemoryCases, RecordingEffects, deps, event, started } from './inMemoryCore';

/** The memory store, with a hook run before each transaction reaches it (another instance's write in between). */
class HookedStore implements CoworkStore {
  beforeTransact: ((partition: string, operations: readonly StoreOperation[]) => Promise<void>) | undefined;
  /** Each refused transaction, and its rows as stored right after the refusal. */
  readonly refused: Array<{ partition: string; operations: readonly StoreOperation[]; after: Record<string, EntityData | undefined> }> = [];
  constructor(readonly inner: MemoryCoworkStore) {}
  get(partition: string, row: string): Promise<StoreEntity | undefined> {
    return this.inner.get(partition, row);
  }
  query(partition: string, options?: { rowPrefix?: string }): Promise<StoreEntity[]> {
    return this.inner.query(partition, options);
  }
  create(partition: string, row: string, data: EntityData): Promise<string> {
    return this.inner.create(partition, row, data);
  }
  replace(partition: string, row: string, data: EntityData, eTag: string): Promise<string> {
    return this.inner.replace(partition, row, data, eTag);
  }
  upsert(partition: string, row: string, data: EntityData): Promise<string> {
    return this.inner.upsert(partition, row, data);
  }
  delete(partition: string, row: string, eTag?: string): Promise<void> {
    return this.inner.delete(partition, row, eTag);
  }
  async transact(partition: string, operations: readonly StoreOperation[]): Promise<(string | undefined)[]> {
    const hook = this.beforeTransact;
    if (hook) await hook(partition, operations);
    try {
      return await this.inner.transact(partition, operations);
    } catch (error) {
      const after: Record<string, EntityData | undefined> = {};
      for (const op of operations) after[op.row] = (await this.inner.get(partition, op.row))?.data;
      this.refused.push({ partition, operations, after });
      throw error;
    }
  }
  check(): Promise<void> {
    return this.inner.check();
  }
}

function setup() {
  const memory = new MemoryCoworkStore();
  const hooked = new HookedStore(memory);
  const store = new CountingCoworkStore(hooked);
  const storage = new StoreBackedStorage(store);
  const cases = new InMemoryCases();
  const bus = new InMemoryBus();
  const clock = { now: Date.now() };
  const effects = new RecordingEffects();
  const instance = (name: string): CoworkService => new CoworkService({ ...deps(storage, cases, bus, clock, name), effects });
  return { memory, hooked, store, storage, cases, bus, clock, effects, instance };
}

const CASE_PARTITION = `cowork/case/${CASE_ID}`;

describe('a session kept beside its Case document', () => {
  it('is started in one transaction, routed by one query and claimed in one transaction', async () => {
    const { memory, store, instance, effects, cases } = setup();
    const a = instance('a');
    let before = { ...store.counts };
    const session = await started(a);
    expect(session.key).toMatch(new RegExp(`^${CASE_ID}-[0-9a-f]{32}$`));
    // A new Case's: the session and the document both created, in one transaction, nothing read first.
    expect(requestsBetween(before, store.counts)).toEqual({ 'transact cowork/case/*': 1 });
    expect((await memory.query(CASE_PARTITION)).map((e) => e.row)).toEqual(['kv', `session:${session.key}`]);
    expect(memory.partitionKeys().filter((p) => p.startsWith('cowork/session/'))).toEqual([]);

    before = { ...store.counts };
    await a.handleEvent(event('e1', session, 'Education'));
    await a.effectsIdle();
    // The routing's query (the document and the session), the claim's transaction (session answered, the
    // document recording the answer, unlisted), thanked and done (each a replace from the eTag the write before told).
    expect(requestsBetween(before, store.counts)).toMatchObject({ 'query cowork/case/*': 1, 'transact cowork/case/*': 1, 'replace cowork/case/*': 2 });
    expect(requestsBetween(before, store.counts)['get cowork/case/*']).toBeUndefined();
    expect(effects.thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect((await a.get(session.key))?.state).toBe('done');
    const doc = (await memory.get(CASE_PARTITION, 'kv'))?.data as { keys: string[]; answers: Record<string, { sessionKey: string }> };
    expect(doc.keys).toEqual([]);
    expect(doc.answers['use-of-funds']?.sessionKey).toBe(session.key);
  });

  it("a Case document another instance wrote between the routing's read and the claim refuses the whole claim; it is decided again and done once", async () => {
    const { memory, hooked, storage, instance, effects, cases } = setup();
    const a = instance('a');
    const session = await started(a);
    let other: string | undefined;
    hooked.beforeTransact = async (partition, operations) => {
      const claim = operations.some(
        (op) => op.kind === 'replace' && op.row === `session:${session.key}` && (op.data as { state?: unknown }).state === 'answered',
      );
      if (!claim || other !== undefined) return;
      hooked.beforeTransact = undefined;
      // Another instance takes an agent's request for the Case: its write changes the document.
      other = 'uuid-of-a-request';
      const theirs = new CaseDocuments(storage);
      await theirs.update(CASE_ID, (doc) => ({ next: { ...doc, requests: [...doc.requests, other ?? ''] }, result: undefined }));
      expect(partition).toBe(CASE_PARTITION);
    };
    await a.handleEvent(event('e1', session, 'Education'));
    await a.effectsIdle();
    // The first claim was refused as a whole: its session row and its document row both named, neither written.
    const claims = hooked.refused.filter((r) => r.operations.some((op) => op.row === `session:${session.key}`));
    const [refused] = claims;
    expect(refused?.operations.map((op) => `${op.kind} ${op.row}`)).toEqual([`replace session:${session.key}`, 'replace kv']);
    expect((refused?.after[`session:${session.key}`] as { state?: unknown } | undefined)?.state).toBe('form_sent');
    expect((refused?.after.kv as { answers?: unknown } | undefined)?.answers).toEqual({});
    expect(hooked.refused).toHaveLength(1);
    // Decided again from a fresh read: answered once, thanked once, the Case written once, and the other
    // instance's change kept beside the answer (ours unlisted).
    expect(effects.thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect((await a.get(session.key))?.state).toBe('done');
    const doc = (await memory.get(CASE_PARTITION, 'kv'))?.data as { keys: string[]; requests: string[]; answers: Record<string, { sessionKey: string }> };
    expect(doc.keys).toEqual([]);
    expect(doc.requests).toEqual([other]);
    expect(doc.answers['use-of-funds']?.sessionKey).toBe(session.key);
  });

  /** A started session moved to a key of an earlier release (no Case in it), where that release stored it: a partition of its own. */
  async function asEarlierRelease(storage: StoreBackedStorage, session: { key: string }, oldKey: string): Promise<void> {
    const item = (await storage.read([`cowork/session/${session.key}`]))[`cowork/session/${session.key}`];
    await storage.write({ [`cowork/session/${oldKey}`]: { ...item, key: oldKey, eTag: '*' } });
    await storage.delete([`cowork/session/${session.key}`]);
    await new CaseDocuments(storage).update(CASE_ID, (doc) => ({
      next: { ...doc, keys: doc.keys.map((k) => (k === session.key ? oldKey : k)) },
      result: undefined,
    }));
  }

  it('a session of an earlier release (its key without its Case, a partition of its own) still completes: by an event naming it, and by one naming only the Case', async () => {
    const { memory, storage, instance, effects, cases, clock } = setup();
    const oldKeys = ['0123456789abcdef0123456789abcdef', 'fedcba9876543210fedcba9876543210'];
    const [named = '', caseOnly = ''] = oldKeys;
    const first = await started(instance('a'));
    await asEarlierRelease(storage, first, named);
    // A new instance (nothing remembered): the event names the old key.
    const b = instance('b');
    await b.handleEvent(event('e1', { ...first, key: named }, 'Education'));
    await b.effectsIdle();
    expect(effects.thanked).toEqual([named]);
    expect((await b.get(named))?.state).toBe('done');
    const second = await started(instance('c'), 'conv-2');
    await asEarlierRelease(storage, second, caseOnly);
    // An agent's flow: the event names the Case only; the Case's query finds the document, the old session is read apart.
    const d = instance('d');
    await d.handleEvent({
      id: 'e2',
      replayId: '2',
      topic: event('e2', second, 'x').topic,
      payload: { Correlation_Id__c: CASE_ID, Use_of_Fund_Reason__c: 'Renovation Work', CreatedDate: clock.now + 1 },
    });
    await d.effectsIdle();
    expect(effects.thanked).toEqual([named, caseOnly]);
    expect((await d.get(caseOnly))?.state).toBe('done');
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }, { Use_of_Funds__c: 'Renovation Work' }]);
    for (const key of oldKeys) expect((await memory.get(`cowork/session/${key}`, 'kv'))?.data).toMatchObject({ key, state: 'done' });
    const doc = (await memory.get(CASE_PARTITION, 'kv'))?.data as { keys: string[] };
    expect(doc.keys).toEqual([]);
  });

  it('starts beside a Case document this instance does not know: the create-only try is refused, the document read, and both written in one transaction', async () => {
    const { memory, store, instance } = setup();
    const first = await started(instance('a'));
    const before = { ...store.counts };
    const second = await started(instance('b'), 'conv-2');
    // Refused, the partition read (one query: the document, and whether the session is there after all: a lost
    // answer), both written; then the older form it replaces read and expired (as on every storage).
    expect(requestsBetween(before, store.counts)).toEqual({
      'transact cowork/case/*': 2,
      'query cowork/case/*': 1,
      'get cowork/case/*': 1,
      'replace cowork/case/*': 2,
    });
    const doc = (await memory.get(CASE_PARTITION, 'kv'))?.data as { keys: string[]; links: unknown[] };
    expect(doc.keys).toEqual([second.key]);
    expect(doc.links).toHaveLength(2);
    // The newer form replaced the older one, as on every storage.
    expect((await instance('c').get(first.key))?.state).toBe('expired');
  });
});
