/**
 * One form for a burst of agent requests (issue 29, item 3), over HTTP with the simulator: three
 * `Cowork_Request__e` at once for one Case, its id spelled as 18 characters, 15 characters and
 * lower-cased, send one form; the other two are answered `already_pending`. Events answering it
 * with any spelling of the id are routed to that Case.
 */
import { mintStartToken } from '../../bot/turn/startToken';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, readFormCard, thanks, waitUntil } from '../harness/coworkSteps';
import type { EmulatorConversation } from '../harness/emulatorChannel';

jest.setTimeout(60_000);

const START_SECRET = 'test-start-secret-0123456789-abcdefghij';

async function link(chat: EmulatorConversation, caseId: string): Promise<void> {
  const response = await chat.sendEvent('cowork.link', { token: mintStartToken(START_SECRET, { caseId, userId: chat.user.id, conversationId: chat.id }) });
  expect(response.status).toBeLessThan(300);
}

/** A bot whose request stream is open: it starts at LATEST, so a request is seen first (a Case with no chat answers no_chat). */
async function startWithRequestStream(env: Record<string, string>): Promise<BotUnderTest> {
  const t = await startBotUnderTest({ env: { COWORK_START_SECRET: START_SECRET, ...env } });
  const org = sim(t).org;
  const probe = oneCase(org);
  const answered = () => org.publishedEvents('Cowork_Status__e').some((e) => e.payload.Correlation_Id__c === probe.caseId);
  for (let i = 0; i < 100 && !answered(); i++) {
    org.publishEvent('Cowork_Request__e', { Correlation_Id__c: probe.caseId, Form_Id__c: 'use-of-funds' });
    await waitUntil(answered, 'the request stream', 500).catch(() => undefined);
  }
  expect(answered()).toBe(true);
  return t;
}

describe('a burst of requests for one Case', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startWithRequestStream({});
  });
  afterAll(async () => {
    await t?.stop();
  });

  it.each([1, 2])('sends one form for three requests naming the Case as 18, 15 and lower-case characters (round %i)', async () => {
    const org = sim(t).org;
    const kase = oneCase(org);
    const chat = t.conversation();
    await link(chat, kase.caseId);
    const spellings = [kase.caseId, kase.caseId.slice(0, 15), kase.caseId.toLowerCase()];
    for (const id of spellings) org.publishEvent('Cowork_Request__e', { Correlation_Id__c: id, Form_Id__c: 'use-of-funds', Requested_By__c: sim(t).userId });
    const states = () =>
      org
        .publishedEvents('Cowork_Status__e')
        .filter((e) => e.payload.Correlation_Id__c === kase.caseId)
        .map((e) => e.payload.State__c);
    const answers = () => states().filter((s) => s === 'form_sent' || s === 'already_pending' || s === 'failed' || s === 'no_chat');
    await waitUntil(() => answers().length >= 3, 'an answer to every request', 20_000);
    expect([...states()].sort()).toEqual(['already_pending', 'already_pending', 'form_sent']);
    expect(chat.cards).toHaveLength(1);

    // An agent's answer naming the Case by its 15 characters answers that form.
    const { formToken } = readFormCard(await chat.waitForCard(1));
    expect(formToken).toBeTruthy();
    org.publishEvent('Use_of_Funds__e', { Correlation_Id__c: kase.caseId.slice(0, 15), Use_of_Fund_Reason__c: 'Education' });
    await chat.waitForText(thanks('🎓 Education'));
    await waitUntil(() => org.getRecord('Case', kase.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
  });
});

describe('a late request (issue 29, item 9)', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startWithRequestStream({ COWORK_REQUEST_MAX_AGE_SECONDS: '120' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('answers a request created longer ago than COWORK_REQUEST_MAX_AGE_SECONDS with expired, and sends no form', async () => {
    const org = sim(t).org;
    const kase = oneCase(org);
    const chat = t.conversation();
    await link(chat, kase.caseId);
    // Replayed after an outage: created ten minutes ago, delivered now.
    org.publishEvent('Cowork_Request__e', { Correlation_Id__c: kase.caseId, Form_Id__c: 'use-of-funds' }, 'system', { publishedAgoMs: 10 * 60_000 });
    const statuses = () => org.publishedEvents('Cowork_Status__e').filter((e) => e.payload.Correlation_Id__c === kase.caseId);
    await waitUntil(() => statuses().length > 0, 'the answer to the late request', 20_000);
    expect(statuses().map((e) => e.payload.State__c)).toEqual(['expired']);
    expect(String(statuses()[0]?.payload.Detail__c)).toMatch(/request.*minutes? (ago|old)|too old/i);
    expect(chat.cards).toHaveLength(0);

    // A fresh one for the same Case sends the form.
    org.publishEvent('Cowork_Request__e', { Correlation_Id__c: kase.caseId, Form_Id__c: 'use-of-funds' });
    await chat.waitForCard(1);
  });
});
