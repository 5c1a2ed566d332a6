/**
 * Typed answers, end to end (HTTP, the real CloudAdapter, the simulator): understood, confirmed,
 * never guessed. Each observation of a new customer typing gets a fresh form on a fresh Case, and
 * checks what the customer reads and that nothing reached the event bus or the Case unless the
 * customer confirmed it.
 */
import { validateCard } from '../../cards';
import type { AnswerRecognizer } from '../../dialogs/answerRecognizer';
import type { ChannelActivity, EmulatorConversation } from '../harness/emulatorChannel';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';

const EVENT = 'Use_of_Funds__e';
const THANKS = (label: string) => `Thank you for completing the questionnaire 😃, we have noted that the use of funds concerns ${label}`;

interface Fresh {
  chat: EmulatorConversation;
  caseId: string;
  formToken: string;
}

async function freshForm(t: BotUnderTest, locale?: string): Promise<Fresh> {
  const c = oneCase(sim(t).org);
  const chat = t.conversation();
  const send = locale ? (text: string) => chat.post({ type: 'message', text, locale }) : undefined;
  const { formToken } = await startForm(chat, c.caseNumber, send);
  return { chat, caseId: c.caseId, formToken };
}

/** Says `text` and resolves with the bot's next message (the reply to it). */
async function reply(chat: EmulatorConversation, text: string, locale?: string): Promise<ChannelActivity> {
  const before = chat.received.filter((a) => a.type === 'message').length;
  await (locale ? chat.post({ type: 'message', text, locale }) : chat.say(text));
  await chat.waitFor(() => chat.received.filter((a) => a.type === 'message').length > before, 10_000, `the reply to ${JSON.stringify(text)}`);
  return chat.received.filter((a) => a.type === 'message')[before]!;
}

function published(t: BotUnderTest, caseId: string): number {
  return sim(t)
    .org.publishedEvents(EVENT)
    .filter((e) => e.payload.Correlation_Id__c === caseId).length;
}

function caseField(t: BotUnderTest, caseId: string): unknown {
  return sim(t).org.getRecord('Case', caseId)?.Use_of_Funds__c ?? null;
}

/** The confirmation card's buttons, as the customer would click them. */
function confirmButtons(activity: ChannelActivity): { send: Record<string, unknown>; change: Record<string, unknown> } {
  const card = activity.attachments?.[0]?.content as { actions?: Array<{ title: string; data: Record<string, unknown> }> } | undefined;
  const send = card?.actions?.find((a) => a.data.cowork === 'confirm');
  const change = card?.actions?.find((a) => a.data.cowork === 'change');
  if (!send || !change) throw new Error(`no Send / Change buttons on ${JSON.stringify(activity)}`);
  expect(validateCard(card)).toEqual([]);
  return { send: send.data, change: change.data };
}

/** The titles of a message's suggested actions. */
function suggested(activity: ChannelActivity): string[] {
  const actions = (activity.suggestedActions as { actions?: Array<{ title: string; value: unknown }> } | undefined)?.actions ?? [];
  for (const action of actions) expect(action.value).toBe(action.title);
  return actions.map((a) => a.title);
}

/**
 * The choices offered to tap after an explanation: a message of its own, plain text (Agents
 * Playground shows a message with suggested actions as typed, markdown marks included).
 */
async function offered(chat: EmulatorConversation): Promise<string[]> {
  const taps = await chat.waitFor((a) => a.type === 'message' && a.suggestedActions !== undefined, 10_000, 'the choices to tap');
  expect(taps.text).toBe('Tap a choice, or type it:');
  return suggested(taps);
}

/** How many live forms (cards that submit an answer) the bot has sent into the chat. */
function formCards(chat: EmulatorConversation): number {
  return chat.received.filter((a) => (a.attachments ?? []).some((att) => JSON.stringify(att.content).includes('"cowork":"submit"'))).length;
}

describe('a question in a channel that gives no activity ids (Agents Playground)', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({ channelGivesNoIds: true });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('keeps one live form: the choices come as suggested actions, and a tap is confirmed like a typed answer', async () => {
    const { chat, caseId } = await freshForm(t);
    const answer = await reply(chat, 'what is debt consolidation?');
    expect(answer.text).toContain('**💳 Debt Consolidation**: paying off several existing loans');
    expect(answer.suggestedActions).toBeUndefined();
    expect(await offered(chat)).toEqual(['🛠 Renovation Work', '💳 Debt Consolidation', '🚗 Vehicle Purchase', '🎓 Education', '📝 Other']);
    expect(formCards(chat)).toBe(1);
    // A tap on a suggested action arrives as the choice's label, typed.
    expect((await reply(chat, '💳 Debt Consolidation')).text).toBe('You chose 💳 Debt Consolidation. Send it?');
    expect(published(t, caseId)).toBe(0);
    expect((await reply(chat, 'yes')).text).toContain('your answer has been sent');
    await waitUntil(() => caseField(t, caseId) === 'Debt Consolidation', 'the Case update');
    expect(formCards(chat)).toBe(1);
  });

  it('retires the form card pressed after a typed answer was sent from the confirmation card, and refuses its second answer', async () => {
    const { chat, caseId, formToken } = await freshForm(t);
    const formCard = chat.received.find((a) => (a.attachments ?? []).some((att) => JSON.stringify(att.content).includes('"cowork":"submit"')));
    if (!formCard) throw new Error('no form card');
    const updatesOf = (id: string) => t.channel.activitiesOf(chat.id).filter((r) => r.operation === 'update' && r.activity.id === id);
    const confirm = await reply(chat, 'the second');
    expect(confirm.text).toBe('You chose 💳 Debt Consolidation. Send it?');
    // The bot was given no id for either card; the Playground names the clicked one in replyToId.
    await chat.submit(confirmButtons(confirm).send, confirm.id);
    await chat.waitForText('your answer has been sent');
    await waitUntil(() => updatesOf(confirm.id).some((u) => JSON.stringify(u.activity).includes('✅ Saved on Case')), 'the confirmation card saved');
    // Nothing so far named the form card: it is still live in the chat.
    expect(updatesOf(formCard.id)).toEqual([]);

    // The customer presses Send on it, with another choice.
    await chat.submitForm(formToken, 'Education', formCard.id);
    await chat.waitForText('We have already received your answer to this form, thank you.');
    await waitUntil(() => updatesOf(formCard.id).length > 0, 'the form card retired');
    const retired = JSON.stringify(updatesOf(formCard.id)[0]!.activity.attachments?.[0]?.content ?? {});
    expect(retired).toContain('"value":"💳 Debt Consolidation"');
    expect(retired).toContain('✅ Saved on Case');
    expect(retired).not.toContain('Input.');
    expect(retired).not.toContain('Action.Submit');
    expect(published(t, caseId)).toBe(1);
    expect(caseField(t, caseId)).toBe('Debt Consolidation');
  });
});

describe('typed answers: understood, confirmed, never guessed', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it.each([
    ['not renovation', /not 🛠 Renovation Work/],
    ['anything but education', /not 🎓 Education/],
    ['no education', /not 🎓 Education/],
    ['no one told me', /did not take that as an answer/],
    ['any one is fine', /nothing was sent/],
    ["I don't know", /nothing was sent/],
    ['none of these', /nothing was sent/],
    ['2 or 3', /💳 Debt Consolidation or 🚗 Vehicle Purchase: please choose one/],
    ['renovation or education', /🛠 Renovation Work or 🎓 Education: please choose one/],
    ['banana bread', /did not recognise/],
  ])('never takes %j as an answer: says what it understood and shows the choices again', async (text, understood) => {
    const { chat, caseId } = await freshForm(t);
    const answer = await reply(chat, text);
    expect(answer.text).toMatch(understood);
    expect(answer.text).toContain('1. 🛠 Renovation Work');
    expect(answer.text).toContain('5. 📝 Other');
    expect(answer.text).not.toMatch(/You chose/);
    expect(published(t, caseId)).toBe(0);
    expect(caseField(t, caseId)).toBeNull();
  });

  it.each([
    ['what is debt consolidation?', '💳 Debt Consolidation', 'paying off several existing loans'],
    ['is renovation ok?', '🛠 Renovation Work', 'repairing, renovating or extending'],
  ])('answers the question %j from the form spec, with the choices to tap and no second form', async (text, label, description) => {
    const { chat, caseId } = await freshForm(t);
    const answer = await reply(chat, text);
    expect(answer.text).toContain(`**${label}**: ${description}`);
    expect(answer.attachments ?? []).toEqual([]);
    expect(await offered(chat)).toContain(label);
    expect(formCards(chat)).toBe(1);
    expect(published(t, caseId)).toBe(0);
  });

  it.each([
    ['the last one', '📝 Other'],
    ['the second', '💳 Debt Consolidation'],
    ['number 3', '🚗 Vehicle Purchase'],
    ["I'll take the first one, please", '🛠 Renovation Work'],
    ['4', '🎓 Education'],
    ['renovaton', '🛠 Renovation Work'],
  ])('reads %j as %s and asks to confirm before sending anything', async (text, label) => {
    const { chat, caseId } = await freshForm(t);
    const answer = await reply(chat, text);
    expect(answer.text).toBe(`You chose ${label}. Send it?`);
    confirmButtons(answer);
    expect(published(t, caseId)).toBe(0);
  });

  it('publishes a typed answer only after a typed yes', async () => {
    const { chat, caseId } = await freshForm(t);
    expect((await reply(chat, 'renovation')).text).toBe('You chose 🛠 Renovation Work. Send it?');
    expect(published(t, caseId)).toBe(0);
    expect((await reply(chat, 'yes')).text).toContain('your answer has been sent');
    await chat.waitForText(THANKS('🛠 Renovation Work'));
    await waitUntil(() => caseField(t, caseId) === 'Renovation Work', 'the Case update');
    expect(published(t, caseId)).toBe(1);
  });

  it.each(['not right, education', "that's not right", "don't send it", 'yes, but change it'])(
    'never sends the waiting answer on %j: a negated or mixed reply is not a yes',
    async (text) => {
      const { chat, caseId } = await freshForm(t);
      expect((await reply(chat, 'renovation')).text).toBe('You chose 🛠 Renovation Work. Send it?');
      const answer = await reply(chat, text);
      expect(answer.text).not.toContain('your answer has been sent');
      expect(published(t, caseId)).toBe(0);
      expect(caseField(t, caseId)).toBeNull();
    },
  );

  it('lets the customer change a typed answer before it is sent: Change, typed no, "no, <other>"', async () => {
    const { chat, caseId } = await freshForm(t);
    const first = await reply(chat, 'renovation');
    const { change } = confirmButtons(first);
    await chat.submit(change);
    await chat.waitForText('nothing was sent');
    expect(published(t, caseId)).toBe(0);

    expect((await reply(chat, 'education')).text).toBe('You chose 🎓 Education. Send it?');
    expect((await reply(chat, 'no')).text).toContain('nothing was sent');
    // A "yes" with nothing waiting confirms nothing.
    expect((await reply(chat, 'yes')).text).toMatch(/did not recognise/);

    await reply(chat, 'the second');
    const corrected = await reply(chat, 'no, vehicle');
    expect(corrected.text).toBe('You chose 🚗 Vehicle Purchase. Send it?');
    expect(published(t, caseId)).toBe(0);
    await chat.submit(confirmButtons(corrected).send);
    await chat.waitForText(THANKS('🚗 Vehicle Purchase'));
    await waitUntil(() => caseField(t, caseId) === 'Vehicle Purchase', 'the Case update');
    expect(published(t, caseId)).toBe(1);
    expect(
      sim(t)
        .org.publishedEvents(EVENT)
        .find((e) => e.payload.Correlation_Id__c === caseId)?.payload.Use_of_Fund_Reason__c,
    ).toBe('Vehicle Purchase');
  });

  it("sends at once on the form's own Send click, with no confirmation", async () => {
    const { chat, caseId, formToken } = await freshForm(t);
    await chat.submitForm(formToken, 'Education');
    await chat.waitForText(THANKS('🎓 Education'));
    expect(chat.texts.some((text) => text.startsWith('You chose'))).toBe(false);
    await waitUntil(() => caseField(t, caseId) === 'Education', 'the Case update');
  });

  it('speaks French to a French locale', async () => {
    const { chat, caseId } = await freshForm(t, 'fr-FR');
    const answer = await reply(chat, 'la deuxième', 'fr-FR');
    expect(answer.text).toBe("Vous avez choisi 💳 Debt Consolidation. L'envoyer ?");
    const { send, change } = confirmButtons(answer);
    expect(JSON.stringify(answer.attachments)).toContain('"title":"Envoyer"');
    expect(JSON.stringify(answer.attachments)).toContain('"title":"Modifier"');
    void send;
    await chat.post({ type: 'message', value: change, channelData: { postBack: true }, locale: 'fr-FR' });
    await chat.waitForText("rien n'a été envoyé");
    expect((await reply(chat, 'pas la deuxième', 'fr-FR')).text).toContain("ce n'est pas 💳 Debt Consolidation");
    expect((await reply(chat, 'oui', 'fr-FR')).text).toContain("Désolé, je n'ai pas reconnu");
    expect(published(t, caseId)).toBe(0);
  });
});

describe('a recogniser plugged in by the host bot', () => {
  let t: BotUnderTest;
  // Stands for an LLM: it is sure of everything, and sometimes of a value the form does not offer.
  const recognizer: AnswerRecognizer = {
    recognize: async ({ text }) =>
      text === 'casino'
        ? { kind: 'candidate', value: 'Casino Trip', confidence: 0.99 }
        : text === 'meh'
          ? { kind: 'candidate', value: 'Education', confidence: 0.2 }
          : { kind: 'candidate', value: 'Education', confidence: 0.95 },
  };
  beforeAll(async () => {
    t = await startBotUnderTest({ recognizer });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("is used, and its answers are confirmed like the built-in one's; values off the form and weak guesses are not offered", async () => {
    const { chat, caseId } = await freshForm(t);
    expect((await reply(chat, 'casino')).text).toMatch(/did not recognise/);
    expect((await reply(chat, 'meh')).text).toMatch(/did not recognise/);
    expect((await reply(chat, 'something about school')).text).toBe('You chose 🎓 Education. Send it?');
    expect(published(t, caseId)).toBe(0);
    await reply(chat, 'yes');
    await chat.waitForText(THANKS('🎓 Education'));
    await waitUntil(() => caseField(t, caseId) === 'Education', 'the Case update');
  });
});
