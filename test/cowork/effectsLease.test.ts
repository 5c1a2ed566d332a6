/**
 * The effects pipeline across failures and instances, in memory (cowork/flow/effectsPipeline.ts): a
 * session finished by a sweep is never thanked twice and its Case is read first; the lease is
 * renewed during a slow send, so no other instance thanks the customer a second time; an instance
 * whose session was taken over stands down; the thank-you is given up after its window.
 */
import { MemoryStorage } from 'botbuilder';
import { CoworkService, type SessionEffects } from '../../cowork/coworkService';
import { PermanentCaseError } from '../../cowork/ports';
import { SessionRepository } from '../../cowork/stores/sessionRepository';
import {
  CASE_ID,
  HeldSend,
  InMemoryBus,
  InMemoryCases,
  RecordingEffects,
  RecordingLog,
  RecordingStatus,
  deps,
  effectsWith,
  event,
  instance,
  newerAnsweredFirst,
  refusedWith,
  started,
  waitFor,
} from './inMemoryCore';

function setup(effectsFor: (clock: { now: number }) => SessionEffects = () => new RecordingEffects()) {
  const [storage, cases, bus, clock, log] = [new MemoryStorage(), new InMemoryCases(), new InMemoryBus(), { now: Date.now() }, new RecordingLog()];
  const a = new CoworkService({ ...deps(storage, cases, bus, clock, 'a'), log, effects: effectsFor(clock) });
  const other = (name: string, effects: SessionEffects = new RecordingEffects()) => instance(storage, name, effects, cases, bus, clock);
  return { a, other, cases, clock, log };
}

describe('effects across failures and instances, in memory', () => {
  it("a Case write that failed after the thank-you is finished by the instance's own sweep, reading the Case first, without a second thank-you", async () => {
    const effects = new RecordingEffects();
    const { a, cases, clock } = setup(() => effects);
    const session = await started(a);
    cases.failNext.push(new Error('Salesforce unavailable'));
    await a.handleEvent(event('e1', session, 'Education'));
    expect(effects.thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([]);
    clock.now += 1500;
    await a.recoverInFlight();
    await a.effectsIdle();
    expect(effects.thanked).toEqual([session.key]);
    expect(effects.answeredCalls).toBe(1);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect(cases.readFirst).toEqual([true]);
  });

  it('a thank-you given up, then a Case write that failed: the sweep writes the Case and does not try the chat again', async () => {
    let calls = 0;
    const { a, cases, clock } = setup((c) =>
      effectsWith(async () => {
        calls++;
        if (calls === 2) c.now += 60_000; // the chat stayed away for the whole window
        throw new Error('channel refused the message');
      }),
    );
    const session = await started(a, 'gone');
    cases.failNext.push(new Error('Salesforce unavailable'));
    await a.handleEvent(event('e1', session, 'Education'));
    expect(calls).toBe(2);
    expect(cases.updates).toEqual([]);
    clock.now += 1500;
    await a.recoverInFlight();
    expect(calls).toBe(2);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
  });

  it('a slow send renews the lease once half of it is gone, so another instance does not thank the customer a second time', async () => {
    const leases: Array<string | null | undefined> = [];
    const taker = new RecordingEffects();
    const thanked: string[] = [];
    const core: ReturnType<typeof setup> = setup((clock) =>
      effectsWith(async (s, _labels, stillOurs) => {
        const t0 = clock.now;
        clock.now = t0 + 300; // less than half the 1 s lease gone: no renewal
        if (!(await stillOurs())) return false;
        leases.push((await core.a.get(s.key))?.effectsLeaseUntil);
        clock.now = t0 + 700; // more than half gone: renewed to now + 1 s
        if (!(await stillOurs())) return false;
        leases.push((await core.a.get(s.key))?.effectsLeaseUntil);
        clock.now = t0 + 1500; // past the first lease, inside the renewed one: no other instance takes over
        await core.other('b', taker).recoverInFlight();
        thanked.push(s.key);
        return true;
      }),
    );
    const { a, cases, clock } = core;
    const session = await started(a);
    const t0 = clock.now;
    await a.handleEvent(event('e1', session, 'Education'));
    expect(leases).toEqual([new Date(t0 + 1000).toISOString(), new Date(t0 + 700 + 1000).toISOString()]);
    expect(taker.answeredCalls).toBe(0);
    expect(thanked).toEqual([session.key]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
  });

  for (const takerName of ['b', 'a'])
    it(`an instance whose session was taken over (by ${takerName === 'a' ? 'a restart under the same name' : 'another instance'}) and not yet finished sends nothing`, async () => {
      const slow = new RecordingEffects();
      const held = new HeldSend((s, labels, stillOurs) => slow.answered(s, labels, stillOurs));
      const { a, other, clock, log } = setup(() => held);
      const session = await started(a);
      const handling = a.handleEvent(event('e1', session, 'Education'));
      await waitFor(async () => (await a.get(session.key))?.state === 'answered');
      clock.now += 1500;
      const taker = new RecordingEffects(true); // takes over, then hangs in its own send
      void other(takerName, taker).recoverInFlight();
      await waitFor(async () => taker.answeredCalls === 1);
      held.release();
      await handling;
      expect(slow.thanked).toEqual([]);
      expect(log.find('warn', 'another instance took over this session; standing down')).toEqual([
        { sessionKey: session.key, owner: takerName, state: 'answered' },
      ]);
    });

  it('the thank-you is given up once its window has passed, before the last attempt; what is recorded is cut to 500 characters, as text', async () => {
    const calls = new Map<string, number>();
    const { a, cases, log } = setup((clock) =>
      effectsWith(async (s) => {
        const n = (calls.get(s.conversationId) ?? 0) + 1;
        calls.set(s.conversationId, n);
        if (n === 1) throw new Error('channel refused the message');
        clock.now += 60_000; // the chat stayed away for the whole window
        throw s.conversationId === 'long' ? new Error('x'.repeat(600)) : 'refused';
      }),
    );
    const long = await started(a, 'long');
    await a.submit({ sessionKey: long.key, formToken: long.formToken, conversationId: 'long', raw: { useOfFunds: 'Education' } }); // so the next form does not replace it
    const text = await started(a, 'text');
    await Promise.all([a.handleEvent(event('e1', long, 'Education')), a.handleEvent(event('e2', text, 'Renovation Work'))]);
    expect([...calls.values()]).toEqual([2, 2]);
    expect(cases.updates).toHaveLength(2);
    expect(await a.get(long.key)).toMatchObject({ state: 'done', thankedAt: null, thankYouAttempts: 2, thankYouUndelivered: 'x'.repeat(500) });
    expect(await a.get(text.key)).toMatchObject({ state: 'done', thankedAt: null, thankYouAttempts: 2, thankYouUndelivered: 'refused' });
    expect(
      log
        .find('warn', 'the thank-you could not be delivered')
        .filter((l) => l.sessionKey === text.key)
        .map((l) => l.attempt),
    ).toEqual([1, 2]);
    expect(log.find('warn', 'thank-you given up: the Case is written without it').filter((l) => l.sessionKey === text.key)).toEqual([
      { sessionKey: text.key, caseId: CASE_ID, attempts: 2, reason: 'refused' },
    ]);
  });
});

describe('a slow Case write overtaken by another instance', () => {
  async function overtaken(outcome: 'written' | 'refused') {
    const [storage, cases, bus, clock, status] = [new MemoryStorage(), new InMemoryCases(), new InMemoryBus(), { now: Date.now() }, new RecordingStatus()];
    const slowEffects = new RecordingEffects();
    const a = instance(storage, 'a', slowEffects, cases, bus, clock, { status });
    const b = instance(storage, 'b', new RecordingEffects(), cases, bus, clock, { status });
    const session = await started(a);
    let release: () => void = () => undefined;
    cases.holdNext = new Promise<void>((resolve) => (release = resolve));
    const handling = a.handleEvent(event('e1', session, 'Education')); // thanked, then its Case write hangs past the lease
    await waitFor(async () => typeof (await a.get(session.key))?.thankedAt === 'string' && cases.holdNext === undefined);
    clock.now += 1500;
    await b.recoverInFlight(); // b takes over and finishes: the Case is written
    expect((await b.get(session.key))?.state).toBe('done');
    if (outcome === 'refused') cases.failNext.push(new PermanentCaseError('entity is deleted', 'ENTITY_IS_DELETED')); // a's late write is refused
    release();
    await handling;
    await Promise.all([a.effectsIdle(), b.effectsIdle()]);
    return { a, session, status, slowEffects, cases };
  }

  it("the late write's instance does not report the save again nor update the card again", async () => {
    const { a, session, status, slowEffects, cases } = await overtaken('written');
    expect(cases.updates).toHaveLength(2); // both wrote the same value (the write is idempotent)
    expect(status.statuses.filter((s) => s.state === 'saved')).toHaveLength(1);
    expect(slowEffects.savedKeys).toEqual([]);
    expect((await a.get(session.key))?.state).toBe('done');
  });

  it('a refusal that comes back after another instance saved the answer does not turn the session into a failure', async () => {
    const { a, session, status, slowEffects } = await overtaken('refused');
    expect((await a.get(session.key))?.state).toBe('done');
    expect(status.statuses.filter((s) => s.state === 'failed')).toEqual([]);
    expect(slowEffects.failedKeys).toEqual([]);
  });
});

describe("a failed send overtaken by another instance's thank-you", () => {
  it('the failure is not recorded over the thank-you, and the customer is not thanked again', async () => {
    const [storage, cases, bus, clock] = [new MemoryStorage(), new InMemoryCases(), new InMemoryBus(), { now: Date.now() }];
    const slowSend = new HeldSend(refusedWith('channel refused the message'));
    const a = instance(storage, 'a', slowSend, cases, bus, clock);
    const takerEffects = new RecordingEffects();
    const b = instance(storage, 'b', takerEffects, cases, bus, clock);
    const session = await started(a);
    const handling = a.handleEvent(event('e1', session, 'Education'));
    await waitFor(async () => slowSend.calls === 1);
    let releaseWrite: () => void = () => undefined;
    cases.holdNext = new Promise<void>((resolve) => (releaseWrite = resolve));
    clock.now += 1500;
    const taking = b.recoverInFlight(); // b takes over, thanks the customer, and its Case write is slow
    await waitFor(async () => typeof (await b.get(session.key))?.thankedAt === 'string');
    slowSend.release(); // a's late send fails now
    await handling;
    releaseWrite();
    await taking;
    await Promise.all([a.effectsIdle(), b.effectsIdle()]);
    expect(slowSend.calls).toBe(1);
    expect(takerEffects.thanked).toEqual([session.key]);
    const stored = await b.get(session.key);
    expect(stored?.state).toBe('done');
    expect(stored?.thankYouAttempts ?? 0).toBe(0);
    expect(stored?.thankYouUndelivered ?? null).toBeNull();
    expect(new Set(cases.updates.map((u) => u.Use_of_Funds__c))).toEqual(new Set(['Education']));
  });
});

describe("an older answer's late event handled by two instances", () => {
  /** A repository whose next `claimCaseAnswer` waits for `release` (an instance paused on a slow storage call). */
  class HeldClaims extends SessionRepository {
    reached = false;
    release: () => void = () => undefined;
    private gate: Promise<void> | undefined = new Promise<void>((resolve) => (this.release = resolve));
    override async claimCaseAnswer(caseId: string, formId: string, createdAt: number, sessionKey: string): Promise<boolean> {
      const gate = this.gate;
      this.gate = undefined;
      this.reached = true;
      if (gate) await gate;
      return super.claimCaseAnswer(caseId, formId, createdAt, sessionKey);
    }
  }

  it('the customer of the older answer is told once that a later answer is on the Case, though both instances find it so', async () => {
    const [storage, cases, bus, clock] = [new MemoryStorage(), new InMemoryCases(), new InMemoryBus(), { now: Date.now() }];
    const held = new HeldClaims(storage);
    const [slowEffects, takerEffects] = [new RecordingEffects(), new RecordingEffects()];
    const a = instance(storage, 'a', slowEffects, cases, bus, clock, { repository: held });
    const b = instance(storage, 'b', takerEffects, cases, bus, clock);
    const { older, olderCreated: olderEventCreated } = await newerAnsweredFirst(b, clock);
    await b.effectsIdle();
    // The older answer's event arrives late; a claims its session, then pauses before the Case's answer is compared.
    const handling = a.handleEvent({ ...event('older', older, 'Education'), createdDate: olderEventCreated });
    await waitFor(async () => held.reached);
    clock.now += 1500; // a's lease runs out: b's sweep takes the session over and finishes it
    await b.recoverInFlight();
    await b.effectsIdle();
    expect(takerEffects.supersededKeys).toEqual([older.key]);
    held.release();
    await handling;
    await a.effectsIdle();
    expect(slowEffects.supersededKeys).toEqual([]);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Renovation Work' }]);
    expect(await b.get(older.key)).toMatchObject({ state: 'done', failure: 'a later answer is already on the Case' });
  });
});

describe('a failed send overtaken by another instance that gave the thank-you up and wrote the Case', () => {
  it('the late failure changes nothing: the customer is not tried again, the Case is not written again, the give-up stays recorded', async () => {
    const [storage, cases, bus, clock] = [new MemoryStorage(), new InMemoryCases(), new InMemoryBus(), { now: Date.now() }];
    const slowSend = new HeldSend(refusedWith('the slow send failed'));
    const a = instance(storage, 'a', slowSend, cases, bus, clock);
    let takerSends = 0;
    const b = instance(
      storage,
      'b',
      effectsWith(async () => {
        takerSends++;
        if (takerSends === 2) clock.now += 60_000; // the chat stayed away for the whole window
        throw new Error('channel refused the message');
      }),
      cases,
      bus,
      clock,
    );
    const session = await started(a);
    const handling = a.handleEvent(event('e1', session, 'Education'));
    await waitFor(async () => slowSend.calls === 1);
    clock.now += 1500;
    await b.recoverInFlight(); // b takes over, fails twice, gives the thank-you up and writes the Case
    await b.effectsIdle();
    expect(await b.get(session.key)).toMatchObject({ state: 'done', thankedAt: null, thankYouUndelivered: 'channel refused the message' });
    slowSend.release(); // a's late send fails now
    await handling;
    await a.effectsIdle();
    expect(slowSend.calls).toBe(1);
    expect(takerSends).toBe(2);
    expect(cases.updates).toEqual([{ Use_of_Funds__c: 'Education' }]);
    expect(await b.get(session.key)).toMatchObject({ state: 'done', thankedAt: null, thankYouAttempts: 2, thankYouUndelivered: 'channel refused the message' });
  });
});
