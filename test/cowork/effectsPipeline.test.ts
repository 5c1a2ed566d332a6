/**
 * The effects pipeline in memory (cowork/flow/effectsPipeline.ts, what Stryker runs against it): the Case
 * is written exactly once and never depends on the thank-you; a refused Case write, a later answer
 * already on the Case and the card update after the save, as the customer, the panel and the sweep see them.
 */
import { MemoryStorage } from 'botbuilder';
import { PermanentCaseError } from '../../cowork/ports';
import { MAX_THANK_YOU_ATTEMPTS } from '../../cowork/flow/effectsPipeline';
import {
  CASE_ID,
  HeldSend,
  InMemoryBus,
  InMemoryCases,
  RecordingEffects,
  event,
  instance,
  newerAnsweredFirst,
  started,
  waitFor,
  memoryCore,
} from './inMemoryCore';

const core = memoryCore;

describe('effects pipeline, in memory', () => {
  it('thanks the customer, writes the Case once, tells the panel it is saved and updates the form card', async () => {
    const { a, cases, effects, status, log } = core();
    const session = await started(a);
    await a.handleEvent(event('e1', session, 'Education'));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect(status.statuses.slice(-1)).toEqual([
      { caseId: CASE_ID, sessionKey: session.key, state: 'saved', answer: 'Education', detail: 'The answer is saved on the Case.' },
    ]);
    expect(effects.savedKeys).toEqual([session.key]);
    const done = await a.get(session.key);
    expect(done).toMatchObject({ state: 'done', effectsLeaseUntil: null });
    expect(typeof done?.thankedAt).toBe('string');
    expect(typeof done?.caseUpdatedAt).toBe('string');
    expect(log.find('info', 'co-work session done')).toEqual([{ sessionKey: session.key, caseId: CASE_ID }]);
  });

  it('effectsIdle waits for the card update the effects do not wait for', async () => {
    const { a, effects } = core();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const saved = effects.saved.bind(effects);
    effects.saved = async (s) => {
      await gate;
      return saved(s);
    };
    const session = await started(a);
    await a.handleEvent(event('e1', session, 'Education'));
    let idle = false;
    const idling = a.effectsIdle().then(() => (idle = true));
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    expect(effects.savedKeys).toEqual([]);
    release();
    await idling;
    expect(effects.savedKeys).toEqual([session.key]);
  });

  it('an answered session completed again while its effects run (a sweep, a redelivery) is thanked and written once', async () => {
    const [storage, cases, bus, clock, recording] = [new MemoryStorage(), new InMemoryCases(), new InMemoryBus(), { now: Date.now() }, new RecordingEffects()];
    const slowTurn = new HeldSend((s, labels, stillOurs) => recording.answered(s, labels, stillOurs)); // the customer's turn is slow
    const a = instance(storage, 'a', slowTurn, cases, bus, clock);
    const session = await started(a);
    const handling = a.handleEvent(event('e1', session, 'Education'));
    await waitFor(async () => slowTurn.calls === 1);
    const again = a.completeAnswered((await a.get(session.key))!);
    slowTurn.release();
    await Promise.all([handling, again]);
    await a.effectsIdle();
    expect(slowTurn.calls).toBe(1);
    expect(recording.thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
  });

  it('a Case write the org refuses for good fails the session: the customer and the panel are told, nothing is retried', async () => {
    const { a, other, cases, effects, clock, status, log } = core();
    const session = await started(a);
    cases.failNext.push(new PermanentCaseError('entity is deleted', 'ENTITY_IS_DELETED'));
    await expect(a.handleEvent(event('e1', session, 'Education'))).resolves.toBeUndefined();
    await a.effectsIdle();
    expect(await a.get(session.key)).toMatchObject({ state: 'failed', failure: 'ENTITY_IS_DELETED: entity is deleted' });
    expect(effects.failedKeys).toEqual([session.key]);
    expect(effects.savedKeys).toEqual([]);
    expect(status.statuses.slice(-1)).toEqual([
      {
        caseId: CASE_ID,
        sessionKey: session.key,
        state: 'failed',
        answer: 'Education',
        detail: 'The Case could not be updated: ENTITY_IS_DELETED: entity is deleted',
      },
    ]);
    expect(log.find('error', 'Case update refused')).toEqual([
      { sessionKey: session.key, caseId: CASE_ID, errorCode: 'ENTITY_IS_DELETED', error: 'entity is deleted' },
    ]);
    clock.now += 5000;
    await other('b').recoverInFlight(); // no longer in flight: the sweep does not write it again
    expect(cases.updates).toEqual([]);
  });

  it('a later answer already on the Case: the older one is not written, its customer is told, and it leaves the in-flight list', async () => {
    const { a, other, cases, effects, clock, log } = core();
    const { older, newer, olderCreated } = await newerAnsweredFirst(a, clock);
    await a.handleEvent({ ...event('older', older, 'Education'), createdDate: olderCreated });
    await a.effectsIdle();
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Renovation Work' }]);
    expect(await a.get(older.key)).toMatchObject({ state: 'done', failure: 'a later answer is already on the Case', effectsLeaseUntil: null });
    expect(effects.thanked).toEqual([newer.key]);
    expect(effects.supersededKeys).toEqual([older.key]);
    expect(log.find('info', 'a later answer is already on the Case')).toEqual([
      { sessionKey: older.key, caseId: CASE_ID, givenAt: new Date(olderCreated).toISOString() },
    ]);
    clock.now += 5000;
    await other('b').recoverInFlight();
    expect(cases.updates).toHaveLength(1);
  });

  it('a chat that never takes the thank-you: the Case is written all the same, the panel hears the customer was not thanked, the card is left alone', async () => {
    const { a, cases, effects, status } = core();
    const session = await started(a, 'gone');
    effects.failingConversations.add('gone');
    await a.handleEvent(event('e1', session, 'Education'));
    await a.effectsIdle();
    expect(effects.answeredCalls).toBe(MAX_THANK_YOU_ATTEMPTS);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect(status.statuses.slice(-1)).toEqual([
      {
        caseId: CASE_ID,
        sessionKey: session.key,
        state: 'saved',
        answer: 'Education',
        detail: 'The answer is saved on the Case. The customer could not be reached: they were not thanked in the chat.',
      },
    ]);
    expect(effects.savedKeys).toEqual([]);
  });

  it('a card update that fails after the save changes nothing: the session is done, the operator is told', async () => {
    const { a, cases, effects, log } = core();
    const session = await started(a);
    effects.savedFails = true;
    await a.handleEvent(event('e1', session, 'Education'));
    await a.effectsIdle();
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect((await a.get(session.key))?.state).toBe('done');
    expect(log.find('warn', 'telling the conversation the Case was saved failed')).toEqual([
      { err: expect.objectContaining({ message: 'card update refused' }), sessionKey: session.key },
    ]);
  });
});
