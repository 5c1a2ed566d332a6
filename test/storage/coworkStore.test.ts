/**
 * The co-work store port's contract, run against both implementations: the memory store and the
 * Table store on Azurite's table service (over HTTP, through @azure/data-tables). What the memory
 * store answers is what Azure Table storage answers, limits included.
 */
import { StoreConflictError, StoreLimitError, type CoworkStore } from '../../cowork/coworkStore';
import { MemoryCoworkStore } from '../../storage/memoryStore';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';
import type { LayoutRule } from '../../storage/keyLayout';
import { CountingCoworkStore, requestsBetween } from '../../bench/countingStore';
import { TableCoworkStore } from '../../storage/tableStore';
import { isETagConflict } from '../../util/eTagUpdate';
import { proxyTableService, type FaultProxy } from '../harness/faultProxy';
import { startAzurite, type Azurite } from '../harness/processes';

jest.setTimeout(60_000);

let azurite: Azurite;
let tables = 0;

beforeAll(async () => {
  azurite = await startAzurite('table');
});
afterAll(async () => {
  await azurite?.stop();
});

async function conflict(promise: Promise<unknown>): Promise<StoreConflictError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StoreConflictError) return error;
    throw error;
  }
  throw new Error('the write was not refused');
}

const implementations: [string, () => Promise<CoworkStore>][] = [
  ['memory', async () => new MemoryCoworkStore()],
  ['table (Azurite)', () => TableCoworkStore.open(azurite.connectionString, `contract${process.pid}x${++tables}`, { maxAttempts: 1 })],
];

describe.each(implementations)('the co-work store on %s', (_name, open) => {
  let store: CoworkStore;
  beforeEach(async () => {
    store = await open();
  });

  it('creates only what is absent, and every write returns the new eTag', async () => {
    const first = await store.create('case/1', 'session/a', { state: 'form_sent' });
    expect((await store.get('case/1', 'session/a'))?.eTag).toBe(first);
    const refused = await conflict(store.create('case/1', 'session/a', { state: 'other' }));
    expect(refused.kind).toBe('exists');
    expect((await store.get('case/1', 'session/a'))?.data).toEqual({ state: 'form_sent' });
    const second = await store.replace('case/1', 'session/a', { state: 'submitted' }, first);
    expect(second).not.toBe(first);
    expect(await store.get('case/1', 'session/a')).toEqual({ partition: 'case/1', row: 'session/a', eTag: second, data: { state: 'submitted' } });
    const third = await store.upsert('case/1', 'session/a', { state: 'done' });
    expect((await store.get('case/1', 'session/a'))?.eTag).toBe(third);
  });

  it('refuses a stale eTag and a replace of nothing, in a way isETagConflict recognises', async () => {
    const first = await store.create('p', 'r', { n: 1 });
    await store.replace('p', 'r', { n: 2 }, first);
    const stale = await conflict(store.replace('p', 'r', { n: 3 }, first));
    expect(stale.kind).toBe('stale');
    expect(isETagConflict(stale)).toBe(true);
    expect((await conflict(store.replace('p', 'none', { n: 1 }, first))).kind).toBe('missing');
    expect((await conflict(store.delete('p', 'r', first))).kind).toBe('stale');
    expect((await store.get('p', 'r'))?.data).toEqual({ n: 2 });
    await store.delete('p', 'r');
    await store.delete('p', 'r');
    expect(await store.get('p', 'r')).toBeUndefined();
  });

  it('queries a partition, or the rows of a prefix, in row order, and nothing of another partition', async () => {
    await store.create('case/2', 'session/b', { k: 'b' });
    await store.create('case/2', 'session/a', { k: 'a' });
    await store.create('case/2', 'doc', { k: 'doc' });
    await store.create('case/20', 'session/c', { k: 'c' });
    expect((await store.query('case/2')).map((e) => e.row)).toEqual(['doc', 'session/a', 'session/b']);
    expect((await store.query('case/2', { rowPrefix: 'session/' })).map((e) => e.data)).toEqual([{ k: 'a' }, { k: 'b' }]);
    expect(await store.query('case/none')).toEqual([]);
  });

  it('writes a transaction all together or not at all, with each eTag in order', async () => {
    const doc = await store.create('case/3', 'doc', { keys: [] });
    const [docETag, sessionETag, none] = await store.transact('case/3', [
      { kind: 'replace', row: 'doc', data: { keys: ['s'] }, eTag: doc },
      { kind: 'create', row: 'session/s', data: { state: 'form_sent' } },
      { kind: 'upsert', row: 'mark', data: {} },
    ]);
    expect(none).toBeDefined();
    expect((await store.get('case/3', 'doc'))?.eTag).toBe(docETag);
    expect((await store.get('case/3', 'session/s'))?.eTag).toBe(sessionETag);
    // The second operation refuses (stale): the first is not applied either.
    const refused = await conflict(
      store.transact('case/3', [
        { kind: 'replace', row: 'session/s', data: { state: 'answered' }, eTag: sessionETag as string },
        { kind: 'replace', row: 'doc', data: { keys: [] }, eTag: doc },
      ]),
    );
    expect(refused.kind).toBe('stale');
    expect((await store.get('case/3', 'session/s'))?.data).toEqual({ state: 'form_sent' });
    // A transaction deleting a row that is not there fails whole, as on the service.
    expect(
      (
        await conflict(
          store.transact('case/3', [
            { kind: 'upsert', row: 'x', data: {} },
            { kind: 'delete', row: 'none' },
          ]),
        )
      ).kind,
    ).toBe('missing');
    expect(await store.get('case/3', 'x')).toBeUndefined();
    await store.transact('case/3', [
      { kind: 'delete', row: 'doc' },
      { kind: 'upsert', row: 'x', data: {} },
    ]);
    expect(await store.get('case/3', 'doc')).toBeUndefined();
  });

  it('keeps what Azure Table storage keeps, and refuses what it refuses: 64 KiB properties split, 1 MiB entities, 100 operations', async () => {
    // Several 64 KiB properties, non-ASCII text across their boundaries (stored as JSON escapes).
    const big = `${'x'.repeat(40_000)}${'é€😀'.repeat(5_000)}${'y'.repeat(30_000)}`;
    await store.create('limits', 'big', { big });
    expect((await store.get('limits', 'big'))?.data).toEqual({ big });
    await expect(store.create('limits', 'huge', { huge: 'x'.repeat(600_000) })).rejects.toThrow(StoreLimitError);
    expect(await store.get('limits', 'huge')).toBeUndefined();
    const many = Array.from({ length: 101 }, (_, i) => ({ kind: 'upsert' as const, row: `r${i}`, data: {} }));
    await expect(store.transact('limits', many)).rejects.toThrow(StoreLimitError);
    await expect(store.create('x'.repeat(600), 'r', {})).rejects.toThrow(StoreLimitError);
  });

  it('takes any characters in keys (slashes, #, ?, %, controls) and gives them back as they were', async () => {
    const partition = 'cowork/case/5003#?\\%\u0001é';
    await store.create(partition, 'a/b?c', { ok: true });
    expect(await store.get(partition, 'a/b?c')).toMatchObject({ partition, row: 'a/b?c', data: { ok: true } });
    expect((await store.query(partition, { rowPrefix: 'a/' })).map((e) => e.row)).toEqual(['a/b?c']);
  });

  it("serves botbuilder's Storage with MemoryStorage's eTag rules", async () => {
    const storage = new StoreBackedStorage(store);
    await storage.write({ 'cowork/x/1': { v: 1 } });
    const read = (await storage.read(['cowork/x/1', 'cowork/none']))['cowork/x/1'] as { v: number; eTag: string };
    expect(read.v).toBe(1);
    await storage.write({ 'cowork/x/1': { v: 2, eTag: read.eTag } });
    expect(isETagConflict(await conflict(storage.write({ 'cowork/x/1': { v: 3, eTag: read.eTag } })))).toBe(true);
    await storage.write({ 'cowork/x/1': { v: 4, eTag: '*' } });
    expect((await storage.read(['cowork/x/1']))['cowork/x/1']).toMatchObject({ v: 4 });
    await storage.write({ 'cowork/new': { v: 1, eTag: 'W/"gone"' } });
    expect((await storage.read(['cowork/new']))['cowork/new']).toMatchObject({ v: 1 });
    await storage.delete(['cowork/x/1', 'cowork/new']);
    expect(await storage.read(['cowork/x/1', 'cowork/new'])).toEqual({});
  });

  it('keeps rows under a key beside its item: upserted, deleted (nothing there is no error), and read with the item by one query', async () => {
    const storage = new StoreBackedStorage(store);
    await storage.write({ 'cowork/inflight/3': { keys: ['old'] } });
    await storage.upsertRow('cowork/inflight/3', 'session/b#1', {});
    await storage.upsertRow('cowork/inflight/3', 'session/a', { n: 1 });
    await storage.upsertRow('cowork/inflight/3', 'session/a', { n: 2 });
    await storage.upsertRow('cowork/inflight/4', 'session/c', {});
    const { item, rows } = await storage.queryRows('cowork/inflight/3');
    expect(item).toMatchObject({ keys: ['old'] });
    expect(rows).toEqual([
      { row: 'session/a', data: { n: 2 } },
      { row: 'session/b#1', data: {} },
    ]);
    await storage.deleteRow('cowork/inflight/3', 'session/a');
    await storage.deleteRow('cowork/inflight/3', 'session/a');
    await storage.delete(['cowork/inflight/3']);
    expect(await storage.queryRows('cowork/inflight/3')).toEqual({ item: undefined, rows: [{ row: 'session/b#1', data: {} }] });
    expect(await storage.read(['cowork/inflight/3'])).toEqual({});
  });

  /** A layout of the test's own: `t/{group}/{name}` kept in partition `group:{group}`. */
  const groups: LayoutRule = (key) => {
    const m = /^t\/([^/]+)\/([^/]+)$/.exec(key);
    return m ? { partition: `group:${m[1] ?? ''}`, row: `item:${m[2] ?? ''}` } : undefined;
  };

  it('keeps the keys a layout rule groups in one partition: read by one query, written in one transaction, all or none, and listed by their keys', async () => {
    const counting = new CountingCoworkStore(store);
    const storage = new StoreBackedStorage(counting, [groups]);
    expect(storage.keptTogether(['t/g/a', 't/g/b'])).toBe(true);
    expect(storage.keptTogether(['t/g/a', 't/h/b'])).toBe(false);
    expect(storage.keptTogether(['t/g/a', 'alone'])).toBe(false);
    const [a = '', b = ''] = await storage.writeTogether([
      { key: 't/g/a', item: { v: 1 }, ifAbsent: true },
      { key: 't/g/b', item: { v: 2 } },
    ]);
    await storage.write({ alone: { v: 3 } });
    const before = { ...counting.counts };
    const read = await storage.read(['t/g/a', 't/g/b', 'alone', 't/g/none']);
    expect(read).toEqual({ 't/g/a': { v: 1, eTag: a }, 't/g/b': { v: 2, eTag: b }, alone: expect.objectContaining({ v: 3 }) });
    expect(requestsBetween(before, counting.counts)).toEqual({ 'query *': 1, 'get alone': 1 });
    expect(await storage.readWith('t/g/a')).toEqual({ 't/g/a': { v: 1, eTag: a }, 't/g/b': { v: 2, eTag: b } });
    // One refused write refuses them all, and says which key it was, as an eTag conflict.
    const refused = await conflict(
      storage.writeTogether([
        { key: 't/g/a', item: { v: 10, eTag: a } },
        { key: 't/g/b', item: { v: 20, eTag: 'W/"stale"' } },
      ]),
    );
    expect(isETagConflict(refused)).toBe(true);
    expect(refused.row).toBe('item:b');
    expect(await storage.read(['t/g/a', 't/g/b'])).toEqual({ 't/g/a': { v: 1, eTag: a }, 't/g/b': { v: 2, eTag: b } });
    const [a2 = ''] = await storage.writeTogether([
      { key: 't/g/a', item: { v: 10, eTag: a } },
      { key: 't/g/c', item: { v: 30 }, ifAbsent: true },
    ]);
    expect(await storage.read(['t/g/a'])).toEqual({ 't/g/a': { v: 10, eTag: a2 } });
    await expect(
      storage.writeTogether([
        { key: 't/g/a', item: { v: 1 } },
        { key: 'alone', item: { v: 1 } },
      ]),
    ).rejects.toThrow('not kept together');
    const partitions = [...new Set([...(await store.query('group:g')).map((e) => e.partition), 'alone'])];
    expect((await storage.keys(async () => partitions)).sort()).toEqual(['alone', 't/g/a', 't/g/b', 't/g/c']);
    await storage.delete(['t/g/b']);
    expect(Object.keys(await storage.readWith('t/g/a')).sort()).toEqual(['t/g/a', 't/g/c']);
  });
});

describe('the Table store through a fault proxy: a write applied whose answer was lost is recognised as its own', () => {
  let proxy: FaultProxy;
  let store: TableCoworkStore;
  beforeAll(async () => {
    let proxied: string;
    ({ proxy, connectionString: proxied } = await proxyTableService(azurite.connectionString));
    store = await TableCoworkStore.open(proxied, `faults${process.pid}`, {
      requestTimeoutMs: 1_000,
      backoff: async () => undefined,
    });
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it.each(['lose-response', '503', 'reset', 'hang'] as const)('a create after %s succeeds once, with the stored eTag', async (fault) => {
    const row = `create-${fault}`;
    proxy.plan = [fault];
    const eTag = await store.create('faults', row, { fault });
    expect(proxy.plan).toEqual([]);
    expect((await store.get('faults', row))?.eTag).toBe(eTag);
    // A create of the same row by another writer is still refused.
    expect((await conflict(store.create('faults', row, { other: true }))).kind).toBe('exists');
  });

  it('a replace whose answer was lost succeeds; a transaction whose answer was lost succeeds with its eTags', async () => {
    const first = await store.create('faults', 'replace', { n: 1 });
    proxy.plan = ['lose-response'];
    const second = await store.replace('faults', 'replace', { n: 2 }, first);
    expect(await store.get('faults', 'replace')).toMatchObject({ eTag: second, data: { n: 2 } });
    proxy.plan = ['lose-response'];
    const eTags = await store.transact('faults', [
      { kind: 'replace', row: 'replace', data: { n: 3 }, eTag: second },
      { kind: 'create', row: 'tx-new', data: {} },
    ]);
    expect(eTags).toEqual([(await store.get('faults', 'replace'))?.eTag, (await store.get('faults', 'tx-new'))?.eTag]);
  });

  it("another writer's change is still a conflict after a lost answer", async () => {
    const first = await store.create('faults', 'contended', { n: 1 });
    await store.replace('faults', 'contended', { n: 2 }, first);
    proxy.plan = ['503'];
    expect((await conflict(store.replace('faults', 'contended', { n: 3 }, first))).kind).toBe('stale');
  });
});
