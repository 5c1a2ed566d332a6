/**
 * Several co-work statuses in one publish, through the real publisher against the simulator: one
 * Pub/Sub `Publish` call for the batch, every event in order, and over REST when gRPC is unreachable.
 */
import type { SalesforceOrg } from '../../salesforce';
import { statusFields } from '../../salesforce/statusPublisher';
import type { RunningSimulator } from '../../simulator';
import { connect, startTestSimulator } from './harness';

const TOPIC = '/event/Cowork_Status__e';

describe('publishing statuses in a batch', () => {
  let sim: RunningSimulator;
  const open: SalesforceOrg[] = [];
  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(async () => {
    await Promise.all(open.map((o) => o.close()));
    await sim?.stop();
  });

  const statuses = (caseId: string) =>
    (['answered', 'saved'] as const).map((state) =>
      statusFields({ caseId, sessionKey: 'b'.repeat(32), state, answer: '🚗 Vehicle Purchase', detail: `${state} detail` }),
    );

  it('sends the batch in one Publish call, every event in order with its fields', async () => {
    const o = await connect(sim);
    open.push(o);
    const caseId = sim.seed.cases[0]!.id;
    const before = sim.org.pubSubCallCounts().Publish ?? 0;
    const result = await o.eventBus.publishBatch(TOPIC, statuses(caseId));
    expect(result).toEqual({ accepted: 2, failures: [] });
    expect((sim.org.pubSubCallCounts().Publish ?? 0) - before).toBe(1);
    const published = sim.org.publishedEvents('Cowork_Status__e').filter((e) => e.payload.Correlation_Id__c === caseId);
    expect(published.map((e) => [e.payload.State__c, e.payload.Answer__c])).toEqual([
      ['answered', '🚗 Vehicle Purchase'],
      ['saved', '🚗 Vehicle Purchase'],
    ]);
  });

  it('publishes each over REST when the Pub/Sub API cannot be reached', async () => {
    const o = await connect(sim, { config: { pubSubEndpoint: '127.0.0.1:1' } });
    open.push(o);
    const caseId = sim.seed.cases[1]!.id;
    expect(await o.eventBus.publishBatch(TOPIC, statuses(caseId))).toEqual({ accepted: 2, failures: [] });
    expect(
      sim.org
        .publishedEvents('Cowork_Status__e')
        .filter((e) => e.payload.Correlation_Id__c === caseId)
        .map((e) => e.payload.State__c),
    ).toEqual(['answered', 'saved']);
  });
});
