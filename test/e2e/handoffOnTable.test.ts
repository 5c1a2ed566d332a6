/**
 * On Table storage a turn's state load reads the conversation's handoff record along (one partition per
 * conversation: storage/keyLayout.ts), and that turn's "who owns the chat" is answered from it. These hold
 * it to what a read of its own gave: a takeover (or its end) landing on another instance between two turns
 * is seen by the next turn, the customer's typed message, the card's submit and the proactive thank-you alike.
 * Two instances over one Table-like store (the co-work store port on its memory implementation) and one org.
 */
import { signHandoffStatus } from '../../bot/handoff/handoffTrust';
import { MemoryCoworkStore } from '../../storage/memoryStore';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';
import { oneCase, startForm, thanks, waitUntil } from '../harness/coworkSteps';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { panelInstances } from '../harness/panelInstances';

const HANDOFF_SECRET = 'test-handoff-secret-0123456789-abcdefgh';
const HELP = 'co-work bot';
const ENV = { COWORK_HANDOFF_SECRET: HANDOFF_SECRET, COWORK_AGENT_KEY: 'handoff-on-table-agent-key' };

describe('who owns the chat, read with the conversation state on Table, two instances', () => {
  const storage = new StoreBackedStorage(new MemoryCoworkStore());
  const rig = panelInstances([ENV, ENV], { storage });
  let customers = 0;

  /** A new customer's conversation on the first instance, and the same conversation as the channel sends it to the second. */
  function customer(): { onA: EmulatorConversation; onB: EmulatorConversation } {
    const onA = rig.channel.conversation(rig.running[0]!.url, { id: `table-customer-${++customers}` });
    return { onA, onB: rig.channel.conversation(rig.running[1]!.url, onA.user, onA.id) };
  }

  async function status(chat: EmulatorConversation, state: string): Promise<void> {
    const response = await chat.sendEvent('handoff.status', { state, ...signHandoffStatus(HANDOFF_SECRET, chat.id, state) });
    expect(response.status).toBe(200);
  }

  /** Says `text` and resolves what the bot answered, or nothing once the bot has processed the turn without a word. */
  async function sayAndRead(chat: EmulatorConversation, text: string): Promise<string> {
    const before = chat.texts.length;
    expect((await chat.say(text)).status).toBe(200); // the turn is over when the POST is answered
    return chat.texts.slice(before).join('\n');
  }

  /** The notes of the conversation's handoff record once one says `fragment` (polled, bounded). */
  async function notesOnceSaying(conversationId: string, fragment: string, timeoutMs = 10_000): Promise<string[]> {
    const key = `cowork/handoff/${conversationId}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stored = (await storage.read([key]))[key]?.notes;
      const notes = Array.isArray(stored) ? stored.map(String) : [];
      if (notes.some((n) => n.includes(fragment))) return notes;
      if (Date.now() > deadline) throw new Error(`timed out waiting for a handoff note saying ${fragment}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it("keeps the handoff record in the conversation state's partition (what the turns read by one query)", async () => {
    const { onA, onB } = customer();
    expect(await sayAndRead(onA, 'help')).toContain(HELP);
    await status(onB, 'accepted');
    expect(storage.keptTogether([`emulator/conversations/${onA.id}/cowork`, `cowork/handoff/${onA.id}`])).toBe(true);
    expect(Object.keys(await storage.readWith(`cowork/handoff/${onA.id}`))).toEqual(
      expect.arrayContaining([`emulator/conversations/${onA.id}/cowork`, `cowork/handoff/${onA.id}`]),
    );
  });

  it('a takeover on the other instance between two typed turns silences the next turn; its end lets the bot answer again', async () => {
    const { onA, onB } = customer();
    expect(await sayAndRead(onA, 'help')).toContain(HELP); // the state is stored, the record not there
    await status(onB, 'accepted');
    expect(await sayAndRead(onA, 'help')).toBe('');
    await status(onB, 'completed');
    expect(await sayAndRead(onA, 'help')).toContain(HELP);
  });

  it("a takeover on the other instance after the form was sent: the submit's turn and the thank-you see it (the agent is told, the customer not thanked)", async () => {
    const kase = oneCase(rig.simulator.org);
    const { onA, onB } = customer();
    const { formToken } = await startForm(onA, kase.caseNumber);
    await status(onB, 'accepted');
    const said = onA.texts.length;
    expect((await onA.submitForm(formToken, 'Renovation Work')).status).toBe(200);
    await waitUntil(() => rig.simulator.org.getRecord('Case', kase.caseId)?.Use_of_Funds__c === 'Renovation Work', 'the Case update');
    // The thank-you's turn (whichever instance took the answer) told the agent: no agent is looking, so a note.
    const notes = await notesOnceSaying(onA.id, `The answer arrived for Case ${kase.caseNumber}`);
    expect(notes.some((n) => n.includes('submitted the form'))).toBe(true);
    expect(onA.texts.slice(said)).toEqual([]);
    expect(onA.texts).not.toContain(thanks('🛠 Renovation Work'));
  });

  it('a takeover ended on the other instance before the submit: the customer is thanked, once', async () => {
    const kase = oneCase(rig.simulator.org);
    const { onA, onB } = customer();
    const { formToken } = await startForm(onA, kase.caseNumber);
    await status(onB, 'accepted');
    await status(onB, 'completed');
    await onA.submitForm(formToken, 'Education');
    await onA.waitForText(thanks('🎓 Education'));
    expect(onA.texts.filter((t) => t.includes(thanks('🎓 Education')))).toHaveLength(1);
  });
});
