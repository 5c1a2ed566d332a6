/**
 * The in-flight sweep against a submit in progress: a submit lists its session in flight, then
 * stores the answer. A sweep (on any instance) that runs between the two must leave the listing,
 * or an answer whose event is lost is never published again.
 */
import { MemoryStorage, type StoreItems } from 'botbuilder';
import { CoworkService, type SessionEffects } from '../../cowork/coworkService';
import type { CaseRecord, CaseStore, EventBus, PicklistValue, PublishResult } from '../../cowork/ports';
import { CountingCoworkStore } from '../../bench/countingStore';
import { MemoryCoworkStore } from '../../storage/memoryStore';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';
import { CASE_ID, deps, started } from './inMemoryCore';

const PICKLIST: PicklistValue[] = [{ value: 'Education', label: 'Education', active: true, defaultValue: false }];

const cases: CaseStore = {
  findCase: async (): Promise<CaseRecord> => ({
    id: CASE_ID,
    caseNumber: '00001026',
    subject: 's',
    status: 'New',
    isClosed: false,
    contactId: null,
    fields: {},
    chatSession: null,
  }),
  findChatSession: async () => undefined,
  picklistValues: async () => PICKLIST,
  updateCase: async () => ({ changed: true }),
};

/** An event bus that accepts every publish and delivers nothing: the events are lost. */
class LosingBus implements EventBus {
  published = 0;
  async publish(): Promise<PublishResult> {
    this.published++;
    return { eventUuid: `uuid-${this.published}`, via: 'pubsub' };
  }
  async subscribe(): Promise<never> {
    throw new Error('not used');
  }
}

const effects: SessionEffects = { answered: async () => true, expired: async () => undefined, failed: async () => undefined };

describe('the in-flight sweep during a submit', () => {
  it('keeps a session listed between its listing and its stored answer, so a lost event is published again', async () => {
    const memory = new MemoryStorage();
    const clock = { now: Date.now() };
    const bus = new LosingBus();
    let duringSubmit: (() => Promise<void>) | undefined;
    // The submitted write waits for whatever runs "meanwhile" (another instance's sweep).
    const storage = {
      read: (keys: string[]) => memory.read(keys),
      delete: (keys: string[]) => memory.delete(keys),
      write: async (changes: StoreItems) => {
        const submitted = Object.values(changes).some((item) => (item as { state?: string }).state === 'submitted');
        const meanwhile = duringSubmit;
        if (submitted && meanwhile) {
          duringSubmit = undefined;
          await meanwhile();
        }
        return memory.write(changes);
      },
    };
    const a = new CoworkService({ ...deps(storage, cases, bus, clock, 'a'), effects });
    const b = new CoworkService({ ...deps(storage, cases, bus, clock, 'b'), effects });
    const session = await started(a);

    duringSubmit = () => b.recoverInFlight();
    const outcome = await a.submit({ sessionKey: session.key, formToken: session.formToken, conversationId: 'conv', raw: { useOfFunds: 'Education' } });
    expect(outcome.kind).toBe('accepted');
    expect(bus.published).toBe(1);

    clock.now += 6000; // the event did not come back in time
    await b.recoverInFlight();
    expect(bus.published).toBe(2);
    expect((await b.get(session.key))?.publishAttempts).toBe(2);
  });

  it('on the co-work store port, reads no session the sweep can have nothing to do for yet, and republishes once its event is late', async () => {
    const clock = { now: Date.now() };
    const bus = new LosingBus();
    const store = new CountingCoworkStore(new MemoryCoworkStore());
    const storage = new StoreBackedStorage(store);
    const a = new CoworkService({ ...deps(storage, cases, bus, clock, 'a'), effects });
    const b = new CoworkService({ ...deps(storage, cases, bus, clock, 'b'), effects });
    const session = await started(a);
    await a.submit({ sessionKey: session.key, formToken: session.formToken, conversationId: 'conv', raw: { useOfFunds: 'Education' } });
    // A session whose key names its Case is a row of the Case's partition (storage/keyLayout.ts).
    const reads = (): number => (store.counts['get cowork/session/*'] ?? 0) + (store.counts['get cowork/case/*'] ?? 0);
    const before = reads();
    await b.recoverInFlight();
    clock.now += 999;
    await b.recoverInFlight();
    expect({ sessionReads: reads() - before, published: bus.published }).toEqual({ sessionReads: 0, published: 1 });
    clock.now += 1; // the lease a claim would have taken could have run out: read from now on
    await b.recoverInFlight();
    expect({ sessionReads: reads() - before, published: bus.published }).toEqual({ sessionReads: 1, published: 1 });
    clock.now += 5000; // the event did not come back in time
    await b.recoverInFlight();
    expect(bus.published).toBe(2);
  });
});
