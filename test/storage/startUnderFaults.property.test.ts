/**
 * The start's and the claim's transactions of a session and its Case's document under faults, with other
 * writes of that document meanwhile (the exactly-once property test starts its sessions before any fault,
 * each of its own Case): two instances start a form of one Case at once while an agent's requests are
 * written to the Case's document, every request through the fault proxy (connection resets, 503s,
 * requests that never answer, answers lost after the write applied), then both take the open form's event.
 * Every start succeeds, exactly one of the two forms is left open (the newer supersedes the older, never
 * both expired), its answer thanked once and written once.
 *
 * Bounded and reproducible: COWORK_PBT_SEED (default: random, printed), COWORK_PBT_RUNS (default 8). At most
 * 6 faults a step, fewer than a request's 8 attempts, so no request fails for good.
 */
import fc from 'fast-check';
import { CoworkService } from '../../cowork/coworkService';
import type { CoworkSession } from '../../cowork/domain/session';
import { CaseDocuments } from '../../cowork/stores/caseDocument';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';
import { TableCoworkStore } from '../../storage/tableStore';
import { CASE_ID, InMemoryBus, InMemoryCases, RecordingEffects, deps, event, started } from '../cowork/inMemoryCore';
import { proxyTableService, type Fault, type FaultProxy } from '../harness/faultProxy';
import { propertyRuns } from '../harness/propertyRuns';
import { startAzurite, type Azurite } from '../harness/processes';

jest.setTimeout(600_000);

const RUNS = propertyRuns('startUnderFaults');
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

const fault: fc.Arbitrary<Fault> = fc.constantFrom<Fault>('pass', 'pass', '503', 'reset', 'hang', 'lose-response');
it('two starts of one Case and its answer, under faults and other writes of its document: each start succeeds, one form open, thanked and written once', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fault, { maxLength: 6 }), fc.nat(3), fc.array(fault, { maxLength: 6 }), async (faults, writes, faults2) => {
      const table = `sf${process.pid}x${++tables}`;
      await TableCoworkStore.open(azurite.connectionString, table);
      const mk = (name: string) => {
        const storage = new StoreBackedStorage(
          TableCoworkStore.connect(proxied, table, { requestTimeoutMs: 300, maxAttempts: 8, backoff: async () => undefined }),
        );
        return { storage, service: new CoworkService({ ...deps(storage, cases, bus, clock, name), effects }) };
      };
      const cases = new InMemoryCases();
      const bus = new InMemoryBus();
      const clock = { now: Date.now() };
      const effects = new RecordingEffects();
      const a = mk('a');
      const b = mk('b');
      const other = new CaseDocuments(
        new StoreBackedStorage(TableCoworkStore.connect(proxied, table, { requestTimeoutMs: 300, maxAttempts: 8, backoff: async () => undefined })),
      );
      proxy.plan = [...faults];
      const starts = Promise.allSettled([started(a.service, 'c1'), started(b.service, 'c2')]);
      const others = Array.from({ length: writes }, (_, i) =>
        other.update(CASE_ID, (doc) => ({ next: { ...doc, requests: [...doc.requests, `r${i}`] }, result: undefined })),
      );
      const [results] = await Promise.all([starts, Promise.allSettled(others)]);
      proxy.plan = [];
      const sessions: CoworkSession[] = [];
      for (const r of results) {
        if (r.status === 'rejected') throw new Error(`start failed: ${String(r.reason)}`);
        sessions.push(r.value);
      }
      // Of two forms of the Case, exactly one is left open.
      const states = await Promise.all(sessions.map(async (s) => (await a.service.get(s.key))?.state));
      expect(states.filter((s) => s === 'form_sent')).toHaveLength(1);
      const open = sessions[states.indexOf('form_sent')] as CoworkSession;
      proxy.plan = [...faults2];
      await Promise.allSettled([a.service.handleEvent(event('e1', open, 'Education')), b.service.handleEvent(event('e1', open, 'Education'))]);
      await Promise.all([a.service.effectsIdle(), b.service.effectsIdle()].map((p) => p.catch(() => undefined)));
      proxy.plan = [];
      await a.service.handleEvent(event('e1', open, 'Education'));
      await a.service.effectsIdle();
      clock.now += 5000;
      await a.service.recoverInFlight();
      await a.service.effectsIdle();
      await b.service.recoverInFlight();
      await b.service.effectsIdle();
      expect(effects.thanked).toEqual([open.key]);
      expect(cases.updates).toHaveLength(1);
    }),
    RUNS,
  );
});
