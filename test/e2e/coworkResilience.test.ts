/**
 * The co-work session when time passes and things break: expiry, an event that does not come
 * back, a slow channel, a bot restart between the submit and the event.
 */
import { MemoryStorage } from 'botbuilder';
import { startBot, type RunningBot } from '../../bot/startBot';
import { loadConfig } from '../../bot/config/config';
import { silentLog } from '../../util/log';
import { simulatorEnv } from '../../salesforce';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { EmulatorChannel, type EmulatorConversation } from '../harness/emulatorChannel';
import { startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, thanksPrefix, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

const ACK = 'your answer has been sent';
const EVENT = 'Use_of_Funds__e';

function thanksCount(chat: EmulatorConversation): number {
  return chat.texts.filter((text) => text.startsWith(thanksPrefix())).length;
}

describe('sessions over time', () => {
  let t: BotUnderTest;
  const log = new RecordingLog();
  beforeAll(async () => {
    t = await startBotUnderTest({ configOverrides: { sessionTtlMs: 400, eventTimeoutMs: 300 }, deadlineIntervalMs: 50, log });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('expires an unanswered session, tells the customer, and refuses its form afterwards', async () => {
    const [c] = t.bot.simulator?.org.createCases(1) ?? [];
    if (!c) throw new Error('no Case');
    const chat = t.conversation();
    const { formToken: token } = await startForm(chat, c.caseNumber);
    await chat.waitForText('has expired');
    await chat.submitForm(token, 'Education');
    await chat.waitForText('no longer active');
    expect(t.bot.simulator?.org.publishedEvents(EVENT).filter((e) => e.payload.Correlation_Id__c === c.caseId)).toHaveLength(0);
  });

  it('publishes again when the event does not come back, and still acts once', async () => {
    const sim = t.bot.simulator as RunningSimulator;
    const c = oneCase(sim.org);
    const chat = t.conversation();
    const { formToken: token } = await startForm(chat, c.caseNumber);
    const restPublishes = () => sim.org.requestCounts()['POST /services/data/vXX.X/sobjects/{object}'] ?? 0;
    const restBefore = restPublishes();
    sim.org.stallStreams();
    try {
      await chat.submitForm(token, 'Education');
      await chat.waitForText(ACK);
      // Published on submit, again over the Pub/Sub API, then a last time over REST.
      await waitUntil(
        () => sim.org.publishedEvents(EVENT).filter((e) => e.payload.Correlation_Id__c === c.caseId).length >= 3,
        'the answer to be published twice more',
      );
      expect(restPublishes() - restBefore).toBe(1);
    } finally {
      sim.org.releaseStreams();
    }
    await chat.waitForText(thanksPrefix());
    await waitUntil(() => sim.org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    // Both copies of the event are delivered; the second finds the session done.
    const copies = sim.org.publishedEvents(EVENT).filter((e) => e.payload.Correlation_Id__c === c.caseId);
    expect(new Set(copies.map((e) => e.payload.Session_Key__c)).size).toBe(1);
    await waitUntil(() => copies.every((copy) => log.find((e) => e.fields.eventId === copy.eventUuid) !== undefined), 'every copy of the event to be routed');
    expect(thanksCount(chat)).toBe(1);
  });
});

describe('a slow channel', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    // Only the acknowledgement is slow to reach the channel: the event comes back meanwhile.
    t = await startBotUnderTest({ channelLatencyMs: (activity) => (String(activity.text ?? '').includes(ACK) ? 300 : 0) });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('sends the thank-you after the acknowledgement even when the event comes back first', async () => {
    const [c] = t.bot.simulator?.org.createCases(1) ?? [];
    if (!c) throw new Error('no Case');
    const chat = t.conversation();
    const { formToken: token } = await startForm(chat, c.caseNumber);
    await chat.submitForm(token, 'Other');
    await chat.waitForText(thanksPrefix());
    const texts = chat.texts;
    const ack = texts.findIndex((text) => text.includes(ACK));
    const thanks = texts.findIndex((text) => text.startsWith(thanksPrefix()));
    expect(ack).toBeGreaterThanOrEqual(0);
    expect(ack).toBeLessThan(thanks);
  });
});

describe('a bot restart between the submit and the event', () => {
  let sim: RunningSimulator;
  let channel: EmulatorChannel;
  const storage = new MemoryStorage();
  const running: RunningBot[] = [];

  async function startInstance(): Promise<RunningBot> {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      ...simulatorEnv(sim),
      COWORK_DEV_COMMANDS: 'true',
      // Far beyond the test's waits: no republish can stand in for the replay after the restart.
      COWORK_EVENT_TIMEOUT_SECONDS: '3600',
    });
    const bot = await startBot({ config: { ...config, publicUrl: 'http://127.0.0.1' }, log: silentLog, storage });
    running.push(bot);
    return bot;
  }

  beforeAll(async () => {
    sim = await startSimulator({ keepaliveIntervalMs: 500 });
    channel = await EmulatorChannel.start();
  });
  afterAll(async () => {
    await Promise.all(running.map((b) => b.stop()));
    await channel?.stop();
    await sim?.stop();
  });

  it('loses nothing: the restarted bot thanks the customer once and updates the Case once', async () => {
    const first = await startInstance();
    expect(first.simulator).toBeUndefined(); // a real-org configuration: the simulator runs on its own here
    const [warmup, c] = sim.org.createCases(2);
    if (!warmup || !c) throw new Error('no Cases');
    // One whole session first, so the bot has a stored replay position to resume from.
    const warm = channel.conversation(first.url, { id: 'warm' });
    await warm.submitForm((await startForm(warm, warmup.caseNumber)).formToken, 'Other');
    await warm.waitForText(thanksPrefix());

    const chat = channel.conversation(first.url, { id: 'customer' });
    const { formToken: token } = await startForm(chat, c.caseNumber);
    sim.org.stallStreams();
    await chat.submitForm(token, 'Education');
    await chat.waitForText(ACK);
    await first.stop();
    sim.org.releaseStreams();
    expect(sim.org.getRecord('Case', c.caseId)?.Use_of_Funds__c ?? null).toBeNull();

    await startInstance();
    await chat.waitForText(thanksPrefix());
    await waitUntil(() => sim.org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update by the restarted bot');
    expect(thanksCount(chat)).toBe(1);
    expect(chat.texts.filter((text) => text.startsWith(thanksPrefix()))[0]).toContain('🎓 Education');
    // Replayed, not republished: the Case's one event is the one published before the stop.
    expect(sim.org.publishedEvents('Use_of_Funds__e').filter((e) => e.payload.Correlation_Id__c === c.caseId)).toHaveLength(1);
  });
});
