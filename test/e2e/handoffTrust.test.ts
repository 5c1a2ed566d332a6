/**
 * `handoff.status` is taken only from the contact-centre side: a trusted channel id
 * (COWORK_HANDOFF_CHANNELS) or a value signed with COWORK_HANDOFF_SECRET. A customer posting it
 * in their own conversation (as Direct Line allows) ends or fakes nothing. Over HTTP.
 */
import { BACK_WITH_BOT_TEXT, HANDOFF_REQUESTED_TEXT } from '../../bot/handoff/handoffProtocol';
import { signHandoffStatus } from '../../bot/handoff/handoffTrust';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { RecordingLog } from '../harness/recordingLog';

const AGENT_KEY = 'test-agent-key-0123456789';
const SECRET = 'test-handoff-secret-0123456789-abcdefgh';
const CONTACT_CENTRE = 'contact-centre';

async function ask(chat: EmulatorConversation, text: string): Promise<string> {
  const before = chat.texts.length;
  await chat.say(text);
  await chat.waitFor(() => chat.texts.length > before, 10_000, `an answer to ${text}`);
  return chat.texts.slice(before).join('\n');
}

describe('handoff.status trust', () => {
  let t: BotUnderTest;
  const log = new RecordingLog();
  beforeAll(async () => {
    t = await startBotUnderTest({ env: { COWORK_AGENT_KEY: AGENT_KEY, COWORK_HANDOFF_SECRET: SECRET, COWORK_HANDOFF_CHANNELS: CONTACT_CENTRE }, log });
  });
  afterAll(async () => {
    await t?.stop();
  });

  function ignoredCount(): number {
    return log.entries.filter((e) => e.msg === 'handoff.status ignored: not from the contact centre').length;
  }

  async function waitIgnored(n: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (ignoredCount() < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} ignored handoff.status, saw ${ignoredCount()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it("a customer cannot end a handoff the relay's agent holds, nor fake one", async () => {
    const customer = t.conversation();
    await customer.say('agent');
    await customer.waitForText(HANDOFF_REQUESTED_TEXT);
    const agent = t.conversation('agent-trust');
    expect(await ask(agent, `/agent login ${AGENT_KEY}`)).toContain('Logged in');
    expect(await ask(agent, `/agent take ${customer.id}`)).toContain('You are now talking to');

    const before = ignoredCount();
    // Unsigned, forged, signed for another conversation, signed too long ago.
    await customer.sendEvent('handoff.status', { state: 'completed' });
    await customer.sendEvent('handoff.status', { state: 'completed', timestamp: Date.now(), signature: 'forged' });
    await customer.sendEvent('handoff.status', { state: 'completed', ...signHandoffStatus(SECRET, 'another-conversation', 'completed') });
    await customer.sendEvent('handoff.status', { state: 'completed', ...signHandoffStatus(SECRET, customer.id, 'completed', Date.now() - 10 * 60_000) });
    await waitIgnored(before + 4);
    expect(customer.texts.some((x) => x.includes(BACK_WITH_BOT_TEXT))).toBe(false);
    // Still the agent's: the customer's message goes to the agent, the bot says nothing.
    const agentBefore = agent.texts.length;
    const customerBefore = customer.received.length;
    await customer.say('are you still there?');
    await agent.waitFor(() => agent.texts.length > agentBefore, 10_000, 'the relayed message');
    expect(agent.texts.slice(agentBefore).join('\n')).toContain('are you still there?');
    expect(customer.received.length).toBe(customerBefore);
    // The agent hands back through the relay (signed inside the bot): that works.
    await ask(agent, '/agent done');
    await customer.waitForText(BACK_WITH_BOT_TEXT);
  });

  it('a customer\'s "accepted" does not silence the bot', async () => {
    const customer = t.conversation();
    const before = ignoredCount();
    await customer.sendEvent('handoff.status', { state: 'accepted' });
    await waitIgnored(before + 1);
    expect(await ask(customer, 'help')).toContain('co-work bot');
  });

  it('applies a status from the trusted channel id, and one signed with the secret', async () => {
    const customer = t.conversation();
    await customer.say('human');
    await customer.waitForText(HANDOFF_REQUESTED_TEXT);
    await customer.post({ type: 'event', name: 'handoff.status', value: { state: 'completed' }, channelId: CONTACT_CENTRE });
    await customer.waitForText(BACK_WITH_BOT_TEXT);

    await customer.say('human');
    await customer.waitFor(() => customer.texts.filter((x) => x.includes(HANDOFF_REQUESTED_TEXT)).length === 2, 10_000, 'a second request');
    await customer.sendEvent('handoff.status', { state: 'completed', ...signHandoffStatus(SECRET, customer.id, 'completed') });
    await customer.waitFor(() => customer.texts.filter((x) => x.includes(BACK_WITH_BOT_TEXT)).length === 2, 10_000, 'back with the bot again');
  });
});
