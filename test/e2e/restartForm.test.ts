/**
 * Memory storage and a restart, over HTTP: the bot forgets its sessions when it stops, but a
 * form token's signed Case binding lets the restarted bot recognise a form from before and send
 * it again, instead of "This form is no longer active". The banner says memory storage loses sessions.
 */
import { simulatorEnv } from '../../salesforce';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { LOST_FORM_TEXT } from '../../bot/turn/lostForm';
import { startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, readFormCard, startForm, waitUntil } from '../harness/coworkSteps';
import { startBotProcess } from '../harness/processes';

jest.setTimeout(60_000);

const FORM_SECRET = 'test-form-secret-0123456789-abcdefghijk';
const THANKS = 'Thank you for completing the questionnaire';
const STALE = 'This form is no longer active';

describe('a form from before a restart (memory storage)', () => {
  let sim: RunningSimulator;
  const bots: BotUnderTest[] = [];
  beforeAll(async () => {
    sim = await startSimulator({ keepaliveIntervalMs: 500 });
  });
  afterAll(async () => {
    await Promise.all(bots.map((b) => b.stop()));
    await sim?.stop();
  });

  async function start(secret = FORM_SECRET): Promise<BotUnderTest> {
    const bot = await startBotUnderTest({ env: { ...simulatorEnv(sim), COWORK_DEV_COMMANDS: 'true', COWORK_FORM_SECRET: secret } });
    bots.push(bot);
    return bot;
  }

  it('is recognised after the restart and sent again; the new one completes', async () => {
    const c = oneCase(sim.org);
    const before = await start();
    const chat = before.conversation('restart-customer', 'conv-restart-1');
    const old = await startForm(chat, c.caseNumber);
    await before.stop();

    const after = await start();
    const again = after.channel.conversation(after.bot.url, chat.user, chat.id);
    await again.submitForm(old.formToken, 'Education');
    await again.waitForText(LOST_FORM_TEXT);
    const fresh = readFormCard(await again.waitForCard(1));
    expect(fresh.formToken).not.toBe(old.formToken);
    // Nothing was published from the old card.
    expect(sim.org.getRecord('Case', c.caseId)?.Use_of_Funds__c ?? null).toBeNull();
    await again.submitForm(fresh.formToken, 'Education');
    await again.waitForText(THANKS);
    await waitUntil(() => sim.org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
  });

  it('is not recognised in another conversation, nor by a deployment with another key', async () => {
    const c = oneCase(sim.org);
    const before = await start();
    const chat = before.conversation('restart-2', 'conv-restart-2');
    const old = await startForm(chat, c.caseNumber);
    await before.stop();

    const after = await start();
    const elsewhere = after.channel.conversation(after.bot.url, chat.user, 'conv-restart-other');
    await elsewhere.submitForm(old.formToken, 'Education');
    await elsewhere.waitForText(STALE);
    const otherKey = await start('another-form-secret-0123456789-abcdefgh');
    const same = otherKey.channel.conversation(otherKey.bot.url, chat.user, chat.id);
    await same.submitForm(old.formToken, 'Education');
    await same.waitForText(STALE);
    expect(same.cards).toHaveLength(0);
  });

  it('the start-up banner says memory storage loses sessions', async () => {
    const bot = await startBotProcess({});
    try {
      await waitUntil(() => bot.output().includes('Storage:'), 'the banner', 20_000);
      expect(bot.output()).toMatch(/Storage: in memory .*LOST when the bot stops/);
    } finally {
      await bot.stop();
    }
  });
});
