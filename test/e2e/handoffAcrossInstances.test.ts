/**
 * Whenever a person owns a conversation the bot stays silent, whichever instance applied the handoff
 * and whichever channel the contact centre's status came on: two instances over one storage. (These
 * hold any shortcut that would spare the read of the handoff record per turn to what it must keep:
 * conversation state is kept per channel, the handoff record per conversation.)
 */
import { MemoryStorage } from 'botbuilder';
import { HANDOFF_REQUESTED_TEXT } from '../../bot/handoff/handoffProtocol';
import { signHandoffStatus } from '../../bot/handoff/handoffTrust';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';

const HANDOFF_SECRET = 'test-handoff-secret-0123456789-abcdefgh';
const HELP = 'co-work bot';

function status(chat: EmulatorConversation, state: string): Promise<Response> {
  return chat.sendEvent('handoff.status', { state, ...signHandoffStatus(HANDOFF_SECRET, chat.id, state) });
}

/** Says `text` and resolves what the bot answered, or nothing once the bot has processed the turn without a word. */
async function sayAndRead(chat: EmulatorConversation, text: string): Promise<string> {
  const before = chat.texts.length;
  const response = await chat.say(text);
  expect(response.status).toBe(200); // the turn is over when the POST is answered
  return chat.texts.slice(before).join('\n');
}

describe('a person owns the conversation on every instance', () => {
  const storage = new MemoryStorage();
  let a: BotUnderTest;
  let b: BotUnderTest;
  beforeAll(async () => {
    // The agent relay is the requests' target (nothing else reads them on the Emulator's channel).
    const env = { COWORK_HANDOFF_SECRET: HANDOFF_SECRET, COWORK_AGENT_KEY: 'across-instances-agent-key' };
    a = await startBotUnderTest({ env, storage });
    b = await startBotUnderTest({ env, storage });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  /** The same conversation, as the channel would send it to the other instance. */
  const onB = (chat: EmulatorConversation): EmulatorConversation => a.channel.conversation(b.bot.url, chat.user, chat.id);

  it('a conversation nobody asked a person for is answered by the bot', async () => {
    const chat = a.conversation();
    expect(await sayAndRead(chat, 'help')).toContain(HELP);
    expect(await sayAndRead(onB(chat), 'help')).toContain(HELP);
  });

  it("an agent's takeover with no request (accepted on one instance) silences the bot on the other", async () => {
    const chat = a.conversation();
    expect(await sayAndRead(chat, 'help')).toContain(HELP); // its state is stored, without a handoff
    expect((await status(onB(chat), 'accepted')).status).toBe(200);
    expect(await sayAndRead(chat, 'help')).toBe('');
    expect(await sayAndRead(onB(chat), 'help')).toBe('');
  });

  it('an agent takeover as the very first activity of a conversation silences the bot', async () => {
    const chat = a.conversation();
    expect((await status(chat, 'accepted')).status).toBe(200);
    expect(await sayAndRead(onB(chat), 'help')).toBe('');
  });

  it('a request made on one instance and accepted on the other keeps both silent until it is completed', async () => {
    const chat = a.conversation();
    await chat.say('human');
    await chat.waitForText(HANDOFF_REQUESTED_TEXT);
    expect((await status(onB(chat), 'accepted')).status).toBe(200);
    expect(await sayAndRead(chat, 'help')).toBe('');
    expect(await sayAndRead(onB(chat), 'help')).toBe('');
    expect((await status(chat, 'completed')).status).toBe(200);
    expect(await sayAndRead(onB(chat), 'help')).toContain(HELP);
  });

  it("a takeover from the contact centre's own channel (COWORK_HANDOFF_CHANNELS) silences the bot in the customer's channel", async () => {
    const t = await startBotUnderTest({ env: { COWORK_HANDOFF_CHANNELS: 'contact-centre' }, storage });
    try {
      const chat = t.conversation();
      expect(await sayAndRead(chat, 'help')).toContain(HELP);
      const accepted = await chat.post({ type: 'event', name: 'handoff.status', value: { state: 'accepted' }, channelId: 'contact-centre' });
      expect(accepted.status).toBe(200);
      expect(await sayAndRead(chat, 'help')).toBe('');
    } finally {
      await t.stop();
    }
  });
});
