/**
 * A stored session its shape check refuses (a hand edit, a bug, another writer) costs only itself,
 * end to end: the customer's other form in the same conversation still takes its answer, the Case is
 * written and the customer thanked; the operator's log names the refused key once.
 */
import { MemoryStorage, type StoreItems } from 'botbuilder';
import { sim, suiteBot } from '../harness/botUnderTest';
import { startForm, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

const THANKS = 'Thank you for completing the questionnaire';

/** Memory storage that remembers which session keys were written, in order. */
class WatchedStorage extends MemoryStorage {
  readonly sessionKeys: string[] = [];
  override async write(changes: StoreItems): Promise<void> {
    for (const key of Object.keys(changes)) if (key.startsWith('cowork/session/') && !this.sessionKeys.includes(key)) this.sessionKeys.push(key);
    return super.write(changes);
  }
}

describe('a refused stored session', () => {
  const storage = new WatchedStorage();
  const log = new RecordingLog();
  const t = suiteBot({ storage, log });

  it("leaves the conversation's other form working: its answer reaches the Case and the customer is thanked", async () => {
    const [first, second] = sim(t).org.createCases(2);
    if (!first || !second) throw new Error('no Cases');
    const chat = t.conversation();
    await startForm(chat, first.caseNumber);
    const [refusedKey] = storage.sessionKeys;
    const other = await startForm(chat, second.caseNumber);
    if (refusedKey === undefined) throw new Error('no session stored');
    // The first form's session loses its owner field: not of its shape any more.
    const { owner: _owner, ...rest } = (await storage.read([refusedKey]))[refusedKey] as Record<string, unknown>;
    await storage.write({ [refusedKey]: { ...rest, eTag: '*' } });

    await chat.submitForm(other.formToken, 'Education');
    await chat.waitForText(THANKS);
    await waitUntil(() => sim(t).org.getRecord('Case', second.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    expect(log.entries.filter((e) => e.fields.key === refusedKey && e.msg?.includes('not of its shape'))).toHaveLength(1);
  });
});
