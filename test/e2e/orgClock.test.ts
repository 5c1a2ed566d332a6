/**
 * Stale answers with a measured clock (issue 29, item 6), over HTTP with the simulator: the bot
 * measures the org's clock by the round trip of its own answer events (their CreatedDate is the
 * org's), shows the offset in /healthz, and judges an agent's answer by it instead of a 5 s guess.
 */
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, thanks, thanksPrefix, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

jest.setTimeout(60_000);

interface ClockReport {
  measured: boolean;
  offsetMs?: number;
  uncertaintyMs?: number;
}

async function clockOf(t: BotUnderTest): Promise<ClockReport> {
  const health = (await (await fetch(`${t.bot.url}/healthz`)).json()) as { clock: ClockReport };
  return health.clock;
}

/** One form answered by the customer: the bot's own event comes back and the offset is measured. */
async function measure(t: BotUnderTest): Promise<ClockReport> {
  const c = oneCase(sim(t).org);
  const chat = t.conversation();
  const form = await startForm(chat, c.caseNumber);
  await chat.submitForm(form.formToken, 'Education');
  await chat.waitForText(thanksPrefix());
  return clockOf(t);
}

describe.each([
  ['on time', 0],
  ['8 s behind', -8000],
  ['8 s ahead', 8000],
])('an org whose clock is %s', (_name, clockOffsetMs) => {
  let t: BotUnderTest;
  const log = new RecordingLog();
  beforeAll(async () => {
    t = await startBotUnderTest({ simulatorOptions: { clockOffsetMs }, log });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('measures the offset from its own events and shows it in /healthz', async () => {
    expect((await clockOf(t)).measured).toBe(false);
    const clock = await measure(t);
    expect(clock.measured).toBe(true);
    expect(Math.abs((clock.offsetMs ?? 0) - clockOffsetMs)).toBeLessThanOrEqual((clock.uncertaintyMs ?? 0) + 1);
  });

  it("completes a form with an agent's answer published after it started", async () => {
    const org = sim(t).org;
    const c = oneCase(org);
    const chat = t.conversation();
    await startForm(chat, c.caseNumber);
    org.publishEvent('Use_of_Funds__e', { Correlation_Id__c: c.caseId, Use_of_Fund_Reason__c: 'Education' });
    await chat.waitForText(thanks('🎓 Education'));
    await waitUntil(() => org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
  });

  it("ignores an agent's answer published 3 s before the form started, then takes a fresh one", async () => {
    const org = sim(t).org;
    const c = oneCase(org);
    const chat = t.conversation();
    await startForm(chat, c.caseNumber);
    const stale = org.publishEvent('Use_of_Funds__e', { Correlation_Id__c: c.caseId, Use_of_Fund_Reason__c: 'Other' }, 'system', { publishedAgoMs: 3000 });
    await waitUntil(
      () => log.find((e) => e.fields.eventId === stale.eventUuid && e.msg === 'event ignored for sessions started after it was created') !== undefined,
      'the stale answer to be ignored',
    );
    expect(org.getRecord('Case', c.caseId)?.Use_of_Funds__c).toBeNull();
    org.publishEvent('Use_of_Funds__e', { Correlation_Id__c: c.caseId, Use_of_Fund_Reason__c: 'Education' });
    await waitUntil(() => org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the fresh answer on the Case');
  });
});
