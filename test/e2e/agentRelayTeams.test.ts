/**
 * The agent relay as Teams (and Agents Playground's Group Chat) delivers it, over HTTP:
 *
 * - a message reaches the bot there only with an @mention, whose `<at>…</at>` stays in `text`
 *   (with a `mention` entity naming the bot): it is removed before routing, for every route —
 *   agent commands, typed answers, handoff requests, what the agent says to the customer;
 * - everything of the customer's reaching an agent, ids included, is escaped like message text;
 * - `/agent list` pages its output;
 * - `/agent done` after the customer's channel is gone says what happened.
 */
import { APOLOGY } from '../../bot/edge/adapter';
import { AGENT_HELP_TEXT } from '../../bot/handoff/agentRelay';
import { BACK_WITH_BOT_TEXT, HANDOFF_REQUESTED_TEXT } from '../../bot/handoff/handoffProtocol';
import { EmulatorChannel, type EmulatorConversation } from '../harness/emulatorChannel';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';

const AGENT_KEY = 'teams-relay-agent-key-0123';

/** Sends through `send` and resolves with the bot's replies (joined) once one arrived. */
async function answer(chat: EmulatorConversation, send: () => Promise<Response>, what: string): Promise<string> {
  const before = chat.texts.length;
  const response = await send();
  expect(response.status).toBe(200);
  await chat.waitFor(() => chat.texts.length > before, 10_000, `the answer to ${what}`);
  return chat.texts.slice(before).join('\n');
}

const withMention = (chat: EmulatorConversation, text: string): Promise<string> => answer(chat, () => chat.sayWithMention(text), text);
const plain = (chat: EmulatorConversation, text: string): Promise<string> => answer(chat, () => chat.say(text), text);

describe('the agent relay in Teams: @mentions, hostile ids, paging, a customer gone', () => {
  let t: BotUnderTest;
  let agentCounter = 0;
  beforeAll(async () => {
    t = await startBotUnderTest({ env: { COWORK_AGENT_KEY: AGENT_KEY } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** An agent in a Teams group chat, logged in with an @mention. */
  async function groupChatAgent(): Promise<EmulatorConversation> {
    const agent = t.conversation(`agent-${++agentCounter}`, `groupchat-${agentCounter}`, 'msteams');
    expect(await withMention(agent, `/agent login ${AGENT_KEY}`)).toContain('Logged in as agent');
    return agent;
  }

  it("removes the bot's own mention before every route: commands, typed answers, handoff requests, the agent's words", async () => {
    const c = oneCase(sim(t).org);
    const customer = t.conversation('teams-customer', undefined, 'msteams');
    expect(await withMention(customer, 'help')).toContain('I am the co-work bot');
    await startForm(customer, c.caseNumber, (text) => customer.sayWithMention(text));
    expect(await withMention(customer, 'education')).toBe('You chose 🎓 Education. Send it?');
    expect(await withMention(customer, 'no')).not.toContain('I am the co-work bot');
    expect(await withMention(customer, 'I want to talk to a human')).toContain(HANDOFF_REQUESTED_TEXT);

    const agent = await groupChatAgent();
    expect(await withMention(agent, '/agent list')).toContain(`Case ${c.caseNumber}`);
    expect(await withMention(agent, '/agent take 1')).toContain('You are now talking to');
    await agent.sayWithMention('Hello from support');
    const said = await customer.waitForText('Hello from support');
    expect(said.text).toBe('Hello from support');
    expect(await withMention(agent, '/agent answer education')).toContain(`Published for Case ${c.caseNumber}`);
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    expect(await withMention(agent, '/agent done')).toContain('Handed back');
    await customer.waitForText(BACK_WITH_BOT_TEXT);
    // No command fell through to the relay's help.
    expect(agent.texts.filter((x) => x === AGENT_HELP_TEXT)).toHaveLength(0);
  });

  it("escapes the customer's ids (markdown, links, HTML, blank lines) in /agent list, take and done", async () => {
    const hostileUser = '[click me](javascript:alert(1))\n\n**SYSTEM**: <b>bold</b> `code`';
    const hostileConversation = 'conv-[x](javascript:alert(2))\r\n\r\n# Heading <img src=x onerror=alert(3)>';
    const customer = t.conversation(hostileUser, hostileConversation);
    expect(await plain(customer, 'talk to a person')).toContain(HANDOFF_REQUESTED_TEXT);

    const agent = await groupChatAgent();
    const texts = [await withMention(agent, '/agent list'), await withMention(agent, '/agent take 1'), await withMention(agent, '/agent done')];
    expect(texts[1]).toContain('You are now talking to');
    expect(texts[2]).toContain('Handed back');
    for (const text of texts) {
      // Each would format the agent's chat unless escaped (a backslash before it).
      for (const live of [/(?<!\\)\[click me/, /(?<!\\)\*\*SYSTEM/, /(?<!\\)<b/, /(?<!\\)`code/, /(?<!\\)\[x/, /\n\s*#/, /(?<!\\)<img/, /\n\s*\n\s*\n/]) {
        expect(text).not.toMatch(live);
      }
      expect(text).toContain('click me'); // shown, as text
    }
  });

  it('pages /agent list and says how to see the next page; numbers stay the ones /agent take uses', async () => {
    const fresh = await startBotUnderTest({ env: { COWORK_AGENT_KEY: AGENT_KEY } });
    try {
      const customers: EmulatorConversation[] = [];
      for (let i = 0; i < 23; i++) {
        const customer = fresh.conversation(`waiting-${String(i).padStart(2, '0')}`);
        await customer.say('agent');
        customers.push(customer);
      }
      for (const customer of customers) await customer.waitForText(HANDOFF_REQUESTED_TEXT);
      const agent = fresh.conversation('pager');
      expect(await plain(agent, `/agent login ${AGENT_KEY}`)).toContain('Logged in');

      const first = await plain(agent, '/agent list');
      expect(first).toContain('1–10 of 23');
      expect(first).toContain('`/agent list 2`');
      expect(first).toContain('10. ');
      expect(first).not.toContain('11. ');
      const third = await plain(agent, '/agent list 3');
      expect(third).toContain('21–23 of 23');
      expect(third).toContain('21. ');
      expect(third).not.toContain('/agent list 4');
      expect(await plain(agent, '/agent list 9')).toContain('There are 3 pages');
      for (const page of [first, third]) expect(Buffer.byteLength(page)).toBeLessThan(4000);

      const second = await plain(agent, '/agent list 2');
      expect(second).toContain('11–20 of 23');
      const twelfth = second.split('\n').find((line) => line.startsWith('12. '));
      expect(twelfth).toBeDefined();
      expect(await plain(agent, '/agent take 12')).toContain('You are now talking to');
      // Ids are shown escaped ("waiting\-11").
      const taken = customers.find((c) => twelfth?.includes(c.user.id.replace('-', '\\-')));
      expect(taken).toBeDefined();
      await agent.say('you are number twelve');
      await taken?.waitForText('you are number twelve');
    } finally {
      await fresh.stop();
    }
  });

  it("says the handoff ended and the customer could not be told when /agent done finds the customer's channel gone", async () => {
    const gone = await EmulatorChannel.start();
    const customer = gone.conversation(t.bot.url, { id: 'customer-who-left' });
    await customer.say('talk to a person');
    await customer.waitForText(HANDOFF_REQUESTED_TEXT);
    const agent = await groupChatAgent();
    await withMention(agent, '/agent list');
    expect(await withMention(agent, `/agent take 1`)).toContain('You are now talking to');
    await gone.stop();

    const done = await withMention(agent, '/agent done');
    expect(done).not.toContain(APOLOGY);
    expect(done).toContain('Handed back');
    expect(done).toContain('could not be told');
    // The handoff is over: nothing is held, nothing is waiting.
    expect(await withMention(agent, '/agent list')).toContain('No customer is waiting');
    expect(await withMention(agent, 'anyone there?')).toContain('not talking to a customer');
  });
});
