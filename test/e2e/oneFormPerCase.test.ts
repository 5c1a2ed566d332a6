/**
 * One open form per Case, end to end: a new form supersedes the Case's older forms in every
 * conversation, an event without session key completes only the current form, every form thanks
 * at most once, and an older answer never overwrites a newer one on the Case.
 */
import { sim, suiteBot, type BotUnderTest } from '../harness/botUnderTest';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

const EVENT = 'Use_of_Funds__e';
const THANKS = 'Thank you for completing the questionnaire';
const SUPERSEDED_NOTICE = 'replaced this one, so this one no longer takes answers';
const SUPERSEDED_CARD = 'A newer form replaced this one, so nothing was changed.';

function count(chat: EmulatorConversation, fragment: string): number {
  return chat.texts.filter((text) => text.includes(fragment)).length;
}

function caseField(t: BotUnderTest, caseId: string): unknown {
  return sim(t).org.getRecord('Case', caseId)?.Use_of_Funds__c ?? null;
}

describe('one open form per Case', () => {
  const log = new RecordingLog();
  const t = suiteBot({ log });

  it('three /cowork in one conversation, then an event without session key: one thank-you, old cards refused', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const first = await startForm(chat, c.caseNumber);
    const second = await startForm(chat, c.caseNumber);
    const third = await startForm(chat, c.caseNumber);
    expect(count(chat, 'replaces the one sent earlier')).toBe(2);

    const agent = sim(t).org.publishEvent(EVENT, { Correlation_Id__c: c.caseId, Use_of_Fund_Reason__c: 'Education' });
    await chat.waitForText(`${THANKS} 😃, we have noted that the use of funds concerns 🎓 Education`);
    await waitUntil(() => caseField(t, c.caseId) === 'Education', 'the Case update');
    await waitUntil(() => log.find((e) => e.fields.eventId === agent.eventUuid && e.msg === 'event answered the session') !== undefined, 'the event routed');
    expect(log.entries.filter((e) => e.fields.eventId === agent.eventUuid && e.msg === 'event answered the session')).toHaveLength(1);

    for (const old of [first, second]) {
      await chat.submitForm(old.formToken, 'Other');
    }
    await waitUntil(() => count(chat, SUPERSEDED_CARD) === 2, 'both old cards refused');
    await chat.submitForm(third.formToken, 'Other');
    await chat.waitForText('already received');
    expect(count(chat, THANKS)).toBe(1);
    expect(caseField(t, c.caseId)).toBe('Education');
    expect(
      sim(t)
        .org.publishedEvents(EVENT)
        .filter((e) => e.payload.Correlation_Id__c === c.caseId),
    ).toHaveLength(1);
  });

  it('two conversations on one Case: the older is told once, its card refuses, and its answer never lands', async () => {
    const c = oneCase(sim(t).org);
    const older = t.conversation();
    const newer = t.conversation();
    const oldForm = await startForm(older, c.caseNumber);
    const newForm = await startForm(newer, c.caseNumber);
    await older.waitForText(SUPERSEDED_NOTICE);
    expect(count(newer, SUPERSEDED_NOTICE)).toBe(0);

    // The new card first, then the old one.
    await newer.submitForm(newForm.formToken, 'Vehicle Purchase');
    await newer.waitForText(`${THANKS} 😃, we have noted that the use of funds concerns 🚗 Vehicle Purchase`);
    await older.submitForm(oldForm.formToken, 'Other');
    await older.waitForText(SUPERSEDED_CARD);
    // A typed answer in the old conversation does not reach the replaced form either.
    const before = older.texts.length;
    await older.say('education');
    await waitUntil(() => older.texts.length > before, 'the reply to the typed answer');
    expect(older.texts.some((text) => text.startsWith('You chose'))).toBe(false);

    await waitUntil(() => caseField(t, c.caseId) === 'Vehicle Purchase', 'the Case update');
    expect(count(older, SUPERSEDED_NOTICE)).toBe(1);
    expect(count(older, THANKS)).toBe(0);
    expect(count(newer, THANKS)).toBe(1);
    expect(
      sim(t)
        .org.publishedEvents(EVENT)
        .filter((e) => e.payload.Correlation_Id__c === c.caseId)
        .map((e) => e.payload.Use_of_Fund_Reason__c),
    ).toEqual(['Vehicle Purchase']);
  });

  it('an answer older than the one on the Case (by its CreatedDate) never overwrites it', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    await startForm(chat, c.caseNumber);
    sim(t).org.publishEvent(EVENT, { Correlation_Id__c: c.caseId, Use_of_Fund_Reason__c: 'Education' });
    await chat.waitForText('concerns 🎓 Education');
    await waitUntil(() => caseField(t, c.caseId) === 'Education', 'the first Case update');

    // A new form, then a late event of that form's own (its session key: a delayed delivery, a
    // replay), created a minute before the answer already on the Case. (Without a session key an
    // event older than the form answers nothing at all: test/e2e/eventStream.test.ts.)
    await startForm(chat, c.caseNumber);
    const started = log.entries.filter((e) => e.msg === 'co-work session started' && e.fields.caseId === c.caseId);
    const newKey = started[started.length - 1]?.fields.sessionKey;
    if (typeof newKey !== 'string') throw new Error('no session key logged for the new form');
    // The org stamps CreatedDate itself: a late delivery is an event created a minute ago.
    const late = sim(t).org.publishEvent(EVENT, { Correlation_Id__c: c.caseId, Session_Key__c: newKey, Use_of_Fund_Reason__c: 'Other' }, 'system', {
      publishedAgoMs: 60_000,
    });
    await chat.waitForText('arrived after a later one, which stays on the Case');
    await waitUntil(
      () => log.find((e) => e.msg === 'answer not written: a later answer is already on the Case' && e.fields.caseId === c.caseId) !== undefined,
      'the older answer refused',
    );
    expect(caseField(t, c.caseId)).toBe('Education');
    expect(count(chat, 'concerns 📝 Other')).toBe(0);
    expect(late.eventUuid).toBeTruthy();
  });
});
