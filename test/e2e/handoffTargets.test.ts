/**
 * Asking for a person never silences the bot, end to end: without a handoff target the customer
 * is told plainly and the form carries on; with a target that never answers, the bot takes the
 * conversation back after COWORK_HANDOFF_TIMEOUT_SECONDS; a pending request never swallows a
 * submit's acknowledgement or the thank-you; a declined person is no request.
 */
import { HANDOFF_REQUESTED_TEXT, HANDOFF_TIMEOUT_TEXT } from '../../bot/handoff/handoffProtocol';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';

const THANKS = 'Thank you for completing the questionnaire';
const ACK = 'Thank you, your answer has been sent.';
const NO_PERSON = 'Sorry, no person is available in this chat.';

function initiations(chat: EmulatorConversation): number {
  return chat.received.filter((a) => a.type === 'event' && a.name === 'handoff.initiate').length;
}

/** Says `text` and resolves with the text of the bot's next message. */
async function reply(chat: EmulatorConversation, text: string): Promise<string> {
  const before = chat.texts.length;
  await chat.say(text);
  await chat.waitFor(() => chat.texts.length > before, 10_000, `the reply to ${JSON.stringify(text)}`);
  return chat.texts[before]!;
}

function hasHandoffButton(card: Record<string, unknown>): boolean {
  return JSON.stringify(card).includes('"cowork":"handoff"');
}

function caseField(t: BotUnderTest, caseId: string): unknown {
  return sim(t).org.getRecord('Case', caseId)?.Use_of_Funds__c ?? null;
}

describe('asking for a person with no handoff target', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    // No connector channel, no relay, and the Salesforce side off (else the Case's panel is the target).
    t = await startBotUnderTest({ env: { COWORK_STATUS_EVENTS: 'off' } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('says no person is available, offers none on the card, and the form carries on to the thank-you', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    expect(hasHandoffButton(form.card)).toBe(false);

    const answer = await reply(chat, 'I want to talk to a human');
    expect(answer).toContain(NO_PERSON);
    expect(answer).toContain(`The form for Case ${c.caseNumber} is still open`);
    expect(initiations(chat)).toBe(0);
    expect(await reply(chat, 'help')).toContain('I am the co-work bot');
    expect(await reply(chat, 'education')).toBe('You chose 🎓 Education. Send it?');

    await chat.submitForm(form.formToken, 'Renovation Work');
    await chat.waitForText(ACK);
    await chat.waitForText(`${THANKS} 😃, we have noted that the use of funds concerns 🛠 Renovation Work`);
    await waitUntil(() => caseField(t, c.caseId) === 'Renovation Work', 'the Case update');
    expect(initiations(chat)).toBe(0);
  });

  it('answers an old card\'s "Talk to a person" plainly too', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    await chat.submit({ cowork: 'handoff', formToken: form.formToken });
    await chat.waitForText(NO_PERSON);
    expect(initiations(chat)).toBe(0);
  });

  it('reads "I don\'t want to talk to an agent, renovation please" as an answer, not a request', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    await startForm(chat, c.caseNumber);
    expect(await reply(chat, "I don't want to talk to an agent, renovation please")).toBe('You chose 🛠 Renovation Work. Send it?');
    expect(initiations(chat)).toBe(0);
  });
});

describe('asking for a person with a target that never answers', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({ env: { COWORK_HANDOFF_CHANNELS: 'emulator', COWORK_HANDOFF_TIMEOUT_SECONDS: '1' } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('acknowledges and thanks a submit while the request waits, then takes the conversation back after the timeout', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    expect(hasHandoffButton(form.card)).toBe(true);
    await chat.say('talk to a person');
    await chat.waitForText(HANDOFF_REQUESTED_TEXT);
    await chat.waitFor((a) => a.type === 'event' && a.name === 'handoff.initiate', 10_000, 'handoff.initiate');

    await chat.submitForm(form.formToken, 'Education');
    await chat.waitForText(ACK);
    await chat.waitForText(`${THANKS} 😃, we have noted that the use of funds concerns 🎓 Education`);

    // Nobody accepts: within the timeout (and a sweep tick) the bot says so and carries on.
    const back = await chat.waitForText(HANDOFF_TIMEOUT_TEXT, 10_000);
    expect(back.replyToId).toBeUndefined();
    await chat.waitForText(`Your answer for Case ${c.caseNumber} is recorded`);
    expect(await reply(chat, 'help')).toContain('I am the co-work bot');
    expect(chat.texts.filter((text) => text.includes(HANDOFF_TIMEOUT_TEXT))).toHaveLength(1);
  });

  it('carries on with the open form after the timeout', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    await startForm(chat, c.caseNumber);
    await chat.say('agent');
    await chat.waitForText(HANDOFF_REQUESTED_TEXT);
    await chat.waitForText(HANDOFF_TIMEOUT_TEXT, 10_000);
    await chat.waitForText(`The form for Case ${c.caseNumber} is still waiting for your answer`);
    expect(await reply(chat, 'the last one')).toBe('You chose 📝 Other. Send it?');
  });

  it('does not start a handoff for a declined person', async () => {
    const chat = t.conversation();
    const answer = await reply(chat, "I don't need a human");
    expect(answer).not.toContain(HANDOFF_REQUESTED_TEXT);
    expect(initiations(chat)).toBe(0);
  });
});
