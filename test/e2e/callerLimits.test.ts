/**
 * What one caller can cost (issue 29, item 7), over HTTP with the simulator: a valid start token
 * replayed in its conversation starts a few forms, not a hundred; one Case takes a few forms a
 * minute however many chats ask; a signed handoff.status from the future is refused.
 */
import { signHandoffStatus } from '../../bot/handoff/handoffTrust';
import { mintStartToken } from '../../bot/turn/startToken';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

jest.setTimeout(60_000);

const START_SECRET = 'test-start-secret-0123456789-abcdefghij';
const HANDOFF_SECRET = 'test-handoff-secret-0123456789-abcdefgh';
const POLITE = 'not starting another one right now';

describe('limits on what one caller can cost', () => {
  let t: BotUnderTest;
  const log = new RecordingLog();
  beforeAll(async () => {
    t = await startBotUnderTest({
      env: {
        COWORK_START_SECRET: START_SECRET,
        COWORK_HANDOFF_SECRET: HANDOFF_SECRET,
        COWORK_FORM_STARTS_PER_MINUTE: '3',
        COWORK_CASE_FORM_STARTS_PER_MINUTE: '4',
      },
      log,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a start token replayed 20 times in its conversation starts 3 forms; the others are answered politely and cost no Salesforce request', async () => {
    const org = sim(t).org;
    const c = oneCase(org);
    const chat = t.conversation();
    const token = mintStartToken(START_SECRET, { caseId: c.caseId, userId: chat.user.id, conversationId: chat.id });
    const reads = () => Object.entries(org.requestCounts()).reduce((sum, [route, n]) => (route.startsWith('GET') ? sum + n : sum), 0);
    const readsBefore = reads();
    for (let i = 0; i < 20; i++) expect((await chat.sendEvent('cowork.start', { token })).status).toBeLessThan(300);
    await waitUntil(() => chat.texts.filter((text) => text.includes(POLITE)).length === 17, 'the polite answers', 20_000);
    expect(chat.cards).toHaveLength(3);
    expect(reads() - readsBefore).toBeLessThanOrEqual(3 * 3);
    // The panel's statuses are published in batches a moment after the turn (salesforce/statusPublisher.ts): waited for.
    const sessionsOfCase = () =>
      org.publishedEvents('Cowork_Status__e').filter((e) => e.payload.Correlation_Id__c === c.caseId && e.payload.State__c === 'form_sent');
    await waitUntil(() => sessionsOfCase().length >= 3, "the three forms' statuses", 20_000);
    expect(sessionsOfCase()).toHaveLength(3);
  });

  it('one Case takes 4 forms a minute, however many chats ask', async () => {
    const c = oneCase(sim(t).org);
    for (let i = 0; i < 4; i++) await startForm(t.conversation(), c.caseNumber);
    const fifth = t.conversation();
    await fifth.say(`/cowork ${c.caseNumber}`);
    await fifth.waitForText(POLITE);
    expect(fifth.cards).toHaveLength(0);
  });

  it('refuses a signed handoff.status dated in the future beyond the clock allowance, and applies one dated now', async () => {
    const chat = t.conversation();
    const future = Date.now() + 4.5 * 60_000;
    await chat.sendEvent('handoff.status', { state: 'failed', ...signHandoffStatus(HANDOFF_SECRET, chat.id, 'failed', future) });
    // (Before: accepted, as it was less than 5 minutes away.)
    await waitUntil(
      () => log.find((e) => e.msg === 'handoff.status ignored: not from the contact centre' && e.fields.conversationId === chat.id) !== undefined,
      'the future status to be refused',
    );
    expect(log.find((e) => e.fields.conversationId === chat.id && e.msg.startsWith('handoff.status ignored'))?.fields.reason).toMatch(/future/);
    const now = chat.id + '-now';
    const current = t.conversation(undefined, now);
    await current.sendEvent('handoff.status', { state: 'failed', ...signHandoffStatus(HANDOFF_SECRET, now, 'failed') });
    // Trusted (then ignored only because no handoff is under way in that chat).
    await waitUntil(
      () => log.find((e) => e.fields.conversationId === now && e.msg === 'handoff.status ignored: no human owns this conversation') !== undefined,
      'the current status to be trusted',
    );
    expect(log.find((e) => e.fields.conversationId === now && e.msg === 'handoff.status ignored: not from the contact centre')).toBeUndefined();
  });
});
