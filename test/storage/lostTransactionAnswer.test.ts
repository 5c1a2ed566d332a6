/**
 * A transaction of a session and its Case's document (STORAGE=table: the session kept beside its Case) whose
 * answer was lost after the service applied it, while another instance wrote the Case's document before the
 * store could check it was its own: the store cannot tell (the document row no longer carries its write id)
 * and reports a conflict. The step must still see what it did, never try to do it again forever: the start's
 * session is there (its key is new, nobody else creates it), the claim's session is answered under its lease.
 * Azurite through the fault proxy; the other instance's write lands in the store's backoff, between the lost
 * answer and the retry.
 */
import { CoworkService } from '../../cowork/coworkService';
import type { CoworkSession } from '../../cowork/domain/session';
import { CaseDocuments } from '../../cowork/stores/caseDocument';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';
import { TableCoworkStore } from '../../storage/tableStore';
import { CASE_ID, InMemoryBus, InMemoryCases, RecordingEffects, deps, event, started } from '../cowork/inMemoryCore';
import { proxyTableService, type FaultProxy } from '../harness/faultProxy';
import { startAzurite, type Azurite } from '../harness/processes';

jest.setTimeout(60_000);

let azurite: Azurite;
let proxy: FaultProxy;
let proxied: string;
let tables = 0;

beforeAll(async () => {
  azurite = await startAzurite('table');
  ({ proxy, connectionString: proxied } = await proxyTableService(azurite.connectionString));
});
afterAll(async () => {
  await proxy?.stop();
  await azurite?.stop();
});

async function rig() {
  const table = `lost${process.pid}x${++tables}`;
  await TableCoworkStore.open(azurite.connectionString, table);
  /** Run once in the store's next backoff (after a lost answer, before the retry). */
  let inBackoff: (() => Promise<void>) | undefined;
  const store = TableCoworkStore.connect(proxied, table, {
    requestTimeoutMs: 2_000,
    backoff: async () => {
      const hook = inBackoff;
      inBackoff = undefined;
      if (hook) await hook();
    },
  });
  const storage = new StoreBackedStorage(store);
  // Another instance, straight to the service (no proxy): an agent's request taken on the same Case.
  const other = new CaseDocuments(new StoreBackedStorage(TableCoworkStore.connect(azurite.connectionString, table)));
  const otherWrite = async (): Promise<void> => {
    await other.update(CASE_ID, (doc) => ({ next: { ...doc, requests: [...doc.requests, `request-${Date.now()}`] }, result: undefined }));
  };
  const cases = new InMemoryCases();
  const effects = new RecordingEffects();
  const clock = { now: Date.now() };
  const bus = new InMemoryBus();
  const service = new CoworkService({ ...deps(storage, cases, bus, clock, 'a'), effects });
  // The other instance's core, also straight to the service.
  const otherService = new CoworkService({
    ...deps(new StoreBackedStorage(TableCoworkStore.connect(azurite.connectionString, table)), cases, bus, clock, 'b'),
    effects: new RecordingEffects(),
  });
  return { service, otherService, effects, otherWrite, arm: (hook: () => Promise<void>) => (inBackoff = hook), storage };
}

/** The answer to the next transaction (a `$batch` request) is lost after the service applied it. */
function loseNextTransactionAnswer(): void {
  let lost = false;
  proxy.choose = ({ url }) => {
    if (lost || !url.includes('$batch')) return 'pass';
    lost = true;
    return 'lose-response';
  };
}

afterEach(() => {
  proxy.choose = () => 'pass';
});

describe('a lost answer to a session-and-Case transaction, the Case document written by another instance meanwhile', () => {
  it('the start: the session it created is its own, the start succeeds (not 50 refused re-creates)', async () => {
    const { service, otherWrite, arm, storage } = await rig();
    // The Case's document is there already (its first start), so the second start's transaction replaces it.
    await started(service, 'conv-first');
    arm(otherWrite);
    loseNextTransactionAnswer();
    const session = await started(service, 'conv-second');
    expect(proxy.applied.slice(-1)[0]).toMatchObject({ fault: 'lose-response', method: 'POST' });
    const key = `cowork/session/${session.key}`;
    expect((await storage.read([key]))[key]).toMatchObject({ key: session.key, state: 'form_sent' });
    const doc = (await storage.read([`cowork/case/${CASE_ID}`]))[`cowork/case/${CASE_ID}`] as { keys: string[] };
    expect(doc.keys).toContain(session.key);
  });

  it('the start: a newer form of the Case started meanwhile on the other instance is not superseded by it (it supersedes this one)', async () => {
    const { service, otherService, arm } = await rig();
    await started(service, 'conv-first');
    let newer: CoworkSession | undefined;
    arm(async () => {
      newer = await started(otherService, 'conv-newer');
    });
    loseNextTransactionAnswer();
    const older = await started(service, 'conv-older');
    expect(newer).toBeDefined();
    expect((await service.get((newer as CoworkSession).key))?.state).toBe('form_sent');
    expect(await service.get(older.key)).toMatchObject({ state: 'expired', supersededBy: (newer as CoworkSession).key });
  });

  it('the claim: the answer claimed is its own, the customer is thanked and the Case written now (not after the lease)', async () => {
    const { service, effects, otherWrite, arm } = await rig();
    const session = await started(service, 'conv');
    arm(otherWrite);
    loseNextTransactionAnswer();
    await service.handleEvent(event('e1', session, 'Renovation Work'));
    await service.effectsIdle();
    expect(proxy.applied.slice(-1)[0]).toMatchObject({ fault: 'lose-response', method: 'POST' });
    expect(effects.thanked).toEqual([session.key]);
    expect((await service.get(session.key))?.state).toBe('done');
  });
});
