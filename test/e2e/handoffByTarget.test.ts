/**
 * Handoff by target, never into the void, on a channel that refuses bot-sent event activities
 * the way Teams and Agents Playground do (HTTP 400: the test channel's default for `msteams`):
 *
 * - with the agent relay, a Teams customer's request goes to the relay directly: no
 *   `handoff.initiate` is sent, the customer gets only the message, an agent can take it;
 * - with a contact-centre connector listed in COWORK_HANDOFF_CHANNELS, `handoff.initiate` goes only
 *   into those channels; where the channel refuses it, nothing is recorded, the customer is told
 *   plainly that nobody can join right now, and the form carries on (never "something went wrong"
 *   followed by silence).
 */
import { HANDOFF_REQUESTED_TEXT } from '../../bot/handoff/handoffProtocol';
import { textsFor } from '../../dialogs/texts';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, thanks, waitUntil } from '../harness/coworkSteps';

const AGENT_KEY = 'handoff-by-target-agent-key';
const WENT_WRONG = 'Sorry, something went wrong';
const NOBODY = textsFor('en').nobodyCanJoin;

function initiationsSent(t: BotUnderTest, chat: EmulatorConversation): number {
  const sent = chat.received.filter((a) => a.type === 'event' && a.name === 'handoff.initiate').length;
  const refused = t.channel.refused.filter((r) => r.conversationId === chat.id && r.activity.name === 'handoff.initiate').length;
  return sent + refused;
}

/** Says `text` and resolves with the texts of the bot's replies once `done` holds for them. */
async function replies(chat: EmulatorConversation, text: string, done: (texts: string[]) => boolean): Promise<string[]> {
  const before = chat.texts.length;
  await chat.say(text);
  await chat.waitFor(() => done(chat.texts.slice(before)), 10_000, `the replies to ${JSON.stringify(text)}`);
  return chat.texts.slice(before);
}

async function login(chat: EmulatorConversation): Promise<void> {
  await chat.say(`/agent login ${AGENT_KEY}`);
  await chat.waitForText('Logged in as agent');
}

describe('handoff to the agent relay from a Teams-like channel that refuses event activities', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({ env: { COWORK_AGENT_KEY: AGENT_KEY } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('tells the relay directly: the customer gets only the message, an agent takes the chat, the form completes once', async () => {
    const c = oneCase(sim(t).org);
    const customer = t.conversation(undefined, undefined, 'msteams');
    const form = await startForm(customer, c.caseNumber);
    const said = await replies(customer, 'I want to talk to a human', (texts) => texts.some((x) => x.includes(HANDOFF_REQUESTED_TEXT)));
    expect(said.some((x) => x.includes(WENT_WRONG))).toBe(false);
    expect(initiationsSent(t, customer)).toBe(0);

    const agent = t.conversation('agent-teams');
    await login(agent);
    await agent.say('/agent list');
    await agent.waitForText(`Case ${c.caseNumber}`);
    await agent.say('/agent take 1');
    await agent.waitForText('You are now talking to');
    await agent.say('Hello, I am here to help.');
    await customer.waitForText('Hello, I am here to help.');
    await customer.submitForm(form.formToken, 'Education');
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    await agent.say('/agent done');
    await agent.waitForText('Handed back to the bot');
    await customer.waitForText('You are back with the co-work bot.');
    expect(customer.texts.some((x) => x.includes(WENT_WRONG))).toBe(false);
    expect(initiationsSent(t, customer)).toBe(0);
  });
});

describe('handoff to a contact-centre connector whose channel refuses the event', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    // The connector is configured for msteams, but the channel answers the event with 400 (as Teams does).
    t = await startBotUnderTest({ env: { COWORK_HANDOFF_CHANNELS: 'msteams,emulator' } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('records no handoff, tells the customer plainly that nobody can join right now, and the form carries on', async () => {
    const c = oneCase(sim(t).org);
    const customer = t.conversation(undefined, undefined, 'msteams');
    const form = await startForm(customer, c.caseNumber);
    const said = await replies(customer, 'talk to a person', (texts) => texts.some((x) => x.includes(NOBODY)));
    expect(said.some((x) => x.includes(WENT_WRONG) || x.includes(HANDOFF_REQUESTED_TEXT))).toBe(false);
    expect(said.join('\n')).toContain(`The form for Case ${c.caseNumber} is still open`);
    expect(t.channel.refused.filter((r) => r.conversationId === customer.id && r.activity.name === 'handoff.initiate')).toHaveLength(1);

    // Nothing is recorded: the customer's next messages are answered by the bot at once.
    const typed = await replies(customer, 'education', (texts) => texts.length > 0);
    expect(typed[0]).toBe('You chose 🎓 Education. Send it?');
    await customer.submitForm(form.formToken, 'Renovation Work');
    await customer.waitForText(thanks('🛠 Renovation Work'));
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Renovation Work', 'the Case update');
  });

  it('asks again after a refusal, and is refused plainly again', async () => {
    const customer = t.conversation(undefined, undefined, 'msteams');
    await replies(customer, 'agent', (texts) => texts.some((x) => x.includes(NOBODY)));
    const again = await replies(customer, 'agent please', (texts) => texts.some((x) => x.includes(NOBODY)));
    expect(again.some((x) => x.includes(WENT_WRONG))).toBe(false);
  });

  it('sends handoff.initiate into a listed channel that takes it, and only there', async () => {
    const c = oneCase(sim(t).org);
    const customer = t.conversation();
    await startForm(customer, c.caseNumber);
    await replies(customer, 'talk to a person', (texts) => texts.some((x) => x.includes(HANDOFF_REQUESTED_TEXT)));
    const initiate = await customer.waitFor((a) => a.type === 'event' && a.name === 'handoff.initiate', 10_000, 'handoff.initiate');
    expect(initiate.value).toMatchObject({ caseId: c.caseId, coworkState: 'form_sent', trigger: 'typed' });
    expect(t.channel.refused.filter((r) => r.conversationId === customer.id)).toHaveLength(0);
  });
});

describe('handoff with a connector for another channel and the relay', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({ env: { COWORK_HANDOFF_CHANNELS: 'directline', COWORK_AGENT_KEY: AGENT_KEY } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('never sends handoff.initiate into an unlisted channel: the relay takes the request', async () => {
    const customer = t.conversation();
    await replies(customer, 'talk to a person', (texts) => texts.some((x) => x.includes(HANDOFF_REQUESTED_TEXT)));
    expect(initiationsSent(t, customer)).toBe(0);
    const agent = t.conversation('agent-two');
    await login(agent);
    await agent.say('/agent list');
    await agent.waitForText('Customers waiting for a person');
  });
});
