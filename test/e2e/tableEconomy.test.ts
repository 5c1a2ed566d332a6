/**
 * What one co-work session asks of Azure Table storage (STORAGE=table), counted request by request
 * at the store port (`bench/countingStore.ts`) under the bot's real path (the Emulator-like channel,
 * CloudAdapter, the simulator): the Table store's semantics on the memory implementation, so each
 * count is one request the service would serve. docs/BENCHMARKS.md lists each with its reason.
 */
import { CountingCoworkStore, requestsBetween } from '../../bench/countingStore';
import { MemoryCoworkStore } from '../../storage/memoryStore';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';
import { sim, type BotUnderTest } from '../harness/botUnderTest';
import { startCountedBot, wholeSession } from '../harness/sessionCost';

describe('the Table storage requests of a session', () => {
  let t: BotUnderTest;
  const memory = new MemoryCoworkStore();
  const store = new CountingCoworkStore(memory);
  const storage = new StoreBackedStorage(store);
  beforeAll(async () => {
    // The in-flight index is rows on Table (util/storage.ts RowStorage): no shard documents to create first.
    t = await startCountedBot(storage, () => memory.partitionKeys().filter((p) => p.startsWith('salesforce-replay-id:')).length, {
      shardDocuments: false,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** Writes of the answer stream's position (it moves once the event's effects are stored). */
  const positionWrites = (): number => store.counts['upsert salesforce-replay-id:*'] ?? 0;

  const session = (kase: { caseId: string; caseNumber: string }): Promise<void> => wholeSession(t, kase, positionWrites);

  it('asks 18 requests, by kind as docs/BENCHMARKS.md lists them (the issue asks for 12: not reached, see there)', async () => {
    const [first, second] = sim(t).org.createCases(2);
    if (!first || !second) throw new Error('no Cases');
    await session(first);
    const before = { ...store.counts };
    await session(second);
    const spent = requestsBetween(before, store.counts);
    expect(spent).toEqual({
      // the conversation's partition (storage/keyLayout.ts: its state and its handoff record, `kept/conversation/{id}`):
      // one query by each of the three turns (the /cowork message, the card's submit: its form token checked against
      // the conversation's sessions, the thank-you: the form ended) reads the state and who owns the conversation
      // (a person may take the chat over on any instance between any two turns, so each turn asks: the record read
      // along, bot/handoff/humanOwnership.ts); the card's "saved" turn reads none, it updates the card the
      // thank-you's turn found (bot/proactive/proactiveEffects.ts); the new conversation's first save is
      // create-only (no read first, no read back), the second (the thank-you's, the form ended) is guarded by the
      // eTag the first told
      'query kept/conversation/*': 3,
      'create kept/conversation/*': 1,
      'replace kept/conversation/*': 1,
      // the session: created, then submitted, answered, thanked, done, each a replace guarded by an eTag:
      // the submit's lookup and the routing read it; thanked and done start from the eTag the write before told
      'upsert cowork/session/*': 1,
      'replace cowork/session/*': 4,
      'get cowork/session/*': 2,
      // the Case's document: created at start (create-only: nothing to read back); read by the event's routing
      // (the event names only the Case), and unlisted at the answer from that read (its eTag guards the write)
      'get cowork/case/*': 1,
      'create cowork/case/*': 1,
      'replace cowork/case/*': 1,
      // the in-flight index: one row per session in its shard's partition, listed by an upsert and unlisted
      // by a delete (nothing read first)
      'upsert cowork/inflight/*': 1,
      'delete cowork/inflight/*': 1,
      // the replay position: one for a session alone; sessions answered within one interval (1 s) share one
      // write (test/salesforce/replayCheckpoint.test.ts), so under load it is a fraction per session
      'upsert salesforce-replay-id:*': 1,
    });
    expect(Object.values(spent).reduce((a, b) => a + b, 0)).toBe(18);
  });
});
