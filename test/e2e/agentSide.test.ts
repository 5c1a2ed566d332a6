/**
 * Co-work from the Salesforce side, end to end: the agent's request from the Case published in
 * the simulated org as the Send_Cowork_Form flow publishes it (`Cowork_Request__e`), the customer's
 * chat over HTTP (the Emulator-like channel, the real CloudAdapter), and a real Pub/Sub client
 * subscribed to `Cowork_Status__e`, standing in for the agent's panel.
 */
import { MemoryStorage } from 'botbuilder';
import { startBot, type RunningBot } from '../../bot/startBot';
import { loadConfig } from '../../bot/config/config';
import { mintStartToken } from '../../bot/turn/startToken';
import { simulatorEnv } from '../../salesforce';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, readFormCard, startForm, thanks, waitUntil } from '../harness/coworkSteps';
import { EmulatorChannel, type EmulatorConversation } from '../harness/emulatorChannel';
import { RecordingLog } from '../harness/recordingLog';
import { clientCredentialsConnection, pubSubClient, recorder, trustSimulator, type PubSubClient, type Recorded } from '../simulator/support';

const INTRO = 'A form regarding the use of funds must be completed, I am sending you the form in the chat window';
const START_SECRET = 'test-start-secret-0123456789-abcdefghij';
const STATUS_TOPIC = '/event/Cowork_Status__e';

interface Status {
  state: unknown;
  answer: unknown;
  sessionKey: unknown;
  detail: unknown;
}

/** The agent's panel: a real Pub/Sub subscriber on the status topic. */
async function openPanel(simulator: RunningSimulator): Promise<{ client: PubSubClient; recorded: Recorded; of: (caseId: string) => Status[] }> {
  trustSimulator(simulator.caCert);
  const conn = await clientCredentialsConnection(simulator);
  const client = await pubSubClient(simulator, conn.accessToken ?? '');
  const { recorded, callback } = recorder();
  const before = simulator.org.openStreamCount();
  client.subscribe(STATUS_TOPIC, callback);
  await waitUntil(() => simulator.org.openStreamCount() > before, 'the panel stream');
  const of = (caseId: string): Status[] =>
    recorded.events
      .filter((e) => e.payload.Correlation_Id__c === caseId)
      .map((e) => ({ state: e.payload.State__c, answer: e.payload.Answer__c, sessionKey: e.payload.Session_Key__c, detail: e.payload.Detail__c }));
  return { client, recorded, of };
}

async function closePanel(simulator: RunningSimulator | undefined, panel: Awaited<ReturnType<typeof openPanel>> | undefined): Promise<void> {
  if (!simulator || !panel) return;
  simulator.org.endStreams({ code: 1, errorCode: 'test.teardown', details: 'test finished' });
  await waitUntil(() => panel.recorded.ended, 'the panel stream to end');
  panel.client.close();
}

/** What the Send_Cowork_Form flow's Create Records element publishes. */
function requestFromCase(simulator: RunningSimulator, caseId: string): string {
  return simulator.org.publishEvent('Cowork_Request__e', { Correlation_Id__c: caseId, Form_Id__c: 'use-of-funds', Requested_By__c: simulator.userId })
    .eventUuid;
}

/** The host links the customer's chat to the Case (signed, like cowork.start); no form starts. */
async function link(chat: EmulatorConversation, caseId: string): Promise<void> {
  const response = await chat.sendEvent('cowork.link', { token: mintStartToken(START_SECRET, { caseId, userId: chat.user.id, conversationId: chat.id }) });
  expect(response.status).toBeLessThan(300);
}

function caseWrites(simulator: RunningSimulator): number {
  return simulator.org.requestCounts()['PATCH /services/data/vXX.X/sobjects/{object}/{id}'] ?? 0;
}

describe('co-work from the Salesforce side, end to end', () => {
  let t: BotUnderTest;
  let panel: Awaited<ReturnType<typeof openPanel>>;
  beforeAll(async () => {
    // The agent relay is a handoff target: without one, asking for a person is answered plainly and no handoff starts.
    t = await startBotUnderTest({ env: { COWORK_START_SECRET: START_SECRET, COWORK_AGENT_KEY: 'agent-side-test-relay-key' } });
    panel = await openPanel(sim(t));
  });
  afterAll(async () => {
    // The client's close() detaches its listeners before cancelling, and the cancelled stream's
    // 'error' would then kill the process: let the org end the panel's stream first.
    await closePanel(t ? sim(t) : undefined, panel);
    await t?.stop();
  });

  it("the agent's request sends the form into the linked chat; the panel sees form sent, submitted, answered, saved, with the label; the Case is saved once", async () => {
    const kase = oneCase(sim(t).org);
    const chat = t.conversation();
    await link(chat, kase.caseId);
    expect(chat.received).toHaveLength(0); // linking says nothing and starts nothing

    const writesBefore = caseWrites(sim(t));
    requestFromCase(sim(t), kase.caseId);
    await chat.waitForText(INTRO);
    const { formToken, choices } = readFormCard(await chat.waitForCard(1));
    expect(choices.map((c) => c.title)).toContain('🛠 Renovation Work');

    await chat.submitForm(formToken, 'Renovation Work');
    await chat.waitForText(thanks('🛠 Renovation Work'));
    await waitUntil(() => panel.of(kase.caseId).some((s) => s.state === 'saved'), 'the saved status');

    const statuses = panel.of(kase.caseId);
    expect(statuses.map((s) => s.state)).toEqual(['form_sent', 'submitted', 'answered', 'saved']);
    expect(statuses.map((s) => s.answer)).toEqual([null, '🛠 Renovation Work', '🛠 Renovation Work', '🛠 Renovation Work']);
    expect(new Set(statuses.map((s) => s.sessionKey)).size).toBe(1);
    // Opaque: the Case it names, then 16 random bytes (util/sessionKey.ts).
    expect(String(statuses[0]?.sessionKey)).toMatch(new RegExp(`^${kase.caseId}-[0-9a-f]{32}$`));
    expect(sim(t).org.getRecord('Case', kase.caseId)?.Use_of_Funds__c).toBe('Renovation Work');
    expect(caseWrites(sim(t)) - writesBefore).toBe(1);
  });

  it('a request for a Case with no linked chat is answered no_chat, and nothing is sent anywhere', async () => {
    const kase = oneCase(sim(t).org);
    const sends = t.channel.activities.length;
    requestFromCase(sim(t), kase.caseId);
    await waitUntil(() => panel.of(kase.caseId).length > 0, 'a status');
    expect(panel.of(kase.caseId)).toEqual([
      { state: 'no_chat', answer: null, sessionKey: null, detail: expect.stringContaining('No customer chat is linked') },
    ]);
    expect(t.channel.activities.length).toBe(sends);
  });

  it('a request whose linked chat cannot be reached (the customer left) fails with a status, and leaves no form pending', async () => {
    const kase = oneCase(sim(t).org);
    // The customer's channel goes away after the link: the proactive send is refused.
    const gone = await EmulatorChannel.start();
    const chat = gone.conversation(t.bot.url, { id: 'customer-who-left' });
    await link(chat, kase.caseId);
    await gone.stop();

    requestFromCase(sim(t), kase.caseId);
    await waitUntil(() => panel.of(kase.caseId).some((s) => s.state === 'failed'), 'the failed status', 20_000);
    const failed = panel.of(kase.caseId).find((s) => s.state === 'failed');
    expect(failed?.detail).toContain('could not be reached');
    // Nothing waits on the Case any more: a later request is not refused as already pending.
    expect(await t.bot.service.pendingForCase(kase.caseId)).toEqual([]);
  });

  it('a request the org cannot serve right now (Case lookup failing) fails with a status that says to try again', async () => {
    const kase = oneCase(sim(t).org);
    const chat = t.conversation();
    await link(chat, kase.caseId);
    sim(t).org.failRest({ method: 'GET', path: '*', count: 1000, status: 503, errorCode: 'SERVER_UNAVAILABLE' });
    try {
      requestFromCase(sim(t), kase.caseId);
      await waitUntil(() => panel.of(kase.caseId).length > 0, 'a status', 20_000);
    } finally {
      sim(t).org.clearFaults();
    }
    expect(panel.of(kase.caseId)).toEqual([expect.objectContaining({ state: 'failed', sessionKey: null, detail: expect.stringContaining('try again') })]);
    expect(chat.received).toHaveLength(0);
  });

  it('a cowork.link with a token for someone else links nothing', async () => {
    const kase = oneCase(sim(t).org);
    const chat = t.conversation();
    await chat.sendEvent('cowork.link', { token: mintStartToken(START_SECRET, { caseId: kase.caseId, userId: 'someone-else', conversationId: chat.id }) });
    requestFromCase(sim(t), kase.caseId);
    await waitUntil(() => panel.of(kase.caseId).length > 0, 'a status');
    expect(panel.of(kase.caseId).map((s) => s.state)).toEqual(['no_chat']);
    expect(chat.received).toHaveLength(0);
  });

  it('a request while a form is pending sends no second form and says already_pending with the waiting session', async () => {
    const kase = oneCase(sim(t).org);
    const chat = t.conversation();
    await link(chat, kase.caseId);
    requestFromCase(sim(t), kase.caseId);
    await chat.waitForCard(1);
    await waitUntil(() => panel.of(kase.caseId).length === 1, 'form_sent');

    requestFromCase(sim(t), kase.caseId);
    await waitUntil(() => panel.of(kase.caseId).length === 2, 'the second status');
    const [sent, pending] = panel.of(kase.caseId);
    expect(sent?.state).toBe('form_sent');
    expect(pending).toMatchObject({ state: 'already_pending', sessionKey: sent?.sessionKey });
    expect(chat.cards).toHaveLength(1);
  });

  it('a request after the customer asked for a person still sends the form, and the status says so', async () => {
    const kase = oneCase(sim(t).org);
    const chat = t.conversation();
    await link(chat, kase.caseId);
    await chat.say('I want to talk to a person');
    await chat.waitForText('I am asking a person to join this chat');

    requestFromCase(sim(t), kase.caseId);
    await chat.waitForText(INTRO);
    await chat.waitForCard(1);
    await waitUntil(() => panel.of(kase.caseId).length === 1, 'form_sent');
    expect(panel.of(kase.caseId)[0]).toMatchObject({ state: 'form_sent', detail: expect.stringContaining('asked for a person') });
  });

  it('the agent answers from the panel mid-flow (Use_of_Funds__e with the Case Id only): the customer is thanked, the panel sees answered and saved', async () => {
    const kase = oneCase(sim(t).org);
    const chat = t.conversation();
    await link(chat, kase.caseId);
    requestFromCase(sim(t), kase.caseId);
    await chat.waitForCard(1);

    // What the Answer_Cowork_Form flow publishes: the Case Id and the answer, no session key.
    sim(t).org.publishEvent('Use_of_Funds__e', { Correlation_Id__c: kase.caseId, Use_of_Fund_Reason__c: 'Education' });
    await chat.waitForText(thanks('🎓 Education'));
    await waitUntil(() => panel.of(kase.caseId).some((s) => s.state === 'saved'), 'the saved status');
    expect(panel.of(kase.caseId).map((s) => [s.state, s.answer])).toEqual([
      ['form_sent', null],
      ['answered', '🎓 Education'],
      ['saved', '🎓 Education'],
    ]);
    expect(sim(t).org.getRecord('Case', kase.caseId)?.Use_of_Funds__c).toBe('Education');
  });

  it('the customer asks for a person during the form: the panel shows it, and the agent can still answer for them', async () => {
    const kase = oneCase(sim(t).org);
    const chat = t.conversation();
    await link(chat, kase.caseId);
    requestFromCase(sim(t), kase.caseId);
    const { formToken } = readFormCard(await chat.waitForCard(1));
    await chat.submit({ cowork: 'handoff', formToken });
    await waitUntil(() => panel.of(kase.caseId).some((s) => s.state === 'person_requested'), 'person_requested');

    sim(t).org.publishEvent('Use_of_Funds__e', { Correlation_Id__c: kase.caseId, Use_of_Fund_Reason__c: 'Other' });
    await waitUntil(() => panel.of(kase.caseId).some((s) => s.state === 'saved'), 'the saved status');
    expect(panel.of(kase.caseId).map((s) => s.state)).toEqual(['form_sent', 'person_requested', 'answered', 'saved']);
    expect(sim(t).org.getRecord('Case', kase.caseId)?.Use_of_Funds__c).toBe('Other');
  });
});

describe('co-work from the Salesforce side, two instances', () => {
  let simulator: RunningSimulator;
  let channel: EmulatorChannel;
  let panel: Awaited<ReturnType<typeof openPanel>>;
  const storage = new MemoryStorage();
  const running: Array<{ bot: RunningBot; log: RecordingLog }> = [];

  beforeAll(async () => {
    simulator = await startSimulator({ keepaliveIntervalMs: 500 });
    channel = await EmulatorChannel.start();
    for (let i = 0; i < 2; i++) {
      const log = new RecordingLog();
      const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...simulatorEnv(simulator), COWORK_START_SECRET: START_SECRET });
      running.push({ bot: await startBot({ config: { ...config, publicUrl: 'http://127.0.0.1' }, log, storage }), log });
    }
    panel = await openPanel(simulator);
  });
  afterAll(async () => {
    await closePanel(simulator, panel);
    await Promise.all(running.map((r) => r.bot.stop()));
    await channel?.stop();
    await simulator?.stop();
  });

  it('both see the request, exactly one sends the form', async () => {
    const kase = oneCase(simulator.org);
    const [first, second] = running;
    if (!kase || !first || !second) throw new Error('setup');
    const chat = channel.conversation(first.bot.url, { id: 'customer-two-instances' });
    await link(chat, kase.caseId);

    const eventId = requestFromCase(simulator, kase.caseId);
    const settled = (log: RecordingLog): boolean =>
      log.entries.some(
        (e) => e.fields.eventId === eventId && (e.msg === 'co-work form sent at the request of the Case' || e.msg.startsWith('co-work request already taken')),
      );
    await waitUntil(() => settled(first.log) && settled(second.log), 'both instances to handle the request');
    await chat.waitForCard(1);
    expect(chat.cards).toHaveLength(1);
    expect(chat.texts.filter((text) => text === INTRO)).toHaveLength(1);
    await waitUntil(() => panel.of(kase.caseId).length >= 1, 'form_sent');
    expect(panel.of(kase.caseId).map((s) => s.state)).toEqual(['form_sent']);
  });
});

describe('status events: off, and failing', () => {
  let simulator: RunningSimulator;
  let channel: EmulatorChannel;
  const running: RunningBot[] = [];

  async function startInstance(env: Record<string, string>, log: RecordingLog): Promise<RunningBot> {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...simulatorEnv(simulator), COWORK_DEV_COMMANDS: 'true', ...env });
    const bot = await startBot({ config: { ...config, publicUrl: 'http://127.0.0.1' }, log, storage: new MemoryStorage() });
    running.push(bot);
    return bot;
  }

  async function completeSession(bot: RunningBot, caseNumber: string, userId: string): Promise<void> {
    const chat = channel.conversation(bot.url, { id: userId });
    const { formToken } = await startForm(chat, caseNumber);
    await chat.submitForm(formToken, 'Vehicle Purchase');
    await chat.waitForText(thanks('🚗 Vehicle Purchase'));
  }

  beforeAll(async () => {
    simulator = await startSimulator({ keepaliveIntervalMs: 500 });
    channel = await EmulatorChannel.start();
  });
  afterAll(async () => {
    await Promise.all(running.map((b) => b.stop()));
    await channel?.stop();
    await simulator?.stop();
  });

  it('COWORK_STATUS_EVENTS=off publishes none, and the session completes as before', async () => {
    const kase = oneCase(simulator.org);
    const bot = await startInstance({ COWORK_STATUS_EVENTS: 'off' }, new RecordingLog());
    await completeSession(bot, kase.caseNumber, 'customer-status-off');
    await waitUntil(() => simulator.org.getRecord('Case', kase.caseId)?.Use_of_Funds__c === 'Vehicle Purchase', 'the Case update');
    await bot.stop();
    expect(simulator.org.publishedEvents('Cowork_Status__e')).toEqual([]);
  });

  it('a status topic the org refuses is logged, and the customer is thanked and the Case saved all the same', async () => {
    const kase = oneCase(simulator.org);
    const log = new RecordingLog();
    const bot = await startInstance({ SF_STATUS_TOPIC: '/event/Not_Deployed__e' }, log);
    await completeSession(bot, kase.caseNumber, 'customer-status-refused');
    await waitUntil(() => simulator.org.getRecord('Case', kase.caseId)?.Use_of_Funds__c === 'Vehicle Purchase', 'the Case update');
    await waitUntil(() => log.entries.some((e) => e.level === 'warn' && /co-work statuses/.test(e.msg)), 'the logged status failure');
  });
});
