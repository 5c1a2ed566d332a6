/**
 * The simulator's Subscribe stream as the org delivers it, read raw (the adapter's subscriber,
 * replay ids as bytes): keepalives carry the subscription's position and CUSTOM replay takes it
 * back, a field added at runtime gives a new schema id while older events keep theirs, and the
 * delivery allocation refuses subscribers once spent.
 */
import { PUBSUB_ERROR_CODE } from '../../simulator';
import { rawSubscriptions, waitFor, type RawStream } from './support';

const EVENT = 'Use_of_Funds__e';

describe('Subscribe as the org delivers it', () => {
  const rig = rawSubscriptions({
    host: '127.0.0.1',
    restPort: 0,
    pubSubPort: 0,
    keepaliveIntervalMs: 30,
    idleStreamTimeoutMs: 60_000,
    deliveryAllocationPerDay: 1_000,
  });
  const { open } = rig;
  const events = (o: RawStream) => o.responses.flatMap((r) => r.events);
  const keepalives = (o: RawStream) => o.responses.filter((r) => r.events.length === 0);
  const publish = (reason: string) => rig.sim.org.publishEvent(EVENT, { Correlation_Id__c: rig.sim.seed.cases[0]!.id, Use_of_Fund_Reason__c: reason });

  it("reports the subscription's own position in keepalives, not the topic's newest event, and CUSTOM replay resumes there", async () => {
    const stream = open({ preset: 'LATEST' }, 2);
    await waitFor('a first keepalive', () => keepalives(stream).length > 0);
    const published = [publish('Education'), publish('Other'), publish('Vehicle Purchase')];
    await waitFor('the two events requested', () => events(stream).length === 2);
    const count = keepalives(stream).length;
    await waitFor('a keepalive after them', () => keepalives(stream).length > count);
    const position = keepalives(stream).at(-1)!.latestReplayId!;
    expect(position.readBigUInt64BE().toString()).toBe(published[1]!.replayIdText);
    stream.cancel();

    const resumed = open({ preset: 'CUSTOM', replayId: position }, 10);
    await waitFor('the event after the position', () => events(resumed).length === 1);
    expect(events(resumed).map((e) => e.id)).toEqual([published[2]!.eventUuid]);
    expect(resumed.errors).toEqual([]);
  });

  it('gives an event a new schema id once a field is added; events published before keep the old one', async () => {
    const before = publish('Education');
    const oldSchema = rig.sim.org.publishedEvents(EVENT).find((e) => e.eventUuid === before.eventUuid)!.schemaId;
    const newSchema = rig.sim.org.addEventField(EVENT, { name: 'Added_Note__c', length: 80 });
    expect(newSchema).not.toBe(oldSchema);
    const after = rig.sim.org.publishEvent(EVENT, { Correlation_Id__c: rig.sim.seed.cases[0]!.id, Added_Note__c: 'hello' });

    const replay = open({ preset: 'EARLIEST' }, 100);
    await waitFor('both events replayed', () => events(replay).some((e) => e.id === after.eventUuid));
    const byId = new Map(events(replay).map((e) => [e.id, e.schemaId]));
    expect(byId.get(before.eventUuid)).toBe(oldSchema);
    expect(byId.get(after.eventUuid)).toBe(newSchema);
    await expect(rig.subscriber.getSchema(rig.grant(), oldSchema, 5_000)).resolves.not.toContain('Added_Note__c');
    await expect(rig.subscriber.getSchema(rig.grant(), newSchema, 5_000)).resolves.toContain('Added_Note__c');
  });

  it('counts every delivery to every subscriber and refuses once the daily allocation is spent', async () => {
    rig.sim.org.setDeliveryAllocation(3, true);
    try {
      const a = open({ preset: 'LATEST' }, 10);
      const b = open({ preset: 'LATEST' }, 10);
      await waitFor('both streams live', () => keepalives(a).length > 0 && keepalives(b).length > 0);
      publish('Education');
      publish('Other'); // four deliveries wanted, three allowed
      await waitFor('three deliveries, then a refusal', () => events(a).length + events(b).length === 3 && a.errors.length + b.errors.length === 1);
      const refused = [...a.errors, ...b.errors][0]!;
      expect(refused.code).toBe(8); // RESOURCE_EXHAUSTED
      expect(refused.metadata?.get('error-code')[0]).toBe(PUBSUB_ERROR_CODE.deliveryAllocationExceeded);
      expect(rig.sim.org.deliveryAllocation()).toEqual({ perDay: 3, used: 3, remaining: 0 });

      const late = open({ preset: 'LATEST' }, 10);
      await waitFor('a new subscriber refused', () => late.errors.length === 1);
      expect(late.errors[0]!.code).toBe(8);
    } finally {
      rig.sim.org.setDeliveryAllocation(1_000, true);
    }
  });
});
