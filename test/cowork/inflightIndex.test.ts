/**
 * The in-flight index on both kinds of storage: key lists in one document per shard (MemoryStorage,
 * Blob), one row per session in the shard's partition on the co-work store port (STORAGE=table).
 */
import { createHash } from 'node:crypto';
import { MemoryStorage, type Storage } from 'botbuilder';
import { CountingCoworkStore } from '../../bench/countingStore';
import { InFlightIndex } from '../../cowork/stores/inflight';
import { MemoryCoworkStore } from '../../storage/memoryStore';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';

const storages: [string, () => Storage][] = [
  ['botbuilder MemoryStorage', () => new MemoryStorage()],
  ['the co-work store port', () => new StoreBackedStorage(new MemoryCoworkStore())],
];

describe.each(storages)('the in-flight index on %s', (_name, newStorage) => {
  it('lists what was added, on any instance, until it is removed', async () => {
    const storage = newStorage();
    const one = new InFlightIndex(storage);
    const other = new InFlightIndex(storage);
    const keys = Array.from({ length: 40 }, (_, i) => `session-${i}`);
    await Promise.all(keys.map((k, i) => (i % 2 === 0 ? one : other).add(k)));
    await one.add('session-0');
    expect((await other.all()).sort()).toEqual([...keys].sort());
    await Promise.all(keys.slice(0, 30).map((k, i) => (i % 2 === 0 ? other : one).remove(k)));
    await one.remove('never-listed');
    expect((await one.all()).sort()).toEqual(keys.slice(30).sort());
  });
});

describe('the in-flight index on the co-work store port (STORAGE=table)', () => {
  it('lists a session with one upsert and unlists it with one delete, reading nothing first; the sweep is one query per shard', async () => {
    const store = new CountingCoworkStore(new MemoryCoworkStore());
    const index = new InFlightIndex(new StoreBackedStorage(store));
    await index.add('session-a');
    expect(store.counts).toEqual({ 'upsert cowork/inflight/*': 1 });
    await index.remove('session-a');
    expect(store.counts).toEqual({ 'upsert cowork/inflight/*': 1, 'delete cowork/inflight/*': 1 });
    expect(await index.all()).toEqual([]);
    expect(store.counts['query cowork/inflight/*']).toBe(16);
  });

  it('still lists the sessions of a shard document (as a migration from Blob brings them) and unlists them from it', async () => {
    const storage = new StoreBackedStorage(new MemoryCoworkStore());
    const index = new InFlightIndex(storage);
    // Each key in its shard's document, as the key-list index keeps them.
    const shardOf = (key: string): string => `cowork/inflight/${createHash('sha1').update(key).digest().readUInt16BE(0) % 16}`;
    for (const key of ['old-1', 'old-2'])
      await storage.write({ [shardOf(key)]: { keys: [...((await storage.read([shardOf(key)]))[shardOf(key)]?.keys ?? []), key], eTag: '*' } });
    await index.add('new-1');
    expect((await index.all()).sort()).toEqual(['new-1', 'old-1', 'old-2']);
    await index.remove('old-1');
    await index.remove('new-1');
    expect(await index.all()).toContain('old-2');
    expect(await new InFlightIndex(storage).all()).not.toContain('old-1');
  });

  it('names to the sweep only the sessions something may be due for: a row says from when', async () => {
    const index = new InFlightIndex(new StoreBackedStorage(new MemoryCoworkStore()));
    await index.add('waiting', { notBefore: 10_000 });
    await index.add('due', { notBefore: 5_000 });
    await index.add('unknown');
    expect((await index.due(4_999)).sort()).toEqual(['unknown']);
    expect((await index.due(5_000)).sort()).toEqual(['due', 'unknown']);
    expect((await index.due(10_000)).sort()).toEqual(['due', 'unknown', 'waiting']);
    expect((await index.all()).sort()).toEqual(['due', 'unknown', 'waiting']);
  });
});
