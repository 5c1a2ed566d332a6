/**
 * Routing in memory (the fast twin of test/e2e/routingPromises.test.ts, and what Stryker runs against
 * cowork/eventRouting.ts): which session an event answers, and which it leaves alone.
 */
import { MemoryStorage } from 'botbuilder';
import { USE_OF_FUNDS_FORM } from '../../cowork/forms/useOfFunds';
import { normalizeId } from '../../cowork/salesforceId';
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
});
