/**
 * Co-work's key layout for sessions (storage/keyLayout.ts): a session whose key names its Case is a row
 * of its Case document's partition, from the key alone; any other key keeps a partition of its own.
 */
import { KEY_VALUE_ROW, LAYOUT_RULES, locate, partitionOfKey } from '../../storage/keyLayout';
import { caseOfSessionKey, isSessionKey, newSessionKey } from '../../util/sessionKey';
import { normalizeId } from '../../util/salesforceId';
import { MemoryCoworkStore } from '../../storage/memoryStore';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';

const CASE_ID = normalizeId('500Sm0000000001') as string;

describe('a session key and where it is stored', () => {
  it('names its Case beside 16 random bytes, within Session_Key__c (Text(64)), and is never the same twice', () => {
    const keys = Array.from({ length: 100 }, () => newSessionKey(CASE_ID));
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^${CASE_ID}-[0-9a-f]{32}$`));
      expect(key.length).toBeLessThanOrEqual(64);
      expect(isSessionKey(key)).toBe(true);
      expect(caseOfSessionKey(key)).toBe(CASE_ID);
    }
    expect(new Set(keys).size).toBe(keys.length);
    // An id that is no Case's in its 18-character form is not named: the key is random alone, as before.
    expect(newSessionKey('500Sm0000000001')).toMatch(/^[0-9a-f]{32}$/);
  });

  it("places a new session in its Case document's partition, and any other key (an earlier release's, a forged Case) in its own", () => {
    const key = newSessionKey(CASE_ID);
    const caseKey = `cowork/case/${CASE_ID}`;
    expect(LAYOUT_RULES.length).toBeGreaterThan(0);
    expect(locate(`cowork/session/${key}`)).toEqual({ partition: partitionOfKey(caseKey), row: `session:${key}`, shared: true });
    expect(locate(caseKey)).toEqual({ partition: caseKey, row: KEY_VALUE_ROW, shared: false });
    const old = '0123456789abcdef0123456789abcdef';
    expect(locate(`cowork/session/${old}`)).toEqual({ partition: `cowork/session/${old}`, row: KEY_VALUE_ROW, shared: false });
    const random = key.slice(19);
    // Not a Case's prefix, a wrong checksum, the random part's case changed: no session key, no partition but its own.
    for (const forged of [`001Sm0000000001IAA-${random}`, `500Sm0000000001AAA-${random}`, `${CASE_ID}-${random.toUpperCase()}`]) {
      expect(isSessionKey(forged)).toBe(false);
      expect(locate(`cowork/session/${forged}`).row).toBe(KEY_VALUE_ROW);
    }
    const storage = new StoreBackedStorage(new MemoryCoworkStore());
    expect(storage.keptTogether([`cowork/session/${key}`, caseKey])).toBe(true);
    expect(storage.keptTogether([`cowork/session/${old}`, caseKey])).toBe(false);
  });

  it('reads a Case document with its sessions by one query, and lists every key by the key it was written with', async () => {
    const store = new MemoryCoworkStore();
    const storage = new StoreBackedStorage(store);
    const caseKey = `cowork/case/${CASE_ID}`;
    const [a, b] = [newSessionKey(CASE_ID), newSessionKey(CASE_ID)];
    await storage.writeTogether([
      { key: caseKey, item: { keys: [a, b] }, ifAbsent: true },
      { key: `cowork/session/${a}`, item: { key: a }, ifAbsent: true },
    ]);
    await storage.write({ [`cowork/session/${b}`]: { key: b, eTag: '*' } });
    expect(Object.keys(await storage.readWith(caseKey)).sort()).toEqual([caseKey, `cowork/session/${a}`, `cowork/session/${b}`].sort());
    expect((await storage.keys(async () => store.partitionKeys())).sort()).toEqual([caseKey, `cowork/session/${a}`, `cowork/session/${b}`].sort());
  });
});
