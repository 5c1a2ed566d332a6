/**
 * The co-work session end to end: the Emulator-like channel over HTTP, the real CloudAdapter,
 * the embedded simulator, the real jsforce and Pub/Sub clients.
 */
import { mintStartToken } from '../../bot/turn/startToken';
import { validateCard } from '../../cards';
import type { ChannelActivity, EmulatorConversation } from '../harness/emulatorChannel';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, thanks, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

const INTRO = 'A form regarding the use of funds must be completed, I am sending you the form in the chat window';
const START_SECRET = 'test-start-secret-0123456789-abcdefghij';
const EVENT = 'Use_of_Funds__e';

function caseField(t: BotUnderTest, caseId: string): unknown {
  return sim(t).org.getRecord('Case', caseId)?.Use_of_Funds__c;
}

/** The Case reads and writes (by Id) the simulated org has served so far. */
function caseRequests(t: BotUnderTest): { reads: number; writes: number } {
  const counts = sim(t).org.requestCounts();
  return { reads: counts['GET /services/data/vXX.X/sobjects/{object}/{id}'] ?? 0, writes: counts['PATCH /services/data/vXX.X/sobjects/{object}/{id}'] ?? 0 };
}

function countText(chat: EmulatorConversation, fragment: string): number {
  return chat.texts.filter((text) => text.includes(fragment)).length;
}

describe('co-work session, end to end', () => {
  let t: BotUnderTest;
  const log = new RecordingLog();
  beforeAll(async () => {
    t = await startBotUnderTest({ env: { COWORK_START_SECRET: START_SECRET }, log });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('runs the seed flow: scripted message, form, event, thank-you with result card, Case updated', async () => {
    const seed = sim(t).seed.cases[0];
    if (!seed) throw new Error('no seed Case');
    const chat = t.conversation();
    const { formToken, choices, card } = await startForm(chat, seed.caseNumber);
    expect(chat.texts).toContain(INTRO);
    expect(validateCard(card)).toEqual([]);
    expect(choices.map((c) => c.title)).toEqual(['🛠 Renovation Work', '💳 Debt Consolidation', '🚗 Vehicle Purchase', '🎓 Education', '📝 Other']);
    expect(JSON.stringify(card)).not.toContain(seed.id);

    await chat.submitForm(formToken, 'Renovation Work');
    const thankYou = await chat.waitForText(thanks('🛠 Renovation Work'));
    expect(thankYou.replyToId).toBeUndefined();
    const result = await chat.waitForCard(2);
    expect(validateCard(result)).toEqual([]);
    const imageUrl = JSON.stringify(result).match(/"url":"([^"]+\.png)"/)?.[1] ?? '';
    const image = await fetch(imageUrl.replace('http://127.0.0.1', t.bot.url));
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');

    await waitUntil(() => caseField(t, seed.id) === 'Renovation Work', 'the Case update');
    const events = sim(t)
      .org.publishedEvents(EVENT)
      .filter((e) => e.payload.Correlation_Id__c === seed.id);
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toMatchObject({ Correlation_Id__c: seed.id, Use_of_Fund_Reason__c: 'Renovation Work' });
    // Opaque: the Case it names, then 16 random bytes (util/sessionKey.ts); within Session_Key__c's Text(64).
    expect(String(events[0]?.payload.Session_Key__c)).toMatch(new RegExp(`^${seed.id}-[0-9a-f]{32}$`));

    // A second submit of the same form changes nothing and says so.
    await chat.submitForm(formToken, 'Education');
    await chat.waitForText('already received');
    expect(caseField(t, seed.id)).toBe('Renovation Work');
    expect(countText(chat, 'Thank you for completing')).toBe(1);
  });

  it('gives customers A and B on different Cases only their own result', async () => {
    const [a, b] = sim(t).org.createCases(2);
    if (!a || !b) throw new Error('no Cases');
    const chatA = t.conversation();
    const chatB = t.conversation();
    const [formA, formB] = await Promise.all([startForm(chatA, a.caseNumber), startForm(chatB, b.caseNumber)]);
    await Promise.all([chatA.submitForm(formA.formToken, 'Education'), chatB.submitForm(formB.formToken, 'Vehicle Purchase')]);
    await chatA.waitForText(thanks('🎓 Education'));
    await chatB.waitForText(thanks('🚗 Vehicle Purchase'));
    await waitUntil(() => caseField(t, a.caseId) === 'Education' && caseField(t, b.caseId) === 'Vehicle Purchase', 'both Case updates');
    expect(countText(chatA, 'Vehicle Purchase')).toBe(0);
    expect(countText(chatB, 'Education')).toBe(0);
  });

  it('on one Case with two conversations: a session key reaches its session only; a newer form replaces the older, and an agent event without key answers it', async () => {
    const c = oneCase(sim(t).org);
    const first = t.conversation();
    const formFirst = await startForm(first, c.caseId);
    const beforeFirst = caseRequests(t);
    await first.submitForm(formFirst.formToken, 'Other');
    await first.waitForText(thanks('📝 Other'));
    await waitUntil(() => caseField(t, c.caseId) === 'Other', 'the first Case update');
    // Its own answer, claimed once: the Case is written without being read first.
    expect(caseRequests(t).writes - beforeFirst.writes).toBe(1);
    expect(caseRequests(t).reads - beforeFirst.reads).toBe(0);

    const second = t.conversation();
    const third = t.conversation();
    await startForm(second, c.caseNumber);
    await startForm(third, c.caseNumber);
    // The third form replaced the second: its customer is told, once.
    await second.waitForText('replaced this one');
    // An agent's flow publishes the seed's original shape: only the Case Id. It answers the current form.
    sim(t).org.publishEvent(EVENT, { Correlation_Id__c: c.caseId, Use_of_Fund_Reason__c: 'Debt Consolidation' });
    await third.waitForText(thanks('💳 Debt Consolidation'));
    await waitUntil(() => caseField(t, c.caseId) === 'Debt Consolidation', 'the Case update');
    expect(countText(first, 'Thank you for completing')).toBe(1);
    expect(countText(second, 'Thank you for completing')).toBe(0);
    expect(countText(second, 'replaced this one')).toBe(1);
  });

  it('refuses tampered, foreign and stale form tokens politely and changes nothing', async () => {
    const [c, other] = sim(t).org.createCases(2);
    if (!c || !other) throw new Error('no Cases');
    const chat = t.conversation();
    const foreignChat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    const foreign = await startForm(foreignChat, other.caseNumber);

    // One character changed (never to itself: a hex token may already end in '0').
    const tampered = `${form.formToken.slice(0, -1)}${form.formToken.endsWith('0') ? '1' : '0'}`;
    await chat.submitForm(tampered, 'Education');
    await chat.waitForText('no longer active');
    await chat.submitForm(foreign.formToken, 'Education');
    await waitUntil(() => countText(chat, 'no longer active') === 2, 'the second refusal');
    // Ids in the payload are ignored: only the token counts.
    await chat.submit({ cowork: 'submit', formToken: 'x', caseId: other.caseId, Session_Key__c: 'abc', useOfFunds: 'Education' });
    await waitUntil(() => countText(chat, 'no longer active') === 3, 'the third refusal');

    expect(
      sim(t)
        .org.publishedEvents(EVENT)
        .filter((e) => e.payload.Correlation_Id__c === c.caseId || e.payload.Correlation_Id__c === other.caseId),
    ).toHaveLength(0);
    expect(caseField(t, c.caseId) ?? null).toBeNull();
    expect(caseField(t, other.caseId) ?? null).toBeNull();
  });

  it('refuses a choice the org does not offer, listing the choices', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    await chat.submitForm(form.formToken, 'Casino Trip');
    const refusal = await chat.waitForText('not one of the choices');
    expect(refusal.text).toContain('🛠 Renovation Work');
    await chat.submitForm(form.formToken, 'x'.repeat(5000));
    await chat.waitForText('too long');
    expect(
      sim(t)
        .org.publishedEvents(EVENT)
        .filter((e) => e.payload.Correlation_Id__c === c.caseId),
    ).toHaveLength(0);
  });

  it('takes typed answers once confirmed, and asks again listing the choices when nothing matches', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    await startForm(chat, c.caseNumber);
    await chat.say('banana bread');
    const reAsk = await chat.waitForText('did not recognise');
    expect(reAsk.text).toContain('1. 🛠 Renovation Work');
    await chat.say('renovaton');
    await chat.waitForText('You chose 🛠 Renovation Work. Send it?');
    await chat.say('yes');
    await chat.waitForText(thanks('🛠 Renovation Work'));
    await waitUntil(() => caseField(t, c.caseId) === 'Renovation Work', 'the Case update');
  });

  it('answers with the event, which is the truth, and acts once when two events answer one session', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    await startForm(chat, c.caseNumber);
    const first = sim(t).org.publishEvent(EVENT, { Correlation_Id__c: c.caseId, Use_of_Fund_Reason__c: 'Education' });
    const second = sim(t).org.publishEvent(EVENT, { Correlation_Id__c: c.caseId, Use_of_Fund_Reason__c: 'Other' });
    await chat.waitForText(thanks('🎓 Education'));
    await waitUntil(() => caseField(t, c.caseId) === 'Education', 'the Case update');
    // Wait until the bot has looked at the second event, then check it changed nothing.
    await waitUntil(() => log.find((e) => e.fields.eventId === second.eventUuid) !== undefined, 'the second event to be routed');
    expect(log.find((e) => e.fields.eventId === first.eventUuid && e.msg.includes('ignored'))).toBeUndefined();
    expect(countText(chat, 'Thank you for completing')).toBe(1);
    expect(caseField(t, c.caseId)).toBe('Education');
  });

  it('starts a session from a signed cowork.start token, and refuses forged or foreign ones', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation('customer-42');
    await chat.sendEvent('cowork.start', {
      token: mintStartToken('wrong-secret-0123456789-0123456789-xx', { caseId: c.caseId, userId: 'customer-42', conversationId: chat.id }),
    });
    await chat.waitForText('not valid');
    await chat.sendEvent('cowork.start', { token: mintStartToken(START_SECRET, { caseId: c.caseId, userId: 'someone-else', conversationId: chat.id }) });
    await chat.waitForText('issued for someone else');
    await chat.sendEvent('cowork.start', { token: mintStartToken(START_SECRET, { caseId: c.caseId, userId: 'customer-42', conversationId: chat.id }, -10) });
    await chat.waitForText('expired');
    expect(chat.cards).toHaveLength(0);
    await chat.sendEvent('cowork.start', { token: mintStartToken(START_SECRET, { caseId: c.caseId, userId: 'customer-42', conversationId: chat.id }) });
    await chat.waitForText(INTRO);
    await chat.waitForCard(1);
  });

  it('says why it cannot start: unknown Case, invalid reference, closed Case', async () => {
    const chat = t.conversation();
    await chat.say('/cowork 99999999');
    await chat.waitForText('could not find that Case');
    await chat.say("/cowork 500' OR Id != '");
    await chat.waitForText('could not use that Case reference');
    const c = oneCase(sim(t).org);
    sim(t).org.updateRecord('Case', c.caseId, { Status: 'Closed' });
    await chat.say(`/cowork ${c.caseNumber}`);
    await chat.waitForText('is closed');
  });

  it('retries a Case update that fails transiently, and completes', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    sim(t).org.failRest({ method: 'PATCH', path: `*/sobjects/Case/${c.caseId}*`, count: 2, status: 503, errorCode: 'SERVER_UNAVAILABLE' });
    await chat.submitForm(form.formToken, 'Education');
    await chat.waitForText(thanks('🎓 Education'));
    await waitUntil(() => caseField(t, c.caseId) === 'Education', 'the Case update after retries', 20_000);
  });

  it('sends only cards that validate without a single warning', () => {
    const cards = t.channel.activities.flatMap((r) => (r.activity.attachments ?? []).map((a) => a.content));
    expect(cards.length).toBeGreaterThan(5);
    for (const card of cards) expect(validateCard(card)).toEqual([]);
  });
});

export type { ChannelActivity };
