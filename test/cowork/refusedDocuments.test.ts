/**
 * One stored document that its shape check refuses (a hand edit, a bug, another writer) costs only
 * itself: the in-flight sweep of every instance, a new form for its Case, an agent's answer naming
 * only the Case and the agents' waiting list go on without it, and the operator is told once per key
 * (the sweep reads it every tick). Reading that one document alone still refuses it.
 */
import { MemoryStorage } from 'botbuilder';
import { CoworkService, type SessionEffects } from '../../cowork/coworkService';
import type { EventBus } from '../../cowork/ports';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import { HandoffRepository, newHandoffRecord } from '../../cowork/stores/handoff';
import { SessionRepository } from '../../cowork/stores/sessionRepository';
import { RefusedDocuments, StoredDocumentError } from '../../util/storedDocument';
import { CASE_ID, deps, InMemoryBus, InMemoryCases, RecordingLog, started } from './inMemoryCore';

const effects: SessionEffects = { answered: async () => true, expired: async () => undefined, failed: async () => undefined };

/** The session's owner field gone: what a hand edit could leave. */
async function corrupt(storage: MemoryStorage, sessionKey: string): Promise<void> {
  const key = `cowork/session/${sessionKey}`;
  const { owner: _owner, ...rest } = (await storage.read([key]))[key] as Record<string, unknown>;
  await storage.write({ [key]: { ...rest, eTag: '*' } });
}

function instance(storage: MemoryStorage, clock: { now: number }, name: string, bus: EventBus = new InMemoryBus(), log = new RecordingLog()): CoworkService {
  return new CoworkService({
    ...deps(storage, new InMemoryCases(), bus, clock, name),
    repository: new SessionRepository(storage, 'cowork', undefined, new RefusedDocuments(log)),
    effects,
  });
}

describe('a refused session document costs only itself', () => {
  it('the in-flight sweep still republishes the other late session, and tells of the refused one once, not every tick', async () => {
    const storage = new MemoryStorage();
    const clock = { now: Date.now() };
    const bus = new InMemoryBus(); // publishes, delivers nothing: the events are lost
    const a = instance(storage, clock, 'a', bus);
    const good = await started(a, 'conv-good');
    await a.submit({ sessionKey: good.key, formToken: good.formToken, conversationId: 'conv-good', raw: { useOfFunds: 'Education' } });
    const bad = await started(a, 'conv-bad');
    await a.submit({ sessionKey: bad.key, formToken: bad.formToken, conversationId: 'conv-bad', raw: { useOfFunds: 'Education' } });
    await corrupt(storage, bad.key);

    clock.now += 6000; // both events are late
    const log = new RecordingLog();
    const b = instance(storage, clock, 'b', bus, log);
    await b.recoverInFlight();
    await b.recoverInFlight();
    expect((await b.get(good.key))?.publishAttempts).toBe(2);
    expect(log.find('error', 'not of its shape')).toEqual([
      expect.objectContaining({ code: 'ERR_COWORK_STORED_DOCUMENT', key: `cowork/session/${bad.key}`, field: 'owner' }),
    ]);
    // Read alone, it is still refused: nothing takes it for a session it is not.
    await expect(b.get(bad.key)).rejects.toBeInstanceOf(StoredDocumentError);
  });

  it('a new form can still be started for the Case when an older listed session of it is refused', async () => {
    const storage = new MemoryStorage();
    const clock = { now: Date.now() };
    const a = instance(storage, clock, 'a');
    const old = await started(a, 'conv-1');
    await corrupt(storage, old.key);
    await expect(started(a, 'conv-2')).resolves.toMatchObject({ state: 'form_sent' });
  });

  it("an agent's answer naming only the Case still answers its current form when another listed session is refused", async () => {
    const storage = new MemoryStorage();
    const clock = { now: Date.now() };
    const a = instance(storage, clock, 'a');
    const pending = await started(a, 'conv-1');
    await a.submit({ sessionKey: pending.key, formToken: pending.formToken, conversationId: 'conv-1', raw: { useOfFunds: 'Education' } });
    clock.now += 1000;
    const current = await started(a, 'conv-2');
    await corrupt(storage, pending.key);
    clock.now += 1000;
    await a.handleEvent({
      id: 'agent-1',
      replayId: '1',
      topic: USE_OF_FUNDS_FORM.topic,
      createdDate: clock.now,
      payload: { Correlation_Id__c: CASE_ID, Use_of_Fund_Reason__c: 'Renovation Work' },
    });
    expect((await a.get(current.key))?.state).not.toBe('form_sent');
  });
});

describe('a refused handoff record costs only itself', () => {
  it("the agents' waiting list still gives the other conversations", async () => {
    const storage = new MemoryStorage();
    const log = new RecordingLog();
    const handoffs = new HandoffRepository(storage, 'cowork', new RefusedDocuments(log));
    for (const conversationId of ['c-good', 'c-bad']) {
      await handoffs.request(
        newHandoffRecord({
          conversationId,
          conversationReference: { conversation: { id: conversationId } },
          userId: 'u',
          state: 'requested',
          trigger: 'typed',
          session: undefined,
          at: new Date(0).toISOString(),
        }),
      );
    }
    const key = 'cowork/handoff/c-bad';
    const stored = (await storage.read([key]))[key] as Record<string, unknown>;
    await storage.write({ [key]: { ...stored, notes: null, eTag: '*' } });
    expect((await handoffs.waiting()).map((r) => r.conversationId)).toEqual(['c-good']);
    expect(log.find('error', 'not of its shape')).toEqual([expect.objectContaining({ key, field: 'notes' })]);
  });
});
