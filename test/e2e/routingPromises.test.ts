/**
 * The pattern's two central promises, end to end (HTTP, the simulator, the real Salesforce clients):
 * an event that names a session reaches that session only, even with another form of the same Case
 * waiting in another conversation; and the Case is written once, counted after every effect has
 * settled (the session done, the effects pipeline idle), not when the first write lands.
 */
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { oneCase, startForm, thanks, thanksPrefix, waitUntil } from '../harness/coworkSteps';
import type { CoworkSession } from '../../cowork/domain/session';

const EVENT = 'Use_of_Funds__e';
const PATCH = 'PATCH /services/data/vXX.X/sobjects/{object}/{id}';

function caseWrites(t: BotUnderTest): number {
  return sim(t).org.requestCounts()[PATCH] ?? 0;
}

function thankYous(chat: EmulatorConversation): string[] {
  return chat.texts.filter((text) => text.startsWith(thanksPrefix()));
}

async function sessionOf(t: BotUnderTest, caseId: string, conversationId: string): Promise<CoworkSession> {
  const found = (await t.bot.service.pendingForCase(caseId)).find((s) => s.conversationId === conversationId);
  if (!found) throw new Error(`no pending session of ${caseId} in ${conversationId}`);
  return found;
}

/** Waits for the session to be done, then for every effect this bot started to finish. */
async function settled(t: BotUnderTest, sessionKey: string): Promise<void> {
  let state: string | undefined;
  const deadline = Date.now() + 10_000;
  while ((state = (await t.bot.service.get(sessionKey))?.state) !== 'done') {
    if (Date.now() > deadline) throw new Error(`timed out waiting for session ${sessionKey} to be done (it is ${state})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await t.bot.service.effectsIdle();
}

describe('routing and Case-write promises', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("customer A's keyed event answers A only, not the newer form B of the same Case in another conversation", async () => {
    const c = oneCase(sim(t).org);
    const chatA = t.conversation();
    const chatB = t.conversation();
    const formA = await startForm(chatA, c.caseNumber);
    const sessionA = await sessionOf(t, c.caseId, chatA.id);

    // A's event is held by Salesforce (streams stalled) while B opens a newer form for the Case:
    // A is submitted (waiting for its own event), so B does not supersede it.
    sim(t).org.stallStreams();
    let formB: Awaited<ReturnType<typeof startForm>>;
    try {
      await chatA.submitForm(formA.formToken, 'Education');
      await waitUntil(
        () =>
          sim(t)
            .org.publishedEvents(EVENT)
            .some((e) => e.payload.Session_Key__c === sessionA.key),
        "A's keyed event published",
      );
      formB = await startForm(chatB, c.caseNumber);
    } finally {
      sim(t).org.releaseStreams();
    }
    const sessionB = await sessionOf(t, c.caseId, chatB.id);
    expect(sessionB.state).toBe('form_sent');

    await chatA.waitForText(thanks('🎓 Education'));
    await settled(t, sessionA.key);
    expect(thankYous(chatB)).toEqual([]);
    expect((await t.bot.service.get(sessionB.key))?.state).toBe('form_sent');

    // B still takes its own customer's answer, which then lands on the Case.
    await chatB.submitForm(formB.formToken, 'Vehicle Purchase');
    await chatB.waitForText(thanks('🚗 Vehicle Purchase'));
    await settled(t, sessionB.key);
    expect(thankYous(chatB)).toHaveLength(1);
    expect(thankYous(chatA)).toHaveLength(1);
    expect(sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c).toBe('Vehicle Purchase');
  });

  it('writes the Case once and only once, counted after the effects have settled', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    const session = await sessionOf(t, c.caseId, chat.id);
    const before = caseWrites(t);
    await chat.submitForm(form.formToken, 'Renovation Work');
    await chat.waitForText(thanks('🛠 Renovation Work'));
    await settled(t, session.key);
    // The card's "saved" update is part of the settled effects: it has reached the channel.
    await waitUntil(() => chat.updates.some((u) => JSON.stringify(u).includes('Saved on Case')), 'the card updated as saved');
    await t.bot.service.effectsIdle();
    expect(caseWrites(t) - before).toBe(1);
    expect(sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c).toBe('Renovation Work');
  });
});
