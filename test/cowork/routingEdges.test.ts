/**
 * Routing in memory, the edges (what Stryker found no test for in cowork/flow/eventRouting.ts): events the
 * bot must refuse and what the operator is told then (the log is their only signal), what the agent's
 * panel is told, an expired form, failures before and after the claim, a late event of an older answer,
 * and the Case's current form among several pending sessions.
 */
import { MemoryStorage } from 'botbuilder';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import { currentForm } from '../../cowork/coworkService';
import { newSession, type CoworkSession, type SessionState } from '../../cowork/domain/session';
import type { PlatformEvent } from '../../cowork/ports';
import type { FormSpec } from '../../cowork/domain/formSpec';
import { CASE_ID, InMemoryBus, InMemoryCases, RecordingEffects, event, instance, started, memoryCore } from './inMemoryCore';

/** A storage whose writes fail while `down` (a storage outage). */
class FlakyStorage extends MemoryStorage {
  down = false;
  override async write(changes: Parameters<MemoryStorage['write']>[0]): Promise<void> {
    if (this.down) throw new Error('storage unavailable');
    return super.write(changes);
  }
}

const core = memoryCore;

const keyless = (id: string, caseId: string, answer: string, fields: Record<string, unknown> = {}): PlatformEvent => ({
  id,
  replayId: id,
  topic: USE_OF_FUNDS_FORM.topic,
  payload: { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: answer, ...fields },
});

const submit = (a: ReturnType<typeof core>['a'], s: CoworkSession, answer: string, conversationId = 'conv') =>
  a.submit({ sessionKey: s.key, formToken: s.formToken, conversationId, raw: { useOfFunds: answer } });

describe('routing, in memory: events refused, and what the operator is told', () => {
  it('an event on a topic no form listens to, or whose Case Id is no text, answers nothing and does not fail', async () => {
    const { a, effects, cases, log } = core();
    const session = await started(a);
    const keyed = event('e1', session, 'Education');
    await expect(a.handleEvent({ ...keyed, topic: '/event/Other__e' })).resolves.toBeUndefined();
    await expect(a.handleEvent({ ...keyed, id: 'e2', payload: { ...keyed.payload, Correlation_Id__c: 500 } })).resolves.toBeUndefined();
    // A number whose digits look like a Case Id (a misconfigured flow) is no Case Id either: refused, not a crash the stream redelivers.
    await expect(a.handleEvent({ ...keyed, id: 'e3', payload: { ...keyed.payload, Correlation_Id__c: 500000000000001 } })).resolves.toBeUndefined();
    await a.effectsIdle();
    expect(effects.thanked).toEqual([]);
    expect(cases.updates).toEqual([]);
    expect(log.find('warn', 'no valid Case Id in its correlation field')).toEqual(['e2', 'e3'].map((eventId) => ({ eventId, topic: USE_OF_FUNDS_FORM.topic })));
  });

  it('a session key this bot did not issue is refused, however close to one, and the operator is told', async () => {
    const { a, effects, log } = core();
    const session = await started(a);
    const keyed = event('e', session, 'Education');
    const forged = [`x${session.key}`, `${session.key}x`, session.key.slice(1), session.key.toUpperCase(), session.key.replace(/^./, 'g')];
    for (const [i, key] of forged.entries()) await a.handleEvent({ ...keyed, id: `e${i}`, payload: { ...keyed.payload, Session_Key__c: key } });
    await a.effectsIdle();
    expect(effects.thanked).toEqual([]);
    expect((await a.get(session.key))?.state).toBe('form_sent');
    expect(log.find('warn', 'its session key is not one this bot issues')).toEqual(forged.map((_, i) => ({ eventId: `e${i}`, caseId: CASE_ID })));
  });

  it("a well-formed key of no session answers nothing (not the Case's current form), and the operator is told", async () => {
    const { a, effects, log } = core();
    const session = await started(a);
    const keyed = event('unknown-key', session, 'Education');
    await a.handleEvent({ ...keyed, payload: { ...keyed.payload, Session_Key__c: 'f'.repeat(32) } });
    await a.effectsIdle();
    expect(effects.thanked).toEqual([]);
    expect((await a.get(session.key))?.state).toBe('form_sent');
    expect(log.find('info', 'no waiting session for it')).toEqual([{ eventId: 'unknown-key', caseId: CASE_ID }]);
  });

  it('an answer that does not fit the form answers nothing, and the operator is told what is wrong', async () => {
    const { a, effects, cases, log } = core();
    const session = await started(a);
    await a.handleEvent(event('casino', session, 'Casino Trip'));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([]);
    expect(cases.updates).toEqual([]);
    const [line] = log.find('warn', 'its answer does not fit the form');
    expect(line).toMatchObject({ eventId: 'casino', sessionKey: session.key });
    expect(line?.problems).toEqual(expect.arrayContaining([expect.objectContaining({ inputId: 'useOfFunds' })]));
  });

  it('a stale event without session key answers nothing, and the operator is told which sessions it skipped and why', async () => {
    const { a, effects, clock, log } = core();
    const session = await started(a);
    const createdAt = clock.now - 60_000;
    await a.handleEvent(keyless('stale', CASE_ID, 'Education', { CreatedDate: createdAt }));
    await a.handleEvent(keyless('undated', CASE_ID, 'Education'));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([]);
    expect(log.find('info', 'event ignored for sessions started after it was created')).toEqual([
      { eventId: 'stale', createdDate: new Date(createdAt).toISOString(), marginMs: 5000, clockMeasured: false, sessionKeys: [session.key] },
      { eventId: 'undated', createdDate: 'unknown', marginMs: undefined, clockMeasured: undefined, sessionKeys: [session.key] },
    ]);
    // A fresh event answers, and says nothing about skipped sessions.
    clock.now += 1000;
    await a.handleEvent(keyless('fresh', CASE_ID, 'Education', { CreatedDate: clock.now }));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([session.key]);
    expect(log.find('info', 'event ignored for sessions started after it was created')).toHaveLength(2);
  });

  it("a blank (null) session key, as an agent's flow leaves it, is no session key: the event answers the current form", async () => {
    const { a, effects, cases, clock } = core();
    const session = await started(a);
    clock.now += 1000;
    await a.handleEvent(keyless('agent', CASE_ID, 'Education', { Session_Key__c: null, CreatedDate: clock.now }));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
  });
});

describe('routing, in memory: what the panel and the Case are told', () => {
  it("the panel hears where the answer came from; a keyed answer is written without reading the Case, an agent's after reading it", async () => {
    const { a, cases, clock, status, log } = core();
    const first = await started(a, 'conv-a');
    await a.handleEvent(event('from-salesforce', first, 'Education'));
    await a.effectsIdle();
    clock.now += 1000;
    const second = await started(a, 'conv-b');
    clock.now += 1000;
    await a.handleEvent(keyless('from-agent', CASE_ID, 'Renovation Work', { CreatedDate: clock.now }));
    await a.effectsIdle();
    expect(status.statuses.filter((s) => s.state === 'answered')).toEqual([
      { caseId: CASE_ID, sessionKey: first.key, state: 'answered', answer: 'Education', detail: 'The answer came back from Salesforce.' },
      { caseId: CASE_ID, sessionKey: second.key, state: 'answered', answer: 'Renovation Work', detail: 'Answered for the Case (an agent or a flow).' },
    ]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }, { Use_of_Funds__c: 'Renovation Work' }]);
    expect(cases.readFirst).toEqual([false, true]);
    const stored = await a.get(first.key);
    expect(stored).toMatchObject({ state: 'done', answers: { useOfFunds: 'Education' }, answeredByEventId: 'from-salesforce', effectsOwner: 'a' });
    // With status events off, the log is the only record of which event answered which session.
    expect(log.find('info', 'event answered the session')).toEqual([
      { eventId: 'from-salesforce', sessionKey: first.key, caseId: CASE_ID },
      { eventId: 'from-agent', sessionKey: second.key, caseId: CASE_ID },
    ]);
  });

  it("two forms answered on one topic: a keyed event answers its session with its own form's field, not the other form's", async () => {
    const input = USE_OF_FUNDS_FORM.inputs[0]!;
    const second: FormSpec = {
      ...USE_OF_FUNDS_FORM,
      id: 'purpose',
      inputs: [{ ...input, eventField: { name: 'Purpose__c', length: 255 }, caseField: 'Purpose__c' } as FormSpec['inputs'][number]],
    };
    const [storage, cases, bus, effects, clock] = [new MemoryStorage(), new InMemoryCases(), new InMemoryBus(), new RecordingEffects(), { now: Date.now() }];
    const a = instance(storage, 'a', effects, cases, bus, clock, { forms: [USE_OF_FUNDS_FORM, second] });
    const outcome = await a.start({ caseRef: CASE_ID, form: second, conversationId: 'conv', conversationReference: {}, userId: 'u' });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    const session = outcome.session;
    // One event type serving both forms carries both fields; this session's form reads Purpose__c.
    await a.handleEvent({
      ...event('shared', session, 'Renovation Work'),
      payload: { ...event('shared', session, 'Renovation Work').payload, Purpose__c: 'Education' },
    });
    await a.effectsIdle();
    expect(effects.thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([{ Purpose__c: 'Education' }]);
    expect((await a.get(session.key))?.answers).toEqual({ useOfFunds: 'Education' });
  });

  it('an answer to a form that expired (its reminder was lost) is refused: the customer and the panel are told it expired', async () => {
    const { a, effects, cases, clock, status, log } = core();
    const session = await started(a);
    clock.now += 3_600_000;
    await a.handleEvent(event('too-late', session, 'Education'));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([]);
    expect(cases.updates).toEqual([]);
    expect((await a.get(session.key))?.state).toBe('expired');
    expect(effects.expiredKeys).toEqual([session.key]);
    expect(status.statuses.map((s) => s.state)).toEqual(['form_sent', 'expired']);
    expect(log.find('info', 'the session had expired')).toEqual([{ eventId: 'too-late', sessionKey: session.key }]);
  });

  it("a late event of an older answer does not overwrite the Case's later answer", async () => {
    const { a, cases, clock } = core();
    const older = await started(a, 'conv-a');
    await submit(a, older, 'Education', 'conv-a');
    clock.now += 1000;
    const newer = await started(a, 'conv-b');
    clock.now += 1000;
    const olderEventCreated = clock.now;
    clock.now += 1000;
    await a.handleEvent({ ...event('newer', newer, 'Renovation Work'), createdDate: clock.now });
    await a.effectsIdle();
    clock.now += 1000; // the older answer's event is delivered late, after the newer one
    await a.handleEvent({ ...event('older', older, 'Education'), createdDate: olderEventCreated });
    await a.effectsIdle();
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Renovation Work' }]);
    expect((await a.get(older.key))?.answerGivenAt).toBe(olderEventCreated);
  });
});

describe('routing, in memory: failures', () => {
  it('a failure before the claim fails the handler (the event is delivered again) and loses nothing', async () => {
    const storage = new FlakyStorage();
    const { a, effects, cases, log } = core({ storage });
    const session = await started(a);
    storage.down = true;
    await expect(a.handleEvent(event('e1', session, 'Education'))).rejects.toThrow('storage unavailable');
    expect(log.find('error', 'failed before it was claimed')).toEqual([
      { err: expect.objectContaining({ message: 'storage unavailable' }), eventId: 'e1', sessionKey: session.key },
    ]);
    storage.down = false;
    await a.handleEvent(event('e1', session, 'Education'));
    await a.effectsIdle();
    expect(effects.thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
  });

  it('a redelivered event of a finished session writes nothing: during a storage outage it still resolves (no redelivery loop)', async () => {
    const storage = new FlakyStorage();
    const { a, effects, cases } = core({ storage });
    const session = await started(a);
    await a.handleEvent(event('e1', session, 'Education'));
    await a.effectsIdle();
    storage.down = true;
    await expect(a.handleEvent(event('e1', session, 'Education'))).resolves.toBeUndefined();
    storage.down = false;
    await a.effectsIdle();
    expect(effects.thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
  });

  it('a failure after the claim does not fail the handler: the session stays in flight and the sweep writes the Case after the lease', async () => {
    const { a, other, cases, clock, log } = core();
    const session = await started(a);
    const outage = new Error('Salesforce unavailable');
    cases.failNext.push(outage);
    await expect(a.handleEvent(event('e1', session, 'Education'))).resolves.toBeUndefined();
    expect(log.find('error', 'the in-flight sweep will finish it')).toEqual([{ err: outage, eventId: 'e1', sessionKey: session.key }]);
    expect((await a.get(session.key))?.state).toBe('answered');
    const b = other('b');
    await b.recoverInFlight(); // a's lease still holds
    expect(cases.updates).toEqual([]);
    clock.now += 1500;
    await b.recoverInFlight();
    await b.effectsIdle();
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect((await b.get(session.key))?.state).toBe('done');
  });
});

describe("currentForm: the Case's form an event without session key answers", () => {
  const at = (key: string, state: SessionState, createdAt: number): CoworkSession => ({
    ...newSession(
      {
        key,
        caseId: CASE_ID,
        caseNumber: '1',
        chatSession: null,
        formId: 'use-of-funds',
        formToken: key,
        conversationId: key,
        conversationReference: {},
        userId: 'u',
        choices: {},
      },
      createdAt,
      60_000,
    ),
    state,
  });
  const keys = (sessions: CoworkSession[]) => currentForm(sessions).map((s) => s.key);

  it('is the form still waiting for its customer, even if a submitted one is newer', () => {
    const waiting = at('waiting', 'form_sent', 1000);
    const submitted = at('submitted', 'submitted', 2000);
    expect(keys([waiting, submitted])).toEqual(['waiting']);
    expect(keys([submitted, waiting])).toEqual(['waiting']);
  });

  it('else the newest submitted one, whatever the order the Case lists them in', () => {
    const older = at('older', 'submitted', 1000);
    const newer = at('newer', 'submitted', 2000);
    const newest = at('newest', 'submitted', 3000);
    expect(keys([older, newest, newer])).toEqual(['newest']);
    expect(keys([newest, older, newer])).toEqual(['newest']);
    expect(keys([newer, older])).toEqual(['newer']);
  });

  it('is nothing when the Case has no pending session', () => {
    expect(currentForm([])).toHaveLength(0);
  });
});
