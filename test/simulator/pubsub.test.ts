/**
 * The Pub/Sub API as the real `salesforce-pubsub-api-client` sees it: publish over REST and
 * gRPC, subscribe from LATEST / EARLIEST / a stored replay id, flow control past 100 events,
 * keepalives, the idle close, and the failures a subscriber must handle.
 */
import type { Connection } from 'jsforce';
import { PUBSUB_ERROR_CODE, startSimulator, type RunningSimulator } from '../../simulator';
import { clientCredentialsConnection, errorCodeOf, pubSubClient, recorder, TOPIC, trustSimulator, waitFor, type PubSubClient } from './support';

const UNAUTHENTICATED = 16;
const INVALID_ARGUMENT = 3;

let sim: RunningSimulator;
let conn: Connection;
const clients: PubSubClient[] = [];
const subscriptions: Array<ReturnType<typeof recorder>> = [];

/** A recorder whose subscription is ended and awaited after the test. */
function track(): ReturnType<typeof recorder> {
  const r = recorder();
  subscriptions.push(r);
  return r;
}

async function client(target = sim, token?: string, overrides?: { instanceUrl?: string; organizationId?: string }): Promise<PubSubClient> {
  const c = await pubSubClient(target, token ?? conn.accessToken ?? '', overrides);
  clients.push(c);
  return c;
}

function publishFromFlow(target: RunningSimulator, reason: string, caseId = target.seed.cases[0]?.id ?? ''): number {
  return target.org.publishEvent('Use_of_Funds__e', { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: reason }).replayId;
}

beforeAll(async () => {
  sim = await startSimulator({ keepaliveIntervalMs: 200 });
  trustSimulator(sim.caCert);
  conn = await clientCredentialsConnection(sim);
});

afterEach(async () => {
  // PubSubApiClient.close() detaches its listeners before cancelling open subscriptions, and the
  // cancelled call's 'error' then has no listener and kills the process: end streams server-side first.
  sim.org.endStreams({ code: 1, errorCode: 'test.teardown', details: 'test finished' });
  await waitFor('every subscription to see its end', () => subscriptions.every((r) => r.recorded.ended));
  subscriptions.length = 0;
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await sim?.stop();
});

describe('publish and subscribe', () => {
  it('an event published over REST reaches a LATEST subscriber with its EventUuid and fields', async () => {
    const c = await client();
    const { recorded, callback } = track();
    c.subscribe(TOPIC, callback);
    await waitFor('the stream to open', () => sim.org.openStreamCount() === 1);

    const kase = sim.seed.cases[1];
    const result = (await conn.sobject('Use_of_Funds__e').create({
      Correlation_Id__c: kase?.id,
      Use_of_Fund_Reason__c: 'Education',
      Session_Key__c: 'session-123',
    })) as unknown as { id: string; success: boolean; errors: Array<{ statusCode: string; message: string }> };
    expect(result.success).toBe(true);
    expect(result.id).toMatch(/^e00/);
    expect(result.errors[0]?.statusCode).toBe('OPERATION_ENQUEUED');

    await waitFor('the event', () => recorded.events.length === 1);
    const event = recorded.events[0];
    expect(event?.id).toBe(result.errors[0]?.message);
    expect(event?.payload).toMatchObject({
      Correlation_Id__c: kase?.id,
      Use_of_Fund_Reason__c: 'Education',
      Session_Key__c: 'session-123',
      CreatedById: sim.userId,
    });
    expect(typeof event?.payload.CreatedDate).toBe('number');
  });

  it('an event published over gRPC is answered with its replay id and delivered', async () => {
    const c = await client();
    const { recorded, callback } = track();
    c.subscribe(TOPIC, callback);
    await waitFor('the stream to open', () => sim.org.openStreamCount() === 1);
    const published = await c.publish(
      TOPIC,
      {
        CreatedDate: Date.now(),
        CreatedById: sim.userId,
        Correlation_Id__c: { string: sim.seed.cases[0]?.id },
        Use_of_Fund_Reason__c: { string: 'Other' },
        Session_Key__c: null,
      },
      'my-correlation-key',
    );
    expect(published.correlationKey).toBe('my-correlation-key');
    await waitFor('the event', () => recorded.events.length === 1);
    expect(recorded.events[0]?.replayId).toBe(published.replayId);
    expect(recorded.events[0]?.payload.Use_of_Fund_Reason__c).toBe('Other');
  });

  it('replay: EARLIEST gets retained events, a stored replay id resumes right after it', async () => {
    const ids = ['Renovation Work', 'Debt Consolidation', 'Vehicle Purchase'].map((r) => publishFromFlow(sim, r));
    expect(ids[1]! - ids[0]!).toBeGreaterThan(1); // increasing, not contiguous
    const early = await client();
    const fromStart = track();
    early.subscribeFromEarliestEvent(TOPIC, fromStart.callback, null);
    await waitFor('all retained events', () => fromStart.recorded.events.some((e) => e.replayId === ids[2]));
    expect(fromStart.recorded.events.map((e) => e.replayId)).toEqual(sim.org.publishedEvents('Use_of_Funds__e').map((e) => e.replayId));

    const resumed = await client();
    const afterFirst = track();
    resumed.subscribeFromReplayId(TOPIC, afterFirst.callback, null, ids[0]!);
    await waitFor('the two later events', () => afterFirst.recorded.events.length === 2);
    expect(afterFirst.recorded.events.map((e) => e.payload.Use_of_Fund_Reason__c)).toEqual(['Debt Consolidation', 'Vehicle Purchase']);
  });

  it('flow control: a batch of N delivers N, an endless subscription keeps asking past 100', async () => {
    const bounded = await client();
    const five = track();
    bounded.subscribe(TOPIC, five.callback, 5);
    const endless = await client(); // the client asks 100 at a time and renews when they arrive
    const all = track();
    endless.subscribe(TOPIC, all.callback);
    await waitFor('both streams to open', () => sim.org.openStreamCount() === 2);

    for (let i = 0; i < 250; i++) publishFromFlow(sim, `batch ${i}`);
    await waitFor('250 events on the endless subscription', () => all.recorded.events.length === 250, 10_000);
    expect(all.recorded.events.map((e) => e.payload.Use_of_Fund_Reason__c)).toEqual(Array.from({ length: 250 }, (_, i) => `batch ${i}`));
    await waitFor('the bounded subscription to be served', () => five.recorded.lastEvent);
    expect(five.recorded.events).toHaveLength(5);
  });

  it('keepalives carry the latest replay id while nothing happens', async () => {
    const c = await client();
    const { recorded, callback } = track();
    const latest = publishFromFlow(sim, 'before the subscription');
    c.subscribe(TOPIC, callback);
    await waitFor('two keepalives', () => recorded.keepalives >= 2, 3_000);
    expect(recorded.events).toHaveLength(0); // LATEST: the earlier event is not replayed
    expect(recorded.keepaliveReplayId).toBe(latest);
  });
});

describe('failures a subscriber must handle', () => {
  it('a token the org never issued fails with UNAUTHENTICATED and the auth error code', async () => {
    const c = await client(sim, `${sim.orgId.slice(0, 15)}!not-a-token`);
    const { recorded, callback } = track();
    c.subscribe(TOPIC, callback);
    await waitFor('the stream to end', () => recorded.ended);
    expect(recorded.errors[0]?.code).toBe(UNAUTHENTICATED);
    expect(errorCodeOf(recorded.errors[0])).toBe(PUBSUB_ERROR_CODE.auth);
    await expect(c.publish(TOPIC, {})).rejects.toMatchObject({ cause: { code: UNAUTHENTICATED } });
  });

  it('a valid token sent with another tenant or instance is refused too', async () => {
    for (const overrides of [{ organizationId: '00D000000000001AAA' }, { instanceUrl: 'https://other.my.salesforce.com' }]) {
      const c = await client(sim, undefined, overrides);
      const { recorded, callback } = track();
      c.subscribe(TOPIC, callback);
      await waitFor('the stream to end', () => recorded.ended);
      expect(errorCodeOf(recorded.errors[0])).toBe(PUBSUB_ERROR_CODE.auth);
    }
  });

  it('a replay id that is unknown, or expired from retention, is "corrupted"', async () => {
    const unknown = await client();
    const first = track();
    unknown.subscribeFromReplayId(TOPIC, first.callback, null, 42);
    await waitFor('the stream to end', () => first.recorded.ended);
    expect(first.recorded.errors[0]?.code).toBe(INVALID_ARGUMENT);
    expect(errorCodeOf(first.recorded.errors[0])).toBe(PUBSUB_ERROR_CODE.replayIdCorrupted);

    const stored = publishFromFlow(sim, 'soon expired');
    sim.org.expireEvents();
    const expired = await client();
    const second = track();
    expired.subscribeFromReplayId(TOPIC, second.callback, null, stored);
    await waitFor('the stream to end', () => second.recorded.ended);
    expect(errorCodeOf(second.recorded.errors[0])).toBe(PUBSUB_ERROR_CODE.replayIdCorrupted);
  });

  it('an unknown topic is "topic not found"', async () => {
    const c = await client();
    const { recorded, callback } = track();
    c.subscribe('/event/No_Such_Event__e', callback);
    await waitFor('the stream to end', () => recorded.ended);
    expect(errorCodeOf(recorded.errors[0])).toBe(PUBSUB_ERROR_CODE.topicNotFound);
  });

  it('a stream owed nothing for the idle timeout is closed, and the client is told it ended', async () => {
    const idle = await startSimulator({ idleStreamTimeoutMs: 300, keepaliveIntervalMs: 100, seed: false });
    try {
      const token = (await clientCredentialsConnection(idle)).accessToken ?? '';
      const c = await client(idle, token);
      const { recorded, callback } = track();
      c.subscribe(TOPIC, callback, 1);
      await waitFor('the stream to open', () => idle.org.openStreamCount() === 1);
      idle.org.publishEvent('Use_of_Funds__e', { Use_of_Fund_Reason__c: 'Other' });
      await waitFor('the idle stream to end', () => recorded.ended, 3_000);
      expect(recorded.events).toHaveLength(1);
      expect(idle.org.openStreamCount()).toBe(0);
    } finally {
      await idle.stop();
    }
  });
});
