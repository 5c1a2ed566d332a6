/**
 * The event stream seen from the bot: an answer older than the session never completes it, and
 * /healthz shows the deliveries this instance used of the org's allocation.
 */
import { EmulatorConversation } from '../harness/emulatorChannel';
import { startBotUnderTest, sim, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, thanksPrefix, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

const EVENT = 'Use_of_Funds__e';

function thanked(chat: EmulatorConversation): number {
  return chat.texts.filter((text) => text.startsWith(thanksPrefix())).length;
}

describe('stale answers', () => {
  let t: BotUnderTest;
  const log = new RecordingLog();
  beforeAll(async () => {
    t = await startBotUnderTest({ configOverrides: { eventClockSkewMs: 0 }, log });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("never completes a form with an agent's answer published before the session started, delivered late", async () => {
    const org = sim(t).org;
    const c = oneCase(org);
    await waitUntil(() => t.bot.salesforce.eventBus.states().every((s) => s.connected && s.lastKeepaliveAt !== null), 'the stream to be live');
    // The stream is down (an outage): an agent's answer for the Case, from before any session, waits in the org.
    org.stallStreams();
    const old = org.publishEvent(EVENT, { Correlation_Id__c: c.caseId, Use_of_Fund_Reason__c: 'Education' });
    let chat: EmulatorConversation;
    try {
      chat = t.conversation();
      await startForm(chat, c.caseNumber);
    } finally {
      org.releaseStreams();
    }
    await waitUntil(() => log.find((e) => e.fields.eventId === old.eventUuid) !== undefined, 'the old event to be routed');

    // An answer given after the session started completes it: the only answer the Case gets.
    const fresh = org.publishEvent(EVENT, { Correlation_Id__c: c.caseId, Use_of_Fund_Reason__c: 'Other' });
    await chat.waitForText(thanksPrefix());
    await waitUntil(() => (org.getRecord('Case', c.caseId)?.Use_of_Funds__c ?? null) !== null, 'the Case update');
    expect(org.getRecord('Case', c.caseId)?.Use_of_Funds__c).toBe('Other');
    expect(thanked(chat)).toBe(1);
    expect(log.find((e) => e.fields.eventId === old.eventUuid && /started after it was created/.test(e.msg))).toBeDefined();
    expect(log.find((e) => e.fields.eventId === fresh.eventUuid)).toBeDefined();
  });
});

describe('delivery allocation in /healthz', () => {
  let t: BotUnderTest;
  const log = new RecordingLog();
  beforeAll(async () => {
    // The allocation is the org's (its /limits say 10); the configured one (50,000) is only the fallback.
    t = await startBotUnderTest({ env: { COWORK_EVENT_DELIVERY_WARN_PERCENT: '20' }, simulatorOptions: { deliveryAllocationPerDay: 10 }, log });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('reports the deliveries this instance received in 24 hours (one per session) and warns at the configured share', async () => {
    const org = sim(t).org;
    const caseId = sim(t).seed.cases[0]!.id;
    const health = async (): Promise<{ pubsub: { streams: Array<{ deliveries?: { last24h: number; allocationPerDay: number; warning: boolean } }> } }> =>
      (await (await fetch(`${t.bot.url}/healthz`)).json()) as never;
    await waitUntil(() => t.bot.salesforce.eventBus.states().every((s) => s.connected), 'the stream to be live');
    const deliveries = (): number => t.bot.salesforce.eventBus.states()[0]?.deliveries?.last24h ?? 0;
    // One co-work session, customer's answer to Case update: one delivery to this instance.
    const c = oneCase(org);
    const chat = t.conversation();
    const { formToken } = await startForm(chat, c.caseNumber);
    await chat.submitForm(formToken, 'Education');
    await chat.waitForText(thanksPrefix());
    await waitUntil(() => org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    expect((await health()).pubsub.streams[0]?.deliveries).toMatchObject({ last24h: 1, allocationPerDay: 10, warning: false });

    org.publishEvent(EVENT, { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: 'Other' });
    await waitUntil(() => deliveries() >= 2, 'a second delivery');
    expect((await health()).pubsub.streams[0]?.deliveries).toMatchObject({ last24h: 2, allocationPerDay: 10, warning: true });
    expect(log.find((e) => e.level === 'warn' && /delivery allocation/.test(e.msg))).toBeDefined();
  });
});
