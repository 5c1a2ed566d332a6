/**
 * Two instances of the co-work core over one storage (in-memory ports): exactly one performs an
 * event's effects, and when that one dies mid-way, the other finishes after the lease.
 */
import { MemoryStorage } from 'botbuilder';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import { MAX_THANK_YOU_ATTEMPTS } from '../../cowork/flow/effectsPipeline';
import { CoworkService } from '../../cowork/coworkService';
import type { PlatformEvent } from '../../cowork/ports';
import { CASE_ID, InMemoryBus, InMemoryCases, RecordingEffects, deps, event, instance, started, waitFor } from './inMemoryCore';

describe('two instances over one storage', () => {
  it('perform the effects of an event seen by both exactly once', async () => {
    const storage = new MemoryStorage();
    const cases = new InMemoryCases();
    const bus = new InMemoryBus();
    const clock = { now: Date.now() };
    const effectsA = new RecordingEffects();
    const effectsB = new RecordingEffects();
    const a = instance(storage, 'a', effectsA, cases, bus, clock);
    const b = instance(storage, 'b', effectsB, cases, bus, clock);
    const session = await started(a);
    const e = event('e1', session, 'Education');
    await Promise.all([a.handleEvent(e), b.handleEvent(e), a.handleEvent(e), b.handleEvent(e)]);
    expect(effectsA.answeredCalls + effectsB.answeredCalls).toBe(1);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect((await a.get(session.key))?.state).toBe('done');
  });

  it('finish the work of an instance that died between the claim and the effects, after its lease', async () => {
    const storage = new MemoryStorage();
    const cases = new InMemoryCases();
    const bus = new InMemoryBus();
    const clock = { now: Date.now() };
    const dying = new RecordingEffects(true);
    const healthy = new RecordingEffects();
    const a = instance(storage, 'a', dying, cases, bus, clock);
    const b = instance(storage, 'b', healthy, cases, bus, clock);
    const session = await started(a);
    void a.handleEvent(event('e1', session, 'Renovation Work')); // never completes: instance a is gone
    await waitFor(async () => (await b.get(session.key))?.state === 'answered');
    await b.handleEvent(event('e1', session, 'Renovation Work')); // b's own copy of the event stands down
    await b.recoverInFlight(); // lease still held by a: nothing to do yet
    expect(healthy.answeredCalls).toBe(0);
    clock.now += 1500;
    await b.recoverInFlight();
    expect(healthy.answeredCalls).toBe(1);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Renovation Work' }]);
    const done = await b.get(session.key);
    expect(done?.state).toBe('done');
    expect(done?.effectsOwner).toBe('b');
    await b.recoverInFlight();
    expect(healthy.answeredCalls).toBe(1);
  });

  it('republish a submitted answer whose event did not come back, once across instances', async () => {
    const storage = new MemoryStorage();
    const cases = new InMemoryCases();
    const bus = new InMemoryBus();
    const clock = { now: Date.now() };
    const a = instance(storage, 'a', new RecordingEffects(), cases, bus, clock);
    const b = instance(storage, 'b', new RecordingEffects(), cases, bus, clock);
    const session = await started(a);
    const outcome = await a.submit({ sessionKey: session.key, formToken: session.formToken, conversationId: 'conv', raw: { useOfFunds: 'Education' } });
    expect(outcome.kind).toBe('accepted');
    expect(bus.published).toHaveLength(1);
    await Promise.all([a.recoverInFlight(), b.recoverInFlight()]);
    expect(bus.published).toHaveLength(1); // not due yet
    clock.now += 6000;
    await Promise.all([a.recoverInFlight(), b.recoverInFlight()]);
    expect(bus.published).toHaveLength(2);
    expect(bus.published[1]).toEqual(bus.published[0]);
  });
});

describe('what the review found', () => {
  function setup(): { a: CoworkService; effects: RecordingEffects; cases: InMemoryCases; bus: InMemoryBus; clock: { now: number } } {
    const storage = new MemoryStorage();
    const cases = new InMemoryCases();
    const bus = new InMemoryBus();
    const clock = { now: Date.now() };
    const effects = new RecordingEffects();
    return { a: instance(storage, 'a', effects, cases, bus, clock), effects, cases, bus, clock };
  }

  it('does not answer a session past its expiry whose reminder was lost (restart), and refuses its form', async () => {
    const { a, effects, cases, clock } = setup();
    const stale = await started(a, 'old-conversation');
    clock.now += 3_600_000 + 1000; // past the TTL, and no reminder ran (a fresh process after a restart)
    const event: PlatformEvent = {
      id: 'late',
      replayId: '1',
      createdDate: clock.now,
      topic: USE_OF_FUNDS_FORM.topic,
      payload: { Correlation_Id__c: stale.caseId, Use_of_Fund_Reason__c: 'Education' },
    };
    await a.handleEvent(event);
    expect(effects.thanked).toEqual([]);
    expect(cases.updates).toEqual([]);
    expect((await a.get(stale.key))?.state).toBe('expired');
    const late = await started(a, 'late-submit');
    clock.now += 3_600_000 + 1000;
    expect((await a.submit({ sessionKey: late.key, formToken: late.formToken, conversationId: 'late-submit', raw: { useOfFunds: 'Education' } })).kind).toBe(
      'stale_form',
    );
  });

  it('keeps retrying an answer through a publishing outage, and completes it from the stored answer if no event ever comes back', async () => {
    const { a, effects, cases, bus, clock } = setup();
    const session = await started(a);
    bus.down = true;
    const outcome = await a.submit({ sessionKey: session.key, formToken: session.formToken, conversationId: 'conv', raw: { useOfFunds: 'Education' } });
    expect(outcome).toMatchObject({ kind: 'accepted', published: false });
    for (let i = 0; i < 6; i++) {
      clock.now += 6000;
      await a.recoverInFlight();
    }
    expect((await a.get(session.key))?.state).toBe('submitted'); // an outage uses up no attempt
    bus.down = false;
    for (let i = 0; i < 4; i++) {
      clock.now += 6000;
      await a.recoverInFlight();
    }
    expect(bus.published).toHaveLength(3); // published three times, no event came back
    expect(effects.thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect((await a.get(session.key))?.state).toBe('done');
  });

  it('answers the sessions of a Case even when one conversation fails, and thanks the failed one on a later attempt', async () => {
    const { a, effects, cases, clock } = setup();
    const broken = await started(a, 'broken');
    // Answered by its customer: it waits for its own event, and a newer form does not replace it.
    await a.submit({ sessionKey: broken.key, formToken: broken.formToken, conversationId: 'broken', raw: { useOfFunds: 'Education' } });
    const fine = await started(a, 'fine');
    expect((await a.get(broken.key))?.state).toBe('submitted');
    effects.refusesNext.set('broken', 1);
    await a.handleEvent({
      id: 'own-event',
      replayId: '1',
      topic: USE_OF_FUNDS_FORM.topic,
      payload: { Correlation_Id__c: CASE_ID, Session_Key__c: broken.key, Use_of_Fund_Reason__c: 'Education' },
    });
    // Without a session key, the event answers the current form only.
    await a.handleEvent({
      id: 'agent-event',
      replayId: '2',
      createdDate: clock.now,
      topic: USE_OF_FUNDS_FORM.topic,
      payload: { Correlation_Id__c: CASE_ID, Use_of_Fund_Reason__c: 'Education' },
    });
    expect(effects.thanked).toEqual([broken.key, fine.key]);
    expect(await a.get(broken.key)).toMatchObject({ state: 'done', thankYouAttempts: 1, thankYouUndelivered: null });
    expect(cases.updates).toHaveLength(2);
  });

  it('writes the Case without the thank-you once a conversation refused it MAX_THANK_YOU_ATTEMPTS times, and retries nothing', async () => {
    const { a, effects, cases } = setup();
    const broken = await started(a, 'broken');
    await a.submit({ sessionKey: broken.key, formToken: broken.formToken, conversationId: 'broken', raw: { useOfFunds: 'Education' } });
    effects.failingConversations.add('broken');
    await a.handleEvent(event('own-event', broken, 'Education'));
    expect(effects.answeredCalls).toBe(MAX_THANK_YOU_ATTEMPTS);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect(await a.get(broken.key)).toMatchObject({ state: 'done', thankedAt: null, thankYouUndelivered: 'channel refused the message' });
    await a.recoverInFlight();
    expect(effects.answeredCalls).toBe(MAX_THANK_YOU_ATTEMPTS);
  });

  it('a slow instance whose session was taken over sends nothing', async () => {
    const storage = new MemoryStorage();
    const cases = new InMemoryCases();
    const bus = new InMemoryBus();
    const clock = { now: Date.now() };
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowEffects = new RecordingEffects();
    const slow = new CoworkService({
      ...deps(storage, cases, bus, clock, 'slow'),
      effects: {
        ...slowEffects,
        answered: async (s, l, stillOurs) => {
          await gate;
          return slowEffects.answered(s, l, stillOurs);
        },
        expired: async () => undefined,
        failed: async () => undefined,
      },
    });
    const otherEffects = new RecordingEffects();
    const other = instance(storage, 'other', otherEffects, cases, bus, clock);
    const session = await started(slow);
    const handling = slow.handleEvent(event('e1', session, 'Education')); // waits for its conversation
    await waitFor(async () => (await other.get(session.key))?.state === 'answered');
    clock.now += 1500;
    await other.recoverInFlight(); // the slow one's lease ran out: taken over and finished
    expect(otherEffects.thanked).toEqual([session.key]);
    release();
    await handling;
    expect(slowEffects.thanked).toEqual([]);
    expect(cases.updates).toHaveLength(1);
  });
});
