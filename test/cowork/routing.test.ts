/**
 * Routing in memory (the fast twin of test/e2e/routingPromises.test.ts, and what Stryker runs against
 * cowork/flow/eventRouting.ts): which session an event answers, and which it leaves alone.
 */
import { MemoryStorage } from 'botbuilder';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import { normalizeId } from '../../util/salesforceId';
import { InMemoryBus, InMemoryCases, RecordingEffects, event, instance, started } from './inMemoryCore';

describe('routing, in memory (the fast twin of test/e2e/routingPromises.test.ts)', () => {
  it("a keyed event answers its own session only; the Case's newer form in another conversation keeps waiting", async () => {
    const [storage, cases, bus, effects, clock] = [new MemoryStorage(), new InMemoryCases(), new InMemoryBus(), new RecordingEffects(), { now: Date.now() }];
    const a = instance(storage, 'a', effects, cases, bus, clock);
    const mine = await started(a, 'conv-a');
    expect((await a.submit({ sessionKey: mine.key, formToken: mine.formToken, conversationId: 'conv-a', raw: { useOfFunds: 'Education' } })).kind).toBe(
      'accepted',
    );
    clock.now += 1000;
    const newer = await started(a, 'conv-b');
    await a.handleEvent(event('e1', mine, 'Education'));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([mine.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect((await a.get(newer.key))?.state).toBe('form_sent');
    // An event without session key (an agent's) answers the Case's current form: the newer one.
    clock.now += 1000;
    await a.handleEvent({
      id: 'e2',
      replayId: '2',
      topic: USE_OF_FUNDS_FORM.topic,
      payload: { Correlation_Id__c: newer.caseId, Use_of_Fund_Reason__c: 'Renovation Work', CreatedDate: clock.now },
    });
    await a.effectsIdle();
    expect(effects.thanked).toEqual([mine.key, newer.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }, { Use_of_Funds__c: 'Renovation Work' }]);
  });

  it('an event naming a session of another Case, or no session this bot issues, answers nothing', async () => {
    const [storage, cases, bus, effects, clock] = [new MemoryStorage(), new InMemoryCases(), new InMemoryBus(), new RecordingEffects(), { now: Date.now() }];
    const a = instance(storage, 'a', effects, cases, bus, clock);
    const session = await started(a);
    const keyed = event('e1', session, 'Education');
    await a.handleEvent({ ...keyed, payload: { ...keyed.payload, Correlation_Id__c: normalizeId('500Sm0000000002') as string } });
    await a.handleEvent({ ...keyed, id: 'e2', payload: { ...keyed.payload, Session_Key__c: 'not-a-session-key' } });
    await a.handleEvent({ ...keyed, id: 'e3', payload: { ...keyed.payload, Correlation_Id__c: '003000000000001' } });
    await a.handleEvent({ ...keyed, id: 'e4', payload: { ...keyed.payload, Use_of_Fund_Reason__c: 'Casino Trip' } });
    await a.effectsIdle();
    expect(effects.thanked).toEqual([]);
    expect(cases.updates).toEqual([]);
    expect((await a.get(session.key))?.state).toBe('form_sent');
  });

  function core() {
    const [storage, cases, bus, effects, clock] = [new MemoryStorage(), new InMemoryCases(), new InMemoryBus(), new RecordingEffects(), { now: Date.now() }];
    return { a: instance(storage, 'a', effects, cases, bus, clock), cases, effects, clock };
  }
  const keyless = (id: string, caseId: string, answer: string, createdDate: number, sessionKey?: string) => ({
    id,
    replayId: id,
    topic: USE_OF_FUNDS_FORM.topic,
    createdDate,
    payload: { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: answer, ...(sessionKey === undefined ? {} : { Session_Key__c: sessionKey }) },
  });

  it("an event without session key answers the Case's form still waiting for its customer, not an older one submitted and waiting for its event", async () => {
    const { a, effects, clock } = core();
    const older = await started(a, 'conv-a');
    await a.submit({ sessionKey: older.key, formToken: older.formToken, conversationId: 'conv-a', raw: { useOfFunds: 'Education' } });
    clock.now += 1000;
    const newer = await started(a, 'conv-b');
    clock.now += 1000;
    await a.handleEvent(keyless('agent', newer.caseId, 'Renovation Work', clock.now));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([newer.key]);
    expect((await a.get(older.key))?.state).toBe('submitted');
  });

  it('an empty session key is no session key: the event answers the current form', async () => {
    const { a, effects, clock } = core();
    const session = await started(a);
    clock.now += 1000;
    await a.handleEvent(keyless('empty-key', session.caseId, 'Education', clock.now, ''));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([session.key]);
  });

  it('an event without session key created before the form was started answers nothing (a stale answer)', async () => {
    const { a, effects, cases, clock } = core();
    const session = await started(a);
    await a.handleEvent(keyless('stale', session.caseId, 'Education', clock.now - 3_600_000));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([]);
    expect(cases.updates).toEqual([]);
    expect((await a.get(session.key))?.state).toBe('form_sent');
  });

  it('a submitted answer never expires: its event, even after the time to live, completes it', async () => {
    const { a, effects, cases, clock } = core();
    const session = await started(a);
    await a.submit({ sessionKey: session.key, formToken: session.formToken, conversationId: 'conv', raw: { useOfFunds: 'Education' } });
    clock.now += 3_600_000 + 1000;
    await a.handleEvent(event('late-but-submitted', session, 'Education'));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
  });
});
