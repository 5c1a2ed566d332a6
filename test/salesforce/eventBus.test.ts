/**
 * The EventBus through the real Pub/Sub client and jsforce, against the simulator: publishing
 * both ways, one stream per topic, and the stream surviving what real streams go through.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { MemoryStorage } from 'botbuilder';

import type { EventSubscription, PlatformEvent } from '../../cowork/ports';
import type { SalesforceOrg } from '../../salesforce';
import type { AccessGrant } from '../../salesforce/connection';
import { GrpcPublisher } from '../../salesforce/grpcPublisher';
import { PUBSUB_ERROR_CODE, type RunningSimulator } from '../../simulator';
import { connect, startTestSimulator, until } from './harness';

const TOPIC = '/event/Use_of_Funds__e';
const EVENT = 'Use_of_Funds__e';

describe('SalesforceEventBus against the simulator', () => {
  let sim: RunningSimulator;
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
    sim.org.clearFaults();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  async function org(options: Parameters<typeof connect>[1] = {}): Promise<SalesforceOrg> {
    const o = await connect(sim, options);
    open.push(o);
    return o;
  }

  async function subscribe(o: SalesforceOrg, handler: (e: PlatformEvent) => Promise<void>): Promise<EventSubscription> {
    const subscription = await o.eventBus.subscribe(TOPIC, handler);
    open.unshift(subscription);
    await until(() => subscription.state().connected, 5_000, 'the stream to be live');
    return subscription;
  }

  /** An event published "from elsewhere" (an agent's flow), straight into the org. */
  function publishInOrg(caseId: string, reason: string): { eventUuid: string; replayId: number } {
    return sim.org.publishEvent(EVENT, { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: reason });
  }

  it('publishes over Pub/Sub and delivers the decoded event to the one stream of the topic', async () => {
    const o = await org();
    const received: PlatformEvent[] = [];
    await subscribe(o, async (e) => void received.push(e));
    await expect(o.eventBus.subscribe(TOPIC, async () => undefined)).rejects.toThrow(/one stream per topic/);

    const caseId = sim.seed.cases[0]!.id;
    const result = await o.eventBus.publish(TOPIC, { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: 'Education', Session_Key__c: null });
    expect(result.via).toBe('pubsub');
    await until(() => received.length === 1);
    // Over gRPC the org mints the EventUuid itself; the publish answers with our correlation key only.
    expect(received[0]).toMatchObject({ topic: TOPIC, payload: { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: 'Education', Session_Key__c: null } });
    expect(received[0]!.replayId).toMatch(/^\d+$/);
    expect(sim.org.publishedEvents(EVENT).map((e) => e.eventUuid)).toContain(received[0]!.id);
  });

  it('asks for the topic schema once, not on every publish, and again after a publish failed', async () => {
    const o = await org();
    const calls = (method: string): number => sim.org.pubSubCallCounts()[method] ?? 0;
    const before = { topic: calls('GetTopic'), publish: calls('Publish') };
    for (const reason of ['Education', 'Other', 'Vehicle Purchase']) {
      expect((await o.eventBus.publish(TOPIC, { Correlation_Id__c: sim.seed.cases[0]!.id, Use_of_Fund_Reason__c: reason })).via).toBe('pubsub');
    }
    expect({ topic: calls('GetTopic') - before.topic, publish: calls('Publish') - before.publish }).toEqual({ topic: 1, publish: 3 });

    // The token dies under the publisher: it logs in again, asks for the schema again, and still publishes over gRPC.
    sim.org.expireTokens();
    expect((await o.eventBus.publish(TOPIC, { Correlation_Id__c: sim.seed.cases[0]!.id, Use_of_Fund_Reason__c: 'Other' })).via).toBe('pubsub');
    expect(calls('GetTopic') - before.topic).toBe(2);
    expect(sim.org.publishedEvents(EVENT).filter((e) => e.payload.Correlation_Id__c === sim.seed.cases[0]!.id).length).toBeGreaterThanOrEqual(4);
  });

  const grant = (): AccessGrant => ({
    accessToken: sim.org.authority.issueToken(),
    instanceUrl: sim.instanceUrl,
    organizationId: sim.orgId,
    userId: '005000000000001AAA',
  });
  const record = (): Record<string, unknown> => ({
    CreatedDate: Date.now(),
    CreatedById: '005000000000001AAA',
    Correlation_Id__c: { string: sim.seed.cases[2]!.id },
    Use_of_Fund_Reason__c: { string: 'Education' },
    Session_Key__c: null,
  });

  it('asks for the schema again once it is five minutes old (an admin may have changed the event)', async () => {
    let now = Date.now();
    const publisher = new GrpcPublisher({ endpoint: sim.pubSubEndpoint, trustedCaPem: sim.caCert }, grant, () => now);
    const topicCalls = (): number => sim.org.pubSubCallCounts().GetTopic ?? 0;
    try {
      const before = topicCalls();
      await publisher.publish(TOPIC, record(), 'ttl-1', 5_000);
      now += 4 * 60_000;
      await publisher.publish(TOPIC, record(), 'ttl-2', 5_000);
      expect(topicCalls() - before).toBe(1);
      now += 2 * 60_000;
      await publisher.publish(TOPIC, record(), 'ttl-3', 5_000);
      expect(topicCalls() - before).toBe(2);
    } finally {
      publisher.close();
    }
  });

  it("checks the Pub/Sub server's certificate: trusted with the simulator's CA, refused without it", async () => {
    const trusting = new GrpcPublisher({ endpoint: sim.pubSubEndpoint, trustedCaPem: sim.caCert }, grant);
    const stranger = new GrpcPublisher({ endpoint: sim.pubSubEndpoint }, grant);
    try {
      await expect(trusting.publish(TOPIC, record(), 'trusted-1', 5_000)).resolves.toMatchObject({ eventUuid: 'trusted-1' });
      await expect(stranger.publish(TOPIC, record(), 'stranger-1', 5_000)).rejects.toMatchObject({ code: GrpcStatus.UNAVAILABLE });
    } finally {
      trusting.close();
      stranger.close();
    }
  });

  it('falls back to REST publish when the Pub/Sub API cannot be reached', async () => {
    const o = await org({ config: { pubSubEndpoint: '127.0.0.1:1' } });
    const result = await o.eventBus.publish(TOPIC, { Correlation_Id__c: sim.seed.cases[1]!.id, Use_of_Fund_Reason__c: 'Other' });
    expect(result.via).toBe('rest');
    expect(sim.org.publishedEvents(EVENT).find((e) => e.eventUuid === result.eventUuid)).toBeDefined();
  });

  it('handles every event exactly once, in order per Case, while the server ends the stream 10 times', async () => {
    const o = await org();
    const handled: Array<{ uuid: string; caseId: string; seq: number }> = [];
    const subscription = await subscribe(o, async (e) => {
      handled.push({ uuid: e.id, caseId: String(e.payload.Correlation_Id__c), seq: Number(e.payload.Use_of_Fund_Reason__c) });
    });
    const cases = sim.seed.cases.map((c) => c.id);
    const published: string[] = [];
    let seq = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 6; i++) published.push(publishInOrg(cases[seq % cases.length]!, String(seq++)).eventUuid);
      await until(() => subscription.state().connected, 5_000, 'a live stream');
      sim.org.endStreams({ code: GrpcStatus.UNAVAILABLE, errorCode: PUBSUB_ERROR_CODE.unavailable, details: 'injected by the test' });
      for (let i = 0; i < 3; i++) published.push(publishInOrg(cases[seq % cases.length]!, String(seq++)).eventUuid);
      await until(() => subscription.state().reconnects > round, 5_000, 'the resubscription');
    }
    await until(() => handled.length >= published.length, 15_000, 'every event handled');
    expect(subscription.state().reconnects).toBeGreaterThanOrEqual(10);
    expect(handled.map((h) => h.uuid).sort()).toEqual([...published].sort());
    for (const caseId of cases) {
      const seqs = handled.filter((h) => h.caseId === caseId).map((h) => h.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });

  it('resubscribes when the watchdog sees neither event nor keepalive', async () => {
    const o = await org({ deps: { tuning: { watchdogMs: 600, reconnectBackoff: { initialMs: 20, maxMs: 100 } } } });
    const received: string[] = [];
    const subscription = await subscribe(o, async (e) => void received.push(e.id));
    sim.org.stallStreams();
    await until(() => subscription.state().reconnects >= 1, 5_000, 'the watchdog to resubscribe');
    expect(subscription.state().lastError).toMatch(/no event or keepalive/);
    sim.org.releaseStreams();
    const { eventUuid } = publishInOrg(sim.seed.cases[0]!.id, 'Education');
    await until(() => received.includes(eventUuid), 5_000, 'the event after the stall');
  });

  it('resumes after the stored replay id on restart and receives what was published while down', async () => {
    const storage = new MemoryStorage();
    const caseId = sim.seed.cases[0]!.id;
    const first = await org({ storage });
    const before: string[] = [];
    const s1 = await subscribe(first, async (e) => void before.push(e.id));
    const seen = publishInOrg(caseId, 'Education').eventUuid;
    await until(() => before.includes(seen));
    await s1.close();
    await first.close();

    const whileDown = [publishInOrg(caseId, 'Other').eventUuid, publishInOrg(caseId, 'Vehicle Purchase').eventUuid];
    const second = await org({ storage });
    const after: string[] = [];
    await subscribe(second, async (e) => void after.push(e.id));
    await until(() => whileDown.every((id) => after.includes(id)), 5_000, 'the events published while down');
    expect(after).toEqual(whileDown);
  });

  it('falls back to EARLIEST once when the stored replay id is corrupted, without looping on it', async () => {
    const storage = new MemoryStorage();
    const retained = sim.org.publishedEvents(EVENT).map((e) => e.eventUuid);
    await storage.write({ 'salesforce-replay-id:_event_Use_of_Funds__e': { replayId: '987654321987', eTag: '*' } });
    const o = await org({ storage });
    const received: string[] = [];
    const subscription = await o.eventBus.subscribe(TOPIC, async (e) => void received.push(e.id));
    open.unshift(subscription);
    await until(() => retained.every((id) => received.includes(id)), 5_000, 'the retained events replayed from EARLIEST');
    expect(subscription.state().reconnects).toBe(1);
    expect(subscription.state().lastError).toMatch(/replayid/i);
    expect(new Set(received).size).toBe(received.length);
    const stored = (await storage.read(['salesforce-replay-id:_event_Use_of_Funds__e']))['salesforce-replay-id:_event_Use_of_Funds__e'];
    await until(() => Number((stored?.replayId as string) ?? 0) < 987654321987, 2_000, 'the checkpoint to move to a real replay id');
  });
});
