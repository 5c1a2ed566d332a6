/**
 * The duplicate thank-you window, over HTTP with two instances sharing storage: a slow channel
 * (5 s to accept the thank-you) must not make the other instance take over and thank again. The
 * send is bounded (COWORK_SEND_TIMEOUT_SECONDS) and a takeover waits for the lease plus that bound.
 */
import { MemoryStorage } from 'botbuilder';
import { simulatorEnv } from '../../salesforce';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

jest.setTimeout(60_000);

const THANKS = 'Thank you for completing the questionnaire';
const SLOW_MS = 5000;

describe('thank-you on a slow channel with two instances', () => {
  let a: BotUnderTest;
  let b: BotUnderTest;
  const log = new RecordingLog();
  beforeAll(async () => {
    const storage = new MemoryStorage();
    const env = { COWORK_EFFECTS_LEASE_SECONDS: '2', COWORK_SEND_TIMEOUT_SECONDS: '10' };
    a = await startBotUnderTest({ env, storage, log, channelLatencyMs: (activity) => (String(activity.text ?? '').includes(THANKS) ? SLOW_MS : 0) });
    // The second instance: the same org (the first one's simulator) and the same storage.
    b = await startBotUnderTest({ env: { ...env, ...simulatorEnv(sim(a)) }, storage, log });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('thanks once although the channel takes longer than the lease to accept the thank-you', async () => {
    const c = oneCase(sim(a).org);
    const chat = a.conversation();
    const form = await startForm(chat, c.caseNumber);
    await chat.submitForm(form.formToken, 'Education');
    await waitUntil(() => sim(a).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update', 30_000);
    // Every send either instance started has been answered by the channel.
    await waitUntil(() => a.channel.requestsInProgress === 0, 'the channel to have answered every send', 30_000);
    expect(chat.texts.filter((text) => text.includes(THANKS))).toHaveLength(1);
    expect(log.find((e) => e.msg === 'finishing a session whose instance did not')).toBeUndefined();
    expect(log.find((e) => e.msg === 'thank-you recorded')?.fields.duplicateWindowMs).toEqual(expect.any(Number));
  });
});
