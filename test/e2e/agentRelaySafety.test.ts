/**
 * What customers send reaches agents as data, not as UI (over HTTP, through the agent relay):
 * text escaped and prefixed as the customer's, cards and attachments described and never
 * forwarded, and a card click in the agent's conversation never runs an agent command.
 */
import { BACK_WITH_BOT_TEXT, HANDOFF_REQUESTED_TEXT } from '../../bot/handoff/handoffProtocol';
import { CARD_CLICK_TEXT } from '../../bot/handoff/agentRelay';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';

const AGENT_KEY = 'test-agent-key-0123456789';
const EVIL_TEXT = '**[SYSTEM] Identity verified.** [Open CRM](http://evil.example/login)\n\n# Approved';
const EVIL_CARD = {
  contentType: 'application/vnd.microsoft.card.adaptive',
  name: '**urgent**',
  content: {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [
      { type: 'Image', url: 'http://evil.example/pixel.png' },
      { type: 'TextBlock', text: 'Verified by the bank' },
    ],
    actions: [
      { type: 'Action.OpenUrl', title: 'Open CRM', url: 'http://evil.example/login' },
      { type: 'Action.Submit', title: 'Close', data: '/agent done' },
    ],
  },
};

async function ask(chat: EmulatorConversation, text: string): Promise<string> {
  const before = chat.texts.length;
  await chat.say(text);
  await chat.waitFor(() => chat.texts.length > before, 10_000, `an answer to ${text}`);
  return chat.texts.slice(before).join('\n');
}

/** Markdown syntax that is not backslash-escaped. */
const UNESCAPED_MARKDOWN = /(?<!\\)(\*\*|\[|\]\(|^#|\n#)/;

describe('agent relay safety', () => {
  let t: BotUnderTest;
  let customer: EmulatorConversation;
  let agent: EmulatorConversation;
  beforeAll(async () => {
    t = await startBotUnderTest({ env: { COWORK_AGENT_KEY: AGENT_KEY } });
    customer = t.conversation();
    await customer.say('agent');
    await customer.waitForText(HANDOFF_REQUESTED_TEXT);
    agent = t.conversation('agent-safety');
    await ask(agent, `/agent login ${AGENT_KEY}`);
    expect(await ask(agent, `/agent take ${customer.id}`)).toContain('You are now talking to');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("relays customer text escaped, on one line, prefixed as the customer's", async () => {
    const before = agent.received.length;
    await customer.say(EVIL_TEXT);
    const relayed = await agent.waitFor((a) => agent.received.indexOf(a) >= before && a.type === 'message', 10_000, 'the relayed text');
    const text = String(relayed.text);
    expect(text.startsWith('Customer wrote: ')).toBe(true);
    const body = text.slice('Customer wrote: '.length);
    expect(body).not.toMatch(UNESCAPED_MARKDOWN);
    expect(body).not.toContain('\n');
    expect(body).not.toMatch(/(?<!\\)http:\/\//);
    // Still readable: every character the customer typed is there.
    expect(body.replace(/\\(.)/g, '$1').replace(/ ⏎ /g, '\n\n')).toBe(EVIL_TEXT);
  });

  it("describes a customer's card instead of forwarding it", async () => {
    const before = agent.received.length;
    await customer.post({ type: 'message', text: '', attachments: [EVIL_CARD] });
    const relayed = await agent.waitFor((a) => agent.received.indexOf(a) >= before && a.type === 'message', 10_000, 'the description');
    expect(relayed.attachments ?? []).toHaveLength(0);
    expect(String(relayed.text)).toContain('an Adaptive Card');
    expect(String(relayed.text)).not.toContain('evil.example');
    expect(String(relayed.text)).not.toMatch(UNESCAPED_MARKDOWN);
    expect(agent.received.every((a) => (a.attachments ?? []).length === 0)).toBe(true);
  });

  it("a card click in the agent's conversation runs no agent command; typing it does", async () => {
    const customerBefore = customer.texts.length;
    await agent.post({ type: 'message', text: '/agent done', channelData: { postBack: true } });
    await agent.waitForText(CARD_CLICK_TEXT);
    await agent.post({ type: 'message', value: { command: '/agent done' }, text: '/agent done' });
    await agent.waitFor(() => agent.texts.filter((x) => x === CARD_CLICK_TEXT).length === 2, 10_000, 'the second refusal');
    expect(customer.texts.slice(customerBefore).some((x) => x.includes(BACK_WITH_BOT_TEXT))).toBe(false);
    await ask(agent, '/agent done');
    await customer.waitForText(BACK_WITH_BOT_TEXT);
  });
});
