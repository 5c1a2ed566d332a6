/**
 * `/agent login` guessing, over HTTP, with two bot instances sharing Azure Blob Storage
 * (Azurite): the guessing conversation is locked with a growing delay, the limit holds across
 * instances, and guesses from many conversations slow logins down (with an alert) but never lock
 * the real agent out.
 */
import { BlobsStorage } from 'botbuilder-azure-blobs';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { waitUntil } from '../harness/coworkSteps';
import { startAzurite, type Azurite } from '../harness/processes';
import { RecordingLog } from '../harness/recordingLog';

jest.setTimeout(90_000);

const AGENT_KEY = 'test-agent-key-0123456789';
const LOCK_MS = 2000;

async function ask(chat: EmulatorConversation, text: string): Promise<string> {
  const before = chat.texts.length;
  await chat.say(text);
  await chat.waitFor(() => chat.texts.length > before, 20_000, `an answer to ${text}`);
  return chat.texts.slice(before).join('\n');
}

describe('agent login limits across instances', () => {
  let azurite: Azurite;
  let a: BotUnderTest;
  let b: BotUnderTest;
  const log = new RecordingLog();

  beforeAll(async () => {
    azurite = await startAzurite();
    const container = `agent-login-${process.pid}`;
    const options = { env: { COWORK_AGENT_KEY: AGENT_KEY }, log, agentLoginLimits: { lockMs: LOCK_MS } };
    a = await startBotUnderTest({ ...options, storage: new BlobsStorage(azurite.connectionString, container) });
    b = await startBotUnderTest({ ...options, storage: new BlobsStorage(azurite.connectionString, container) });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await azurite?.stop();
  });

  it('locks the guessing conversation on every instance, for longer after each lock', async () => {
    const onA = a.conversation('guesser');
    const onB = b.channel.conversation(b.bot.url, onA.user, onA.id);
    for (let i = 0; i < 5; i++) expect(await ask(i % 2 === 0 ? onA : onB, `/agent login wrong-${i}`)).toContain('not valid');
    // Locked on the other instance too, even with the right key.
    expect(await ask(onB, `/agent login ${AGENT_KEY}`)).toContain('Too many wrong keys from this conversation');
    const locks = () => log.entries.filter((e) => e.msg === 'agent conversation locked after wrong keys').map((e) => e.fields.lockedForMs);
    expect(locks()).toEqual([LOCK_MS]);
    const firstLockAt = Date.now();
    await waitUntil(() => Date.now() > firstLockAt + LOCK_MS + 50, 'the first lock to pass', 15_000);
    expect(await ask(onA, '/agent login wrong-again')).toContain('not valid');
    expect(locks()).toEqual([LOCK_MS, 2 * LOCK_MS]);
    expect(await ask(onA, `/agent login ${AGENT_KEY}`)).toContain('Too many wrong keys');
    const secondLockAt = Date.now();
    await waitUntil(() => Date.now() > secondLockAt + 2 * LOCK_MS + 50, 'the second lock to pass', 15_000);
    expect(await ask(onB, `/agent login ${AGENT_KEY}`)).toContain('Logged in as agent');
  });

  it('40 wrong guesses from other conversations do not lock the real agent out, and raise an alert', async () => {
    const guessers = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).conversation(`bot-${i}`));
    for (let i = 0; i < guessers.length; i += 8) {
      const batch = guessers.slice(i, i + 8);
      const answers = await Promise.all(batch.map((chat, j) => ask(chat, `/agent login guess-${i + j}`)));
      for (const answer of answers) expect(answer).toContain('not valid');
    }
    expect(log.find((e) => e.level === 'error' && e.msg.startsWith('ALERT: many wrong agent keys'))).toBeDefined();
    const realAgent = a.conversation('real-agent');
    expect(await ask(realAgent, `/agent login ${AGENT_KEY}`)).toContain('Logged in as agent');
    const otherInstance = b.conversation('real-agent-2');
    expect(await ask(otherInstance, `/agent login ${AGENT_KEY}`)).toContain('Logged in as agent');
  });
});
