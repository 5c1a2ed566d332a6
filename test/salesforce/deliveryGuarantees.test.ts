/**
 * The event stream as Salesforce really delivers it, through the adapter's own Pub/Sub client
 * against the simulator: a backlog with slow handlers, a first start, replay ids above 2^53 and
 * ids that go down, a field added to the event mid-stream, the delivery allocation.
 */
import { MemoryStorage } from 'botbuilder';

import type { EventSubscription, KeyValueStorage, PlatformEvent } from '../../cowork/ports';
import type { SalesforceOrg } from '../../salesforce';
import type { RunningSimulator, SimulatorOptions } from '../../simulator';
import { connect, startTestSimulator, until } from './harness';

const TOPIC = '/event/Use_of_Funds__e';
const EVENT = 'Use_of_Funds__e';
const CHECKPOINT_KEY = 'salesforce-replay-id:_event_Use_of_Funds__e';

/** A gate the handlers wait on until the test opens it (slow handlers, without timers). */
function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

function harness(options: SimulatorOptions = {}) {
  const state: { sim?: RunningSimulator } = {};
  const open: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    state.sim = await startTestSimulator(options);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
    state.sim?.org.clearFaults();
  });
  afterAll(async () => {
    await state.sim?.stop();
  });
  const sim = (): RunningSimulator => state.sim as RunningSimulator;
  return {
    sim,
    async org(storage: KeyValueStorage = new MemoryStorage(), tuning: Parameters<typeof connect>[1] = {}): Promise<SalesforceOrg> {
      const o = await connect(sim(), { storage, ...tuning });
      open.push(o);
      return o;
    },
    async subscribe(o: SalesforceOrg, handler: (e: PlatformEvent) => Promise<void>): Promise<EventSubscription> {
      const subscription = await o.eventBus.subscribe(TOPIC, handler);
      open.unshift(subscription);
      await until(() => subscription.state().connected, 5_000, 'the stream to be live');
      return subscription;
    },
    publish(caseIndex: number, reason: string, extra: Record<string, string> = {}): { eventUuid: string; replayIdText: string } {
      const c = sim().seed.cases[caseIndex % sim().seed.cases.length]!;
      return sim().org.publishEvent(EVENT, { Correlation_Id__c: c.id, Use_of_Fund_Reason__c: reason, ...extra });
    },
  };
}

async function storedReplayId(storage: KeyValueStorage): Promise<string | undefined> {
  const item = (await storage.read([CHECKPOINT_KEY]))[CHECKPOINT_KEY];
  return typeof item?.replayId === 'string' ? item.replayId : undefined;
}

describe('a backlog while the handlers are slow (idle close, keepalives)', () => {
  // The org closes a stream owed nothing after its idle window; keepalives keep coming meanwhile.
  const h = harness({ keepaliveIntervalMs: 40, idleStreamTimeoutMs: 300 });

  it('handles all 150 events exactly once, without a restart, after the stream sat with nothing requested', async () => {
    const slow = gate();
    const handled: string[] = [];
    const o = await h.org();
    const subscription = await h.subscribe(o, async (e) => {
      await slow.wait();
      handled.push(e.id);
    });
    await until(() => subscription.state().lastKeepaliveAt !== null, 5_000, 'a first keepalive');
    const published = Array.from({ length: 150 }, (_, i) => h.publish(i, 'Education').eventUuid);
    // 100 events run (the most a stream may owe), nothing more is requested, keepalives come, the org closes the stream.
    const reconnectsBefore = subscription.state().reconnects;
    await until(() => subscription.state().reconnects >= reconnectsBefore + 1, 10_000, 'the idle stream to be closed and reopened');
    slow.open();
    await until(() => handled.length >= 150, 15_000, 'all 150 events handled');
    expect([...handled].sort()).toEqual([...published].sort());
    expect(new Set(handled).size).toBe(150);
  });
});

describe('positions', () => {
  const h = harness();

  it('records the LATEST position on a first start, so events published while it was down are handled after a restart', async () => {
    const storage = new MemoryStorage();
    const first = await h.org(storage);
    const s1 = await h.subscribe(first, async () => undefined);
    await until(() => s1.state().lastKeepaliveAt !== null, 5_000, 'a first keepalive');
    await s1.close();
    await first.close();

    const whileDown = h.publish(0, 'Education').eventUuid;
    const second = await h.org(storage);
    const after: string[] = [];
    await h.subscribe(second, async (e) => void after.push(e.id));
    await until(() => after.includes(whileDown), 5_000, 'the event published while the bot was down');
    expect(after).toEqual([whileDown]);
  });

  it('checkpoints the position Salesforce sent after a fallback to EARLIEST, even when it is below the rejected one', async () => {
    const storage = new MemoryStorage();
    await storage.write({ [CHECKPOINT_KEY]: { replayId: '18446744073709551000', eTag: '*' } });
    const o = await h.org(storage);
    const received: string[] = [];
    const subscription = await o.eventBus.subscribe(TOPIC, async (e) => void received.push(e.id));
    await until(() => subscription.state().reconnects === 1 && subscription.state().connected, 5_000, 'the fallback to EARLIEST');
    const fresh = h.publish(1, 'Other');
    await until(() => received.includes(fresh.eventUuid), 5_000, 'the new event');
    await subscription.close();
    expect(await storedReplayId(storage)).toBe(fresh.replayIdText);
  });
});

describe('replay ids are opaque bytes', () => {
  // Real replay ids are 8 bytes and exceed 2^53: a Number cannot hold them.
  const h = harness({ firstReplayId: 2n ** 53n + 1n });

  it('resumes exactly after an id above 2^53 on restart: no fallback, nothing replayed twice', async () => {
    const storage = new MemoryStorage();
    const first = await h.org(storage);
    const before: string[] = [];
    const s1 = await h.subscribe(first, async (e) => void before.push(e.id));
    const seen = h.publish(0, 'Education');
    await until(() => before.includes(seen.eventUuid), 5_000, 'the first event');
    await s1.close();
    await first.close();
    expect(await storedReplayId(storage)).toBe(seen.replayIdText);

    const whileDown = [h.publish(0, 'Other').eventUuid, h.publish(0, 'Vehicle Purchase').eventUuid];
    const second = await h.org(storage);
    const after: string[] = [];
    const s2 = await h.subscribe(second, async (e) => void after.push(e.id));
    await until(() => whileDown.every((id) => after.includes(id)), 5_000, 'the events published while down');
    expect(after).toEqual(whileDown);
    expect(s2.state()).toMatchObject({ reconnects: 0, lastError: null });
  });

  it('keeps handling events when the org renumbers its replay ids lower (a migration), and checkpoints the new ones', async () => {
    const storage = new MemoryStorage();
    const o = await h.org(storage);
    const handled: string[] = [];
    const subscription = await h.subscribe(o, async (e) => void handled.push(e.id));
    const old = h.publish(2, 'Education').eventUuid;
    await until(() => handled.includes(old), 5_000, 'the event before the migration');
    h.sim().org.renumberReplayIds(1000n);
    const renumbered = [h.publish(2, 'Other'), h.publish(3, 'Education')];
    await until(() => renumbered.every((e) => handled.includes(e.eventUuid)), 5_000, 'the events after the migration');
    await subscription.close();
    expect(await storedReplayId(storage)).toBe(renumbered[1]!.replayIdText);
  });
});

describe('schema evolution (an admin adds a field to the event)', () => {
  const h = harness();
  const schemaCalls = (): number => h.sim().org.pubSubCallCounts().GetSchema ?? 0;

  it('fetches the new schema once and hands events over in delivery order, even when a lookup finishes late', async () => {
    const storage = new MemoryStorage();
    const o = await h.org(storage);
    const handled: Array<{ id: string; note: unknown }> = [];
    const subscription = await h.subscribe(o, async (e) => void handled.push({ id: e.id, note: e.payload.Use_Note__c }));
    const first = h.publish(0, 'Education').eventUuid;
    await until(() => handled.length === 1, 5_000, 'an event with the first schema');

    h.sim().org.addEventField(EVENT, { name: 'Use_Note__c' });
    h.sim().org.slowSchemaLookups(500, 1); // the first lookup of the new schema is slow; any later one is not
    const lookupsBefore = schemaCalls();
    const second = h.publish(0, 'Other', { Use_Note__c: 'added field' }).eventUuid;
    await until(() => schemaCalls() > lookupsBefore, 5_000, 'the new schema to be looked up');
    const third = h.publish(0, 'Vehicle Purchase', { Use_Note__c: 'again' }).eventUuid;
    await until(() => handled.length >= 3, 5_000, 'the events with the new schema');
    expect(handled).toEqual([
      { id: first, note: undefined },
      { id: second, note: 'added field' },
      { id: third, note: 'again' },
    ]);
    expect(schemaCalls() - lookupsBefore).toBe(1);
    await subscription.close();
    expect(await storedReplayId(storage)).toBe(
      h
        .sim()
        .org.publishedEvents(EVENT)
        .find((e) => e.eventUuid === third)?.replayIdText,
    );
  });

  it('publishes again over the Pub/Sub API when its cached schema went stale', async () => {
    const o = await h.org();
    const received: string[] = [];
    await h.subscribe(o, async (e) => void received.push(e.id));
    const caseId = h.sim().seed.cases[1]!.id;
    expect((await o.eventBus.publish(TOPIC, { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: 'Education' })).via).toBe('pubsub');
    h.sim().org.addEventField(EVENT, { name: 'Use_Later__c' });
    const result = await o.eventBus.publish(TOPIC, { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: 'Other' });
    expect(result.via).toBe('pubsub');
    const event = h.sim().org.publishedEvents(EVENT).at(-1);
    expect(event?.payload).toMatchObject({ Correlation_Id__c: caseId, Use_of_Fund_Reason__c: 'Other', Use_Later__c: null });
    await until(() => event !== undefined && received.includes(event.eventUuid), 5_000, 'the republished event');
  });
});

describe('the delivery allocation', () => {
  const h = harness({ deliveryAllocationPerDay: 6 });

  it('counts every delivery, warns at the configured share, and reports the refusal once the org has none left', async () => {
    const o = await h.org(new MemoryStorage(), { deps: { tuning: { deliveryAllocation: { perDay: 6, warnShare: 0.5 } } } });
    const handled: string[] = [];
    const subscription = await h.subscribe(o, async (e) => void handled.push(e.id));
    const published = [0, 1, 2].map((i) => h.publish(i, 'Education').eventUuid);
    await until(() => handled.length === 3, 5_000, 'three events');
    expect(subscription.state().deliveries).toMatchObject({ last24h: 3, allocationPerDay: 6, usedShare: 0.5, warning: true });
    for (let i = 0; i < 4; i++) published.push(h.publish(i, 'Other').eventUuid);
    await until(() => subscription.state().lastError?.includes('delivery allocation') === true, 5_000, 'the refusal');
    expect(handled).toEqual(published.slice(0, 6));
    expect(h.sim().org.deliveryAllocation()).toMatchObject({ perDay: 6, used: 6, remaining: 0 });
    expect(subscription.state().deliveries?.last24h).toBe(6);
  });
});

describe('the watchdog at the real proportions, scaled down 100 times', () => {
  // Real: keepalives at most every 270 s, idle close after ~65 s owed nothing, watchdog 300 s.
  const h = harness({ keepaliveIntervalMs: 2_700, idleStreamTimeoutMs: 650 });

  it('keeps a quiet stream on keepalives alone, and resubscribes when it dies silently', async () => {
    const o = await h.org(new MemoryStorage(), { deps: { tuning: { watchdogMs: 3_000, reconnectBackoff: { initialMs: 20, maxMs: 100 } } } });
    const handled: string[] = [];
    const subscription = await h.subscribe(o, async (e) => void handled.push(e.id));
    const seen = new Set<string>();
    await until(
      () => {
        const at = subscription.state().lastKeepaliveAt;
        if (at !== null) seen.add(at);
        return seen.size >= 2;
      },
      10_000,
      'two keepalives',
    );
    // Longer than the watchdog and than the idle window: the stream is still the first one.
    expect(subscription.state()).toMatchObject({ reconnects: 0, connected: true });

    h.sim().org.stallStreams();
    await until(() => subscription.state().reconnects >= 1, 10_000, 'the watchdog to resubscribe');
    expect(subscription.state().lastError).toMatch(/no event or keepalive/);
    h.sim().org.releaseStreams();
    const after = h.publish(0, 'Education').eventUuid;
    await until(() => handled.includes(after), 5_000, 'the event after the silent death');
  });
});
