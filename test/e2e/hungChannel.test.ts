/**
 * One hung chat never delays the others (issue 29, item 2), over HTTP with the simulator: a
 * customer's channel holds the POST of the handoff give-up message, and another customer's answer
 * is published again on time all the same; the held send is abandoned after
 * COWORK_SEND_TIMEOUT_SECONDS.
 */
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, thanksPrefix, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

jest.setTimeout(90_000);

const ACK = 'your answer has been sent';
const AGENT_KEY = 'hung-channel-test-relay-key';

async function askForPersonThenHang(t: BotUnderTest): Promise<string> {
  const customer = t.conversation();
  await customer.say('I would like to talk to someone please');
  await customer.waitForText(/person|agent|someone/i);
  // From now on this customer's channel holds every call the bot makes to it, unanswered.
  t.channel.setFault(customer.id, 'hold');
  return customer.id;
}

describe('a hung channel and the timed work', () => {
  let t: BotUnderTest;
  const log = new RecordingLog();
  beforeAll(async () => {
    t = await startBotUnderTest({
      // A long send bound: the other customer must not wait for it.
      env: { COWORK_AGENT_KEY: AGENT_KEY, COWORK_SEND_TIMEOUT_SECONDS: '60' },
      configOverrides: { handoffTimeoutMs: 200, eventTimeoutMs: 1000 },
      deadlineIntervalMs: 50,
      log,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("publishes another customer's answer again while one channel holds the give-up message", async () => {
    const hung = await askForPersonThenHang(t);
    await waitUntil(() => (t.channel.faultedCalls.get(hung) ?? 0) > 0, 'the give-up message to reach the hung channel', 20_000);
    const org = sim(t).org;
    const c = oneCase(org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    const published = () => org.publishedEvents('Use_of_Funds__e').filter((e) => e.payload.Correlation_Id__c === c.caseId).length;
    org.stallStreams();
    try {
      await chat.submitForm(form.formToken, 'Education');
      await chat.waitForText(ACK);
      await waitUntil(() => published() >= 2, 'the answer to be published again while the other channel hangs', 20_000);
      // The hung channel still holds the give-up message: the republish did not wait for it.
      expect(t.channel.requestsInProgress).toBeGreaterThan(0);
    } finally {
      org.releaseStreams();
      t.channel.setFault(hung, undefined);
    }
    await chat.waitForText(thanksPrefix());
  });
});

describe('every proactive send is bounded', () => {
  let t: BotUnderTest;
  const log = new RecordingLog();
  beforeAll(async () => {
    t = await startBotUnderTest({
      env: { COWORK_AGENT_KEY: AGENT_KEY, COWORK_SEND_TIMEOUT_SECONDS: '1' },
      configOverrides: { handoffTimeoutMs: 200 },
      deadlineIntervalMs: 50,
      log,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('abandons the give-up message a hung channel holds after COWORK_SEND_TIMEOUT_SECONDS, and gives up the next one too', async () => {
    const first = await askForPersonThenHang(t);
    const second = await askForPersonThenHang(t);
    // Both give-ups reach their channel (neither waits for the other), and both sends are abandoned.
    await waitUntil(
      () => (t.channel.faultedCalls.get(first) ?? 0) > 0 && (t.channel.faultedCalls.get(second) ?? 0) > 0,
      'both give-up messages to be sent',
      20_000,
    );
    await waitUntil(
      () =>
        [first, second].every(
          (id) =>
            log.find((e) => e.fields.conversationId === id && /did not (accept|answer)/.test(String((e.fields.err as Error | undefined)?.message))) !==
            undefined,
        ),
      'both held sends to be abandoned',
      20_000,
    );
    t.channel.setFault(first, undefined);
    t.channel.setFault(second, undefined);
  });
});
