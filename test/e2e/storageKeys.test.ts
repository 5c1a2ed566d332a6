/**
 * Storage keys on Azure Blob Storage (Azurite), over HTTP: botbuilder-azure-blobs URI-encodes a
 * key and silently truncates it at 1,024 characters, so two conversations with long non-ASCII
 * ids would share their state. Such keys are stored under a hash of the whole key instead.
 */
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { storageKey, HASHED_KEY_PREFIX } from '../../bot/storage';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { startForm, waitUntil } from '../harness/coworkSteps';
import { startAzurite, type Azurite } from '../harness/processes';

jest.setTimeout(60_000);

const THANKS = 'Thank you for completing the questionnaire';
// 250 × "é" is 1,500 characters URI-encoded: the ids differ only after the 1,024th.
const LONG = 'é'.repeat(250);

describe('storage keys on blob storage', () => {
  let azurite: Azurite;
  let t: BotUnderTest;
  beforeAll(async () => {
    azurite = await startAzurite();
    t = await startBotUnderTest({
      env: { STORAGE: 'blob', AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: `keys-${process.pid}` },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await azurite?.stop();
  });

  it('keeps two conversations with long non-ASCII ids apart', async () => {
    const [c1, c2] = sim(t).org.createCases(2);
    if (!c1 || !c2) throw new Error('no Cases');
    const first = t.conversation('long-1', `${LONG}-first`);
    const second = t.conversation('long-2', `${LONG}-second`);
    await startForm(first, c1.caseNumber);
    await startForm(second, c2.caseNumber);
    // The first conversation's typed answer belongs to its own form and Case.
    await first.say('renovation');
    await first.waitForText('Send it?');
    await first.say('yes');
    await first.waitForText(THANKS);
    await waitUntil(() => sim(t).org.getRecord('Case', c1.caseId)?.Use_of_Funds__c === 'Renovation Work', 'the first Case update');
    expect(sim(t).org.getRecord('Case', c2.caseId)?.Use_of_Funds__c ?? null).toBeNull();
    expect(second.texts.some((x) => x.includes(THANKS))).toBe(false);
    // The second is still waiting for its own answer.
    await second.say('education');
    await second.waitForText('Send it?');
    await second.say('yes');
    await second.waitForText(THANKS);
    await waitUntil(() => sim(t).org.getRecord('Case', c2.caseId)?.Use_of_Funds__c === 'Education', 'the second Case update');
    expect(sim(t).org.getRecord('Case', c1.caseId)?.Use_of_Funds__c).toBe('Renovation Work');
  });

  it('stores such keys under a hash: distinct blobs, short ones untouched (and raw blob keys do collide)', async () => {
    expect(storageKey('cowork/session/abc')).toBe('cowork/session/abc');
    const a = storageKey(`cowork/handoff/${LONG}-a`);
    const b = storageKey(`cowork/handoff/${LONG}-b`);
    expect(a.startsWith(HASHED_KEY_PREFIX)).toBe(true);
    expect(a).not.toBe(b);
    expect(storageKey('a//b')).not.toBe(storageKey('a/b'));
    expect(storageKey(a)).not.toBe(a);
    // Through the bot's own storage, on Azurite: two long keys hold two values.
    const keyA = `cowork/agent/${LONG}-a`;
    const keyB = `cowork/agent/${LONG}-b`;
    await t.bot.storage.write({ [keyA]: { value: 'a', eTag: '*' }, [keyB]: { value: 'b', eTag: '*' } });
    const read = await t.bot.storage.read([keyA, keyB]);
    expect([read[keyA]?.value, read[keyB]?.value]).toEqual(['a', 'b']);
    // Without the hashing they would be one blob.
    const raw = new BlobsStorage(azurite.connectionString, `keys-${process.pid}`);
    await raw.write({ [keyA]: { value: 'a' }, [keyB]: { value: 'b' } });
    const rawRead = await raw.read([keyA]);
    expect(rawRead[keyA]?.value).toBe('b');
  });
});
