/**
 * Human handoff end to end, over HTTP with two conversations on the Emulator-like channel: the
 * customer's, and a human agent's talking to the bot's agent relay. The real CloudAdapter, the
 * embedded simulator, the real jsforce and Pub/Sub clients.
 */
import { BACK_WITH_BOT_TEXT, HANDOFF_FAILED_TEXT, HANDOFF_REQUESTED_TEXT } from '../../bot/handoff/handoffProtocol';
import { customerFact } from '../../bot/handoff/customerText';
import { signHandoffStatus } from '../../bot/handoff/handoffTrust';
import type { ChannelActivity, EmulatorConversation } from '../harness/emulatorChannel';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, thanks, waitUntil } from '../harness/coworkSteps';

const AGENT_KEY = 'test-agent-key-0123456789';
/**
 * The customers' channel: one a contact-centre connector reads (COWORK_HANDOFF_CHANNELS), so the
 * bot sends it `handoff.initiate`; the relay's agents can take the same waiting requests.
 */
const CONNECTOR_CHANNEL = 'directline';
const HANDOFF_SECRET = 'test-handoff-secret-0123456789-abcdefgh';

/** A `handoff.status` as the contact-centre side sends it: signed with COWORK_HANDOFF_SECRET. */
function status(chat: EmulatorConversation, state: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return chat.sendEvent('handoff.status', { state, ...extra, ...signHandoffStatus(HANDOFF_SECRET, chat.id, state) });
}
const EVENT = 'Use_of_Funds__e';
/** A customer's id as the agent reads it: escaped like the customer's text ("conv\-…"). */
const shown = (id: string): string => customerFact(id);
const THANKS = 'Thank you for completing the questionnaire';

function count(chat: EmulatorConversation, fragment: string): number {
  return chat.texts.filter((text) => text.includes(fragment)).length;
}

function patches(t: BotUnderTest): number {
  return Object.entries(sim(t).org.requestCounts())
    .filter(([route]) => route.startsWith('PATCH'))
    .reduce((sum, [, n]) => sum + n, 0);
}

function handoffInitiation(chat: EmulatorConversation): Promise<ChannelActivity> {
  return chat.waitFor((a) => a.type === 'event' && a.name === 'handoff.initiate', 10_000, 'handoff.initiate');
}

/** Sends one message and waits for the bot's next message in that conversation. */
async function ask(chat: EmulatorConversation, text: string): Promise<string> {
  const before = chat.texts.length;
  await chat.say(text);
  await chat.waitFor(() => chat.texts.length > before, 10_000, `an answer to ${text}`);
  return chat.texts.slice(before).join('\n');
}

describe('human handoff and the agent relay, end to end', () => {
  let t: BotUnderTest;
  let agentCounter = 0;

  async function loggedInAgent(): Promise<EmulatorConversation> {
    const agent = t.conversation(`agent-${++agentCounter}`);
    expect(await ask(agent, `/agent login ${AGENT_KEY}`)).toContain('Logged in as agent');
    return agent;
  }

  async function take(agent: EmulatorConversation, customer: EmulatorConversation): Promise<string> {
    return ask(agent, `/agent take ${customer.id}`);
  }

  beforeAll(async () => {
    t = await startBotUnderTest({ env: { COWORK_AGENT_KEY: AGENT_KEY, COWORK_HANDOFF_SECRET: HANDOFF_SECRET, COWORK_HANDOFF_CHANNELS: CONNECTOR_CHANNEL } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('before any form: asks for a person, relays both ways, stays silent, resumes, and the agent loses sight of it after hand-back', async () => {
    const customer = t.conversation(undefined, undefined, CONNECTOR_CHANNEL);
    await customer.say('I would like to talk to someone please');
    await customer.waitForText(HANDOFF_REQUESTED_TEXT);
    const initiate = await handoffInitiation(customer);
    expect(initiate.value).toMatchObject({ coworkState: 'none', caseId: null, trigger: 'typed', userId: customer.user.id });
    expect(initiate.attachments?.[0]).toMatchObject({ contentType: 'application/json', name: 'Transcript' });

    // Nobody took it yet: the bot says nothing, not even to "help".
    const silentFrom = customer.received.length;
    await customer.say('hello? help');
    expect(customer.received.length).toBe(silentFrom);

    const agent = await loggedInAgent();
    const list = await ask(agent, '/agent list');
    expect(list).toContain(shown(customer.id));
    expect(list).toContain('no Case yet');
    const taken = await take(agent, customer);
    expect(taken).toContain('You are now talking to');
    expect(taken).toContain('hello? help');

    await agent.say('Hi, I am Ada from support.');
    await customer.waitForText('Hi, I am Ada from support.');
    await customer.say('Where is my loan?');
    await agent.waitForText('Where is my loan?');
    // Everything the customer received while a human owned the chat came from the agent.
    expect(customer.texts.slice(-1)).toEqual(['Hi, I am Ada from support.']);

    expect(await ask(agent, '/agent done')).toContain('Handed back');
    await customer.waitForText(BACK_WITH_BOT_TEXT);
    // After hand-back the agent can neither see nor take the conversation, nor talk into it.
    expect(await ask(agent, '/agent list')).not.toContain(shown(customer.id));
    expect(await take(agent, customer)).toContain('not waiting for a person');
    expect(await ask(agent, 'still there?')).toContain('not talking to a customer');
    expect(count(customer, 'still there?')).toBe(0);

    // The bot owns the chat again: a form runs the ordinary way.
    const c = oneCase(sim(t).org);
    const form = await startForm(customer, c.caseNumber);
    await customer.submitForm(form.formToken, 'Education');
    await customer.waitForText(THANKS);

    // Unless the customer asks again: then it is listed again.
    await customer.say('agent');
    await waitUntil(() => count(customer, HANDOFF_REQUESTED_TEXT) === 2, 'the second request');
    expect(await ask(agent, '/agent list')).toContain(shown(customer.id));
  });

  it('during the form: the customer answers while the agent owns the chat; the agent sees the answer, the Case is updated once, no re-asking after', async () => {
    const c = oneCase(sim(t).org);
    const customer = t.conversation(undefined, undefined, CONNECTOR_CHANNEL);
    const form = await startForm(customer, c.caseNumber);
    await customer.submit({ cowork: 'handoff', formToken: form.formToken });
    const initiate = await handoffInitiation(customer);
    expect(initiate.value).toMatchObject({
      caseId: c.caseId,
      caseNumber: c.caseNumber,
      coworkState: 'form_sent',
      formId: expect.any(String),
      trigger: 'card',
      answers: null,
    });
    expect(JSON.stringify(initiate.value)).not.toContain(form.formToken);

    const agent = await loggedInAgent();
    expect(await ask(agent, '/agent list')).toContain(`Case ${c.caseNumber}`);
    expect(await take(agent, customer)).toContain('co-work state form_sent');

    const patchesBefore = patches(t);
    const silentFrom = customer.received.length;
    await customer.submitForm(form.formToken, 'Renovation Work');
    await agent.waitForText('submitted the form');
    await agent.waitForText(`The answer arrived for Case ${c.caseNumber}: 🛠 Renovation Work`);
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Renovation Work', 'the Case update');
    expect(customer.received.length).toBe(silentFrom);
    expect(count(customer, THANKS)).toBe(0);

    // The same answer again changes nothing.
    await customer.submitForm(form.formToken, 'Education');
    await waitUntil(() => count(agent, 'submitted the form') === 2, 'the second submit relayed');
    expect(
      sim(t)
        .org.publishedEvents(EVENT)
        .filter((e) => e.payload.Correlation_Id__c === c.caseId),
    ).toHaveLength(1);
    expect(patches(t) - patchesBefore).toBe(1);
    expect(customer.received.length).toBe(silentFrom);

    await ask(agent, '/agent done');
    // Answered while the agent had the chat: the bot thanks the customer on hand-back, once.
    const resumed = await customer.waitForText(thanks('🛠 Renovation Work'));
    expect(resumed.text).toContain(BACK_WITH_BOT_TEXT);
    expect(customer.cards).toHaveLength(1);
    // The dialog does not ask again either: a typed line is not taken as an answer.
    expect(await ask(customer, 'education')).not.toContain('Thank you');
    expect(sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c).toBe('Renovation Work');
  });

  it("during the form: the agent answers on the customer's behalf with the Case Id only, and the session completes the same way", async () => {
    const c = oneCase(sim(t).org);
    const customer = t.conversation(undefined, undefined, CONNECTOR_CHANNEL);
    await startForm(customer, c.caseNumber);
    await customer.say('can I speak with a human?');
    await handoffInitiation(customer);
    const agent = await loggedInAgent();
    await take(agent, customer);
    const silentFrom = customer.received.length;

    expect(await ask(agent, '/agent answer banana')).toContain('could not tell which choice');
    expect(await ask(agent, '/agent answer education')).toContain(`Published for Case ${c.caseNumber}: 🎓 Education`);
    await agent.waitForText(`The answer arrived for Case ${c.caseNumber}: 🎓 Education`);
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    const events = sim(t)
      .org.publishedEvents(EVENT)
      .filter((e) => e.payload.Correlation_Id__c === c.caseId);
    expect(events).toHaveLength(1);
    expect(events[0]?.payload.Session_Key__c ?? null).toBeNull();
    expect(customer.received.length).toBe(silentFrom);
    expect(await ask(agent, '/agent answer other')).toContain('no longer waiting');

    await ask(agent, '/agent done');
    await customer.waitForText(thanks('🎓 Education'));
    expect(count(customer, THANKS)).toBe(1);
    expect(customer.cards).toHaveLength(1);
  });

  it('after the form: the agent gets the answer in the handoff context, and the bot does not ask again after hand-back', async () => {
    const c = oneCase(sim(t).org);
    const customer = t.conversation(undefined, undefined, CONNECTOR_CHANNEL);
    const form = await startForm(customer, c.caseNumber);
    await customer.submitForm(form.formToken, 'Vehicle Purchase');
    await customer.waitForText(THANKS);
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Vehicle Purchase', 'the Case update');

    await customer.say('talk to a person');
    const initiate = await handoffInitiation(customer);
    expect(initiate.value).toMatchObject({ caseId: c.caseId, coworkState: 'done', answers: { useOfFunds: '🚗 Vehicle Purchase' } });
    const agent = await loggedInAgent();
    await take(agent, customer);
    await ask(agent, '/agent done');
    await customer.waitForText(`Your answer for Case ${c.caseNumber} is recorded: 🚗 Vehicle Purchase`);
    expect(customer.cards.length).toBe(2); // the form and the result card, nothing more
    expect(count(customer, THANKS)).toBe(1);
  });

  it('takes handoff.status from the channel: failed tells the customer and carries on; accepted silences the bot until completed; odd ones are never rejected', async () => {
    const c = oneCase(sim(t).org);
    const customer = t.conversation(undefined, undefined, CONNECTOR_CHANNEL);
    await startForm(customer, c.caseNumber);
    await customer.say('human');
    await handoffInitiation(customer);

    const failed = await status(customer, 'failed', { message: 'no agent available' });
    expect(failed.status).toBe(200);
    await customer.waitForText(HANDOFF_FAILED_TEXT);
    await customer.waitForText(`The form for Case ${c.caseNumber} is still waiting for your answer`);
    // Carries on: the form still takes a typed answer.
    await customer.say('renovation');
    await customer.waitForText('Send it?');
    await customer.say('yes');
    await customer.waitForText(THANKS);

    await customer.say('agent');
    await waitUntil(() => count(customer, HANDOFF_REQUESTED_TEXT) === 2, 'the second request');
    expect((await status(customer, 'accepted')).status).toBe(200);
    const silentFrom = customer.received.length;
    await customer.say('help');
    expect(customer.received.length).toBe(silentFrom);
    for (const value of [{ state: 'bogus' }, null, 'accepted', { state: 'accepted' }]) {
      expect((await customer.sendEvent('handoff.status', value)).status).toBe(200);
    }
    expect(customer.received.length).toBe(silentFrom);
    expect((await status(customer, 'completed')).status).toBe(200);
    await customer.waitForText(BACK_WITH_BOT_TEXT);
    // A second completed (duplicate) changes nothing.
    const after = customer.received.length;
    expect((await status(customer, 'completed')).status).toBe(200);
    expect(customer.received.length).toBe(after);
    expect(await ask(customer, 'help')).toContain('co-work bot');
  });

  it('refuses agent commands before login, wrong keys, and rate-limits guesses per agent conversation', async () => {
    const customer = t.conversation(undefined, undefined, CONNECTOR_CHANNEL);
    await customer.say('agent');
    await handoffInitiation(customer);
    const intruder = t.conversation('intruder');
    for (const command of ['/agent list', `/agent take ${customer.id}`, '/agent answer education', '/agent done']) {
      expect(await ask(intruder, command)).toContain('Please log in first');
    }
    expect(count(intruder, shown(customer.id))).toBe(0);
    for (let i = 0; i < 5; i++) expect(await ask(intruder, `/agent login wrong-key-${i}`)).toContain('not valid');
    // The sixth try is refused even with the right key.
    expect(await ask(intruder, `/agent login ${AGENT_KEY}`)).toContain('Too many wrong keys');
    expect(await ask(intruder, '/agent list')).toContain('Please log in first');
    // Another agent conversation is not affected, and the customer is still waiting.
    const agent = await loggedInAgent();
    expect(await ask(agent, '/agent list')).toContain(shown(customer.id));
  });
});
