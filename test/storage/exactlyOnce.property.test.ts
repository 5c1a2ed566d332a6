/**
 * Exactly once, searched for rather than shown by example: fast-check drives random interleavings of
 * agents' answers (events naming the session), duplicate and late events, instance crashes (a new
 * instance in its place, nothing of the old one's memory kept), recovery sweeps and other writes of the
 * sessions' Case documents (agents' requests taken: they refuse a claim's transaction of session and document), against three
 * instances of the real co-work core (`CoworkService`: routing, the eTag-guarded claim, the effects
 * pipeline with its lease) sharing one Azure Table store on Azurite, every request of every instance
 * through a fault proxy of our own on loopback (connection resets, 503s, requests that never answer,
 * responses lost after the write was applied).
 *
 * Checked against a reference model of what must be true at the end, once every event has been
 * delivered at least once and the sweeps have run with the faults gone: every answered session was
 * thanked exactly once, with the answer its claim stored; every session an event reached was answered
 * (nothing lost); the Case was written once per answered session and holds one of the answers given.
 *
 * Bounded and reproducible: COWORK_PBT_SEED (default: random, printed), COWORK_PBT_RUNS (default 8).
 * Which request a fault meets follows the order requests reach the proxy, so a seed replays the same
 * commands and faults, not necessarily the same interleaving.
 */
import fc from 'fast-check';
import { CoworkService, type SessionEffects } from '../../cowork/coworkService';
import { InMemoryDeadlineQueue } from '../../cowork/stores/deadlines';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import { InFlightIndex } from '../../cowork/stores/inflight';
import type { CoworkSession } from '../../cowork/domain/session';
import { SessionRepository } from '../../cowork/stores/sessionRepository';
import { CaseDocuments } from '../../cowork/stores/caseDocument';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';
import { TableCoworkStore } from '../../storage/tableStore';
import { silentLog } from '../../util/log';
import type { CaseRecord, CaseStore, PicklistValue } from '../../cowork/ports';
import { normalizeId } from '../../util/salesforceId';
import { InMemoryBus, event } from '../cowork/inMemoryCore';
import { proxyTableService, type Fault, type FaultProxy } from '../harness/faultProxy';
import { propertyRuns } from '../harness/propertyRuns';
import { startAzurite, type Azurite } from '../harness/processes';

jest.setTimeout(600_000);

const RUNS = propertyRuns('exactlyOnce');
const INSTANCES = 3;
const ANSWERS = ['Renovation Work', 'Education'] as const;

let azurite: Azurite;
let proxy: FaultProxy;
let proxiedConnectionString: string;
let tables = 0;

beforeAll(async () => {
  azurite = await startAzurite('table');
  ({ proxy, connectionString: proxiedConnectionString } = await proxyTableService(azurite.connectionString));
});

afterAll(async () => {
  const applied = proxy?.applied ?? [];
  const byFault = applied.reduce<Record<string, number>>((n, a) => ({ ...n, [a.fault]: (n[a.fault] ?? 0) + 1 }), {});
  process.stderr.write(`[exactlyOnce] faults applied: ${JSON.stringify(byFault)}\n`);
  await proxy?.stop();
  await azurite?.stop();
});

/** Cases by their reference (each session its own Case), and every Case write with its Case. */
class ManyCases implements CaseStore {
  readonly writes: { caseId: string; value: string | null | undefined }[] = [];
  async findCase(caseRef: string): Promise<CaseRecord> {
    const id = normalizeId(caseRef) as string;
    return { id, caseNumber: caseRef.slice(-8), subject: 's', status: 'New', isClosed: false, contactId: null, fields: {} };
  }
  async findChatSession(): Promise<undefined> {
    return undefined;
  }
  async picklistValues(): Promise<readonly PicklistValue[]> {
    return ANSWERS.map((value) => ({ value, label: value, active: true, defaultValue: false }));
  }
  async updateCase(caseId: string, fields: Readonly<Record<string, string | null>>): Promise<{ changed: boolean }> {
    this.writes.push({ caseId, value: Object.values(fields)[0] });
    return { changed: true };
  }
}

async function start(service: CoworkService, i: number): Promise<CoworkSession> {
  const caseRef = `500Sm00000000${String(10 + i)}`;
  const outcome = await service.start({ caseRef, form: USE_OF_FUNDS_FORM, conversationId: `conv-${i}`, conversationReference: {}, userId: `u${i}` });
  if (outcome.kind !== 'started') throw new Error(`start: ${outcome.kind}`);
  return outcome.session;
}

/** The thank-you, counted per session across every instance (a crashed instance's count stays). */
class CountingEffects implements SessionEffects {
  constructor(private readonly thanks: Map<string, string[]>) {}
  async answered(session: CoworkSession, labels: Readonly<Record<string, string>>, stillOurs: () => Promise<boolean>): Promise<boolean> {
    if (!(await stillOurs())) return false;
    this.thanks.set(session.key, [...(this.thanks.get(session.key) ?? []), Object.values(labels).join(',')]);
    return true;
  }
  async expired(): Promise<void> {}
  async failed(): Promise<void> {}
}

type Step =
  | { kind: 'event'; session: number; instance: number; answer: number; duplicateOf: number | null }
  | { kind: 'crash'; instance: number }
  | { kind: 'sweep'; instance: number }
  /** Another write of the session's Case document (an agent's request taken): it conflicts with a start's or claim's transaction. */
  | { kind: 'caseWrite'; session: number; instance: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('event' as const),
      session: fc.nat(2),
      instance: fc.nat(INSTANCES - 1),
      answer: fc.nat(1),
      duplicateOf: fc.option(fc.nat(5)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), instance: fc.nat(INSTANCES - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), instance: fc.nat(INSTANCES - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('caseWrite' as const), session: fc.nat(2), instance: fc.nat(INSTANCES - 1) }) },
);
const fault: fc.Arbitrary<Fault> = fc.constantFrom<Fault>('pass', 'pass', '503', 'reset', 'hang', 'lose-response');
/** Steps run in batches at once (their requests interleave on the wire), each batch with its faults. */
const scenario = fc.record({
  sessions: fc.integer({ min: 1, max: 3 }),
  batches: fc.array(fc.record({ steps: fc.array(step, { minLength: 1, maxLength: 4 }), faults: fc.array(fault, { maxLength: 6 }) }), {
    minLength: 1,
    maxLength: 5,
  }),
});

it('every answered session is thanked once and written once, whatever the interleaving, crashes and store faults', async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async ({ sessions: sessionCount, batches }) => {
      const table = `pbt${process.pid}x${++tables}`;
      await TableCoworkStore.open(azurite.connectionString, table);
      const thanks = new Map<string, string[]>();
      const cases = new ManyCases();
      const bus = new InMemoryBus();
      const clock = { now: Date.now() };
      let generation = 0;
      /** Each instance's Case documents (as an agent's request would write them), by instance. */
      const caseDocuments: CaseDocuments[] = [];
      const instance = (_: unknown, at: number): CoworkService => {
        // Each instance its own client through the proxy, its own repository and memory.
        const storage = new StoreBackedStorage(
          TableCoworkStore.connect(proxiedConnectionString, table, { requestTimeoutMs: 300, maxAttempts: 8, backoff: async () => undefined }),
        );
        caseDocuments[at] = new CaseDocuments(storage);
        return new CoworkService({
          caseStore: cases,
          eventBus: bus,
          repository: new SessionRepository(storage),
          deadlines: new InMemoryDeadlineQueue(),
          inflight: new InFlightIndex(storage),
          instanceId: `i${++generation}`,
          effectsLeaseMs: 1000,
          forms: [USE_OF_FUNDS_FORM],
          log: silentLog,
          sessionTtlMs: 3_600_000,
          eventTimeoutMs: 3_600_000,
          now: () => clock.now,
          effects: new CountingEffects(thanks),
        });
      };
      const instances = Array.from({ length: INSTANCES }, instance);
      // Each session its own Case and conversation (one open form per Case would supersede the others).
      proxy.plan = [];
      const sessions: CoworkSession[] = [];
      for (let i = 0; i < sessionCount; i++) sessions.push(await start(instances[i % INSTANCES] as CoworkService, i));
      const delivered = new Map<string, { id: string; answer: string }[]>();
      let eventCount = 0;
      for (const batch of batches) {
        proxy.plan = [...batch.faults];
        await Promise.all(
          batch.steps.map(async (s) => {
            try {
              if (s.kind === 'crash') instances[s.instance] = instance(undefined, s.instance);
              else if (s.kind === 'caseWrite') {
                const { caseId } = sessions[s.session % sessions.length] as CoworkSession;
                const uuid = `request-${++eventCount}`;
                await caseDocuments[s.instance]?.update(caseId, (doc) => ({ next: { ...doc, requests: [...doc.requests, uuid] }, result: undefined }));
              } else if (s.kind === 'sweep') {
                clock.now += 2_000;
                await instances[s.instance]?.recoverInFlight();
              } else {
                const session = sessions[s.session % sessions.length] as CoworkSession;
                const earlier = delivered.get(session.key) ?? [];
                const again = s.duplicateOf !== null ? earlier[s.duplicateOf % Math.max(earlier.length, 1)] : undefined;
                const answer = again?.answer ?? ANSWERS[s.answer] ?? ANSWERS[0];
                const id = again?.id ?? `e${++eventCount}`;
                delivered.set(session.key, [...earlier, { id, answer }]);
                await instances[s.instance]?.handleEvent(event(id, session, answer));
              }
            } catch {
              // A request that failed every attempt: the instance's work stops there, as in a crash; recovery finishes it.
            }
          }),
        );
        await Promise.all(instances.map((i) => i.effectsIdle().catch(() => undefined)));
      }
      // The faults end; every event reaches an instance at least once more (at-least-once in), then every instance sweeps.
      proxy.plan = [];
      for (const session of sessions) {
        const last = delivered.get(session.key)?.slice(-1)[0];
        if (last) await (instances[0] as CoworkService).handleEvent(event(last.id, session, last.answer));
      }
      await Promise.all(instances.map((i) => i.effectsIdle()));
      clock.now += 5_000;
      for (const i of instances) {
        await i.recoverInFlight();
        await i.effectsIdle();
      }

      // The reference model: what the stored sessions and the effects must say.
      const reader = instances[0] as CoworkService;
      let answered = 0;
      for (const session of sessions) {
        const stored = await reader.get(session.key);
        const given = (delivered.get(session.key) ?? []).map((d) => d.answer);
        const thanked = thanks.get(session.key) ?? [];
        if (given.length === 0 || stored?.state === 'expired') {
          expect({ session: session.key, thanked }).toEqual({ session: session.key, thanked: [] });
          continue;
        }
        answered++;
        // Nothing lost, nothing twice: done, thanked once, with the answer the claim stored (one of those given).
        expect({ state: stored?.state, thanks: thanked.length }).toEqual({ state: 'done', thanks: 1 });
        const value = Object.values(stored?.answers ?? {})[0];
        expect(given).toContain(value);
        // The Case written once, with the answer the session stored.
        expect(cases.writes.filter((w) => w.caseId === session.caseId)).toEqual([{ caseId: session.caseId, value }]);
      }
      expect(cases.writes.length).toBe(answered);
    }),
    { ...RUNS, interruptAfterTimeLimit: 500_000 },
  );
});
