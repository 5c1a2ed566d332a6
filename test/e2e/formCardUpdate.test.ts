/**
 * After a submit the form card is updated in place (the connector's PUT activity): a read-only
 * summary of what was sent, then "✅ Saved on Case …". Where the channel refuses updates, the flow
 * carries on.
 */
import { validateCard } from '../../cards';
import type { EmulatorConversation, RecordedActivity } from '../harness/emulatorChannel';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';

const THANKS = 'Thank you for completing the questionnaire';

/** The id of the activity that carried the n-th form card of the conversation. */
function formCardActivityId(chat: EmulatorConversation): string {
  const sent = chat.received.find((a) => JSON.stringify(a.attachments ?? []).includes('"cowork":"submit"'));
  if (!sent) throw new Error('no form card');
  return sent.id;
}

function updatesOf(t: BotUnderTest, chat: EmulatorConversation, activityId: string): RecordedActivity[] {
  return t.channel.activitiesOf(chat.id).filter((r) => r.operation === 'update' && r.activity.id === activityId);
}

function cardText(r: RecordedActivity): string {
  return JSON.stringify(r.activity.attachments?.[0]?.content ?? {});
}

describe('the form card, updated in place after a submit', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('shows what was sent, read-only, then that it is saved on the Case', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    const cardId = formCardActivityId(chat);
    await chat.submitForm(form.formToken, 'Renovation Work');
    await chat.waitForText(THANKS);
    await waitUntil(() => updatesOf(t, chat, cardId).length === 2, 'two updates of the form card');
    const [sent, saved] = updatesOf(t, chat, cardId) as [RecordedActivity, RecordedActivity];
    for (const update of [sent, saved]) {
      const card = update.activity.attachments?.[0]?.content;
      expect(validateCard(card)).toEqual([]);
      expect(cardText(update)).toContain('"title":"Use of funds","value":"🛠 Renovation Work"');
      // Read-only: no input, no button left to press.
      expect(cardText(update)).not.toContain('Input.');
      expect(cardText(update)).not.toContain('Action.Submit');
      expect(update.activity.text).toBe('A form regarding the use of funds must be completed, I am sending you the form in the chat window');
    }
    expect(cardText(sent)).toContain('📨 Sent');
    expect(cardText(saved)).toContain(`✅ Saved on Case ${c.caseNumber}`);
    expect(sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c).toBe('Renovation Work');
  });

  it('updates the card for a typed answer once confirmed', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    await startForm(chat, c.caseNumber);
    const cardId = formCardActivityId(chat);
    await chat.say('the second');
    await chat.waitForText('Send it?');
    expect(updatesOf(t, chat, cardId)).toHaveLength(0);
    await chat.say('yes');
    await waitUntil(() => updatesOf(t, chat, cardId).some((u) => cardText(u).includes('✅ Saved on Case')), 'the saved card');
    expect(cardText(updatesOf(t, chat, cardId)[0]!)).toContain('💳 Debt Consolidation');
  });
});

describe('on a channel that refuses updates', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({ channelRefusesUpdates: true });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('carries on: acknowledgement, thank-you and Case update all happen', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    await chat.submitForm(form.formToken, 'Education');
    await chat.waitForText('your answer has been sent');
    await chat.waitForText(`${THANKS} 😃, we have noted that the use of funds concerns 🎓 Education`);
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    expect(chat.texts.filter((text) => text.includes('Sorry'))).toEqual([]);
  });
});
