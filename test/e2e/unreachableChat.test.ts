/**
 * The Case never waits on the chat (issue 29, item 1), over HTTP with the simulator: the customer
 * submits, their chat becomes unreachable before the answer's event comes back, and the answer is
 * written on the Case all the same after a bounded number of thank-you attempts. The panel hears
 * `saved`, with the detail that the customer could not be reached.
 */
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, thanksPrefix, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

jest.setTimeout(90_000);

const ACK = 'your answer has been sent';

describe("the customer's chat is gone when the answer comes back", () => {
  let t: BotUnderTest;
  const log = new RecordingLog();
  beforeAll(async () => {
    t = await startBotUnderTest({ env: { COWORK_EFFECTS_LEASE_SECONDS: '1', COWORK_SEND_TIMEOUT_SECONDS: '2' }, log });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('writes the answer on the Case, records the thank-you undelivered, and tells the panel', async () => {
    const org = sim(t).org;
    const c = oneCase(org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    org.stallStreams();
    try {
      await chat.submitForm(form.formToken, 'Education');
      await chat.waitForText(ACK);
      t.channel.setFault(chat.id, 'unreachable');
    } finally {
      org.releaseStreams();
    }
    await waitUntil(() => org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update although the chat is gone', 60_000);
    const statuses = () => org.publishedEvents('Cowork_Status__e').filter((e) => e.payload.Correlation_Id__c === c.caseId);
    await waitUntil(() => statuses().some((e) => e.payload.State__c === 'saved'), 'the saved status', 10_000);
    const saved = statuses().find((e) => e.payload.State__c === 'saved');
    expect(String(saved?.payload.Detail__c)).toMatch(/customer could not be reached/i);
    // The thank-you was attempted a bounded number of times, then given up and recorded.
    const attempts = log.entries.filter((e) => e.msg === 'the thank-you could not be delivered' && e.fields.caseId === c.caseId);
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.length).toBeLessThanOrEqual(3);
    expect(log.find((e) => e.msg === 'thank-you given up: the Case is written without it' && e.fields.caseId === c.caseId)).toBeDefined();
    expect(chat.texts.some((text) => text.startsWith(thanksPrefix()))).toBe(false);
    // Nothing retries the thank-you once the session is done.
    const session = await t.bot.service.get(String(saved?.payload.Session_Key__c));
    expect(session).toMatchObject({ state: 'done', thankedAt: null, thankYouUndelivered: expect.stringMatching(/.+/) });
  });
});
