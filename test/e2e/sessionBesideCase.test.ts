/**
 * STORAGE=table (the Table store's semantics on the memory implementation), through the bot's real path:
 * a new session is a row of its Case document's partition (its key names the Case), and a session an
 * earlier release stored (a key of 32 hex alone, a partition of its own, listed in its Case's document)
 * still completes after the upgrade: the answer's event naming it thanks the customer and writes the Case.
 */
import { MemoryCoworkStore } from '../../storage/memoryStore';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';
import { CaseDocuments } from '../../cowork/stores/caseDocument';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, startForm, thanks, waitUntil } from '../harness/coworkSteps';

describe('sessions beside their Case document on Table storage', () => {
  let t: BotUnderTest;
  const memory = new MemoryCoworkStore();
  const storage = new StoreBackedStorage(memory);
  beforeAll(async () => {
    t = await startBotUnderTest({ storage });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a session stored under a key of an earlier release (no Case in it, its own partition) still completes', async () => {
    const kase = oneCase(sim(t).org);
    const chat = t.conversation();
    await startForm(chat, kase.caseNumber);
    const partition = `cowork/case/${kase.caseId}`;
    const [row] = (await memory.query(partition)).map((e) => e.row).filter((r) => r.startsWith('session:'));
    const newKey = row?.slice('session:'.length) ?? '';
    expect(newKey).toMatch(new RegExp(`^${kase.caseId}-[0-9a-f]{32}$`));

    // As an earlier release stored it: the session under a random key alone, listed in the Case's document.
    const oldKey = '0123456789abcdef0123456789abcdef';
    const item = (await storage.read([`cowork/session/${newKey}`]))[`cowork/session/${newKey}`];
    await storage.write({ [`cowork/session/${oldKey}`]: { ...item, key: oldKey, eTag: '*' } });
    await storage.delete([`cowork/session/${newKey}`]);
    await new CaseDocuments(storage).update(kase.caseId, (doc) => ({
      next: { ...doc, keys: doc.keys.map((k) => (k === newKey ? oldKey : k)) },
      result: undefined,
    }));
    expect(await memory.get(`cowork/session/${oldKey}`, 'kv')).toBeDefined();

    // The form's answer event naming the old key, as Salesforce delivers it after the bot's publish.
    sim(t).org.publishEvent('Use_of_Funds__e', { Correlation_Id__c: kase.caseId, Session_Key__c: oldKey, Use_of_Fund_Reason__c: 'Education' });
    await chat.waitForText(thanks('🎓 Education'));
    await waitUntil(() => sim(t).org.getRecord('Case', kase.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    // Done once the Case is written (polled, bounded: the card's "saved" names the new key's card, not this one).
    const state = async (): Promise<unknown> => ((await memory.get(`cowork/session/${oldKey}`, 'kv'))?.data as { state?: unknown } | undefined)?.state;
    for (const deadline = Date.now() + 10_000; (await state()) !== 'done' && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await state()).toBe('done');
    const doc = (await memory.get(partition, 'kv'))?.data as { keys: string[]; answers: Record<string, { sessionKey: string }> };
    expect(doc.keys).toEqual([]);
    expect(doc.answers['use-of-funds']?.sessionKey).toBe(oldKey);
    expect((await memory.query(partition)).filter((e) => e.row.startsWith('session:'))).toEqual([]);
  });
});
