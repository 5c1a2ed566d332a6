/**
 * What one co-work session costs Salesforce, counted by the simulator as the bench counts it:
 * through the real path (the Emulator-like channel, CloudAdapter, jsforce, the Pub/Sub client).
 */
import { MemoryStorage } from 'botbuilder';
import { CountingStorage, countsBetween } from '../../bench/countingStorage';
import { sim, type BotUnderTest } from '../harness/botUnderTest';
import { startCountedBot, wholeSession } from '../harness/sessionCost';
import { startForm, waitUntil } from '../harness/coworkSteps';

const THANKS = 'Thank you for completing the questionnaire';
const QUERY = 'GET /services/data/vXX.X/query';
const PATCH = 'PATCH /services/data/vXX.X/sobjects/{object}/{id}';

/** REST requests served since `before`, by route (routes with none left out). */
function restSince(t: BotUnderTest, before: Record<string, number>): Record<string, number> {
  const since: Record<string, number> = {};
  for (const [route, n] of Object.entries(sim(t).org.requestCounts())) if (n - (before[route] ?? 0) > 0) since[route] = n - (before[route] ?? 0);
  return since;
}

describe('the Salesforce cost of a session', () => {
  let t: BotUnderTest;
  const memory: Record<string, string> = {};
  // Counted as the bench counts, per key: with Blob Storage each is one request.
  const storage = new CountingStorage(new MemoryStorage(memory));
  beforeAll(async () => {
    t = await startCountedBot(storage, () => replayKeys().length);
  });
  afterAll(async () => {
    await t?.stop();
  });

  const replayKeys = (): string[] => Object.keys(memory).filter((key) => key.startsWith('salesforce-replay-id:'));
  /** The stored position of the answer's stream: it moves once the event's effects are done. */
  const answerPosition = (): string | undefined =>
    Object.entries(memory).find(([key]) => key.startsWith('salesforce-replay-id:') && key.includes('Use_of_Funds__e'))?.[1];

  const session = (kase: { caseId: string; caseNumber: string }): Promise<void> => wholeSession(t, kase, answerPosition);

  function storedSession(caseId: string): Record<string, unknown> | undefined {
    const raw = Object.entries(memory).find(([key, value]) => key.startsWith('cowork/session/') && value.includes(caseId))?.[1];
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
  }

  it('costs two REST requests once the describe is cached: one read for the Case and its chat session, one PATCH', async () => {
    const [first, second] = sim(t).org.createCases(2);
    if (!first || !second) throw new Error('no Cases');
    await session(first); // pays the token and the (cached) describe of Case
    const before = { ...sim(t).org.requestCounts() };
    await session(second);
    expect(restSince(t, before)).toEqual({ [QUERY]: 1, [PATCH]: 1 });
    // The one read found the Case's chat session.
    expect(storedSession(second.caseId)?.chatSession).toEqual({ objectType: 'MessagingSession', id: second.chatSessionId });
  });

  it('costs 28 storage operations, each listed in docs/BENCHMARKS.md', async () => {
    const [first, second] = sim(t).org.createCases(2);
    if (!first || !second) throw new Error('no Cases');
    await session(first);
    const before = structuredClone(storage.counts);
    await session(second);
    const spent = countsBetween(before, storage.counts);
    expect(spent.byKind).toEqual({
      // conversation state: loaded by each of the three turns (the proactive turn that then updates the
      // card to "saved on Case" reads none: it updates the card the thank-you's turn found), saved by two
      // (the first save of a new conversation reads first and reads back: storage has no create-if-absent)
      'read emulator/conversations/*/cowork': 5,
      'write emulator/conversations/*/cowork': 2,
      // who owns the conversation (bot or a human after a handoff), asked by each turn
      'read cowork/handoff/*': 3,
      // the session: created, then submitted, answered (the claim), thanked, done, each guarded by its
      // eTag; the submit's lookup and the event's routing read it, and their writes start from that read
      // (thanked and done read first: a write does not tell its new eTag)
      'write cowork/session/*': 5,
      'read cowork/session/*': 4,
      // the Case's document: at start the session listed and the conversation linked in one write (a
      // new document is read back: storage has no create-if-absent), the older forms to supersede taken
      // from that same read; once answered, unlisted in the write that records when the answer was given,
      // which starts from the document as the event's routing read it (its eTag guards the write)
      'read cowork/case/*': 2,
      'write cowork/case/*': 2,
      // the in-flight index: listed before the answer is stored, unlisted once done
      'read cowork/inflight/*': 2,
      'write cowork/inflight/*': 2,
      // the replay position after the event's effects are stored
      'write salesforce-replay-id:*': 1,
    });
    expect(spent.reads + spent.writes + spent.deletes).toBe(28);
  });

  it('makes five connector calls and two to five Publish calls besides its two REST requests: the I/O the bare turns of the CPU floor do not do', async () => {
    const [first, second] = sim(t).org.createCases(2);
    if (!first || !second) throw new Error('no Cases');
    await session(first);
    const statusesOf = (caseId: string): unknown[] =>
      sim(t)
        .org.publishedEvents('Cowork_Status__e')
        .filter((e) => e.payload.Correlation_Id__c === caseId)
        .map((e) => e.payload.State__c);
    await waitUntil(() => statusesOf(first.caseId).includes('saved'), "the first session's last status");
    const calls = { ...sim(t).org.pubSubCallCounts() };
    const chat = t.conversation();
    const { formToken } = await startForm(chat, second.caseNumber);
    await chat.submitForm(formToken, 'Renovation Work');
    await chat.waitForText(THANKS);
    await waitUntil(() => chat.updates.some((u) => JSON.stringify(u.attachments ?? []).includes('Saved on Case')), 'the card saved');
    await waitUntil(() => statusesOf(second.caseId).length === 4, "the agent's four statuses");
    expect(statusesOf(second.caseId)).toEqual(['form_sent', 'submitted', 'answered', 'saved']);
    // The bot's calls to the channel. Three bare turns make three replies; a session makes two replies
    // (the form card, the submit's acknowledgement), one proactive send (the thank-you) and two card
    // updates (what was sent, then saved on the Case): five.
    const byOperation: Record<string, number> = {};
    for (const r of t.channel.activitiesOf(chat.id)) byOperation[r.operation] = (byOperation[r.operation] ?? 0) + 1;
    expect(byOperation).toEqual({ reply: 2, send: 1, update: 2 });
    // To Salesforce besides the two REST requests: the answer's Publish, and the four statuses' Publish
    // calls (one each, or fewer when one is still in flight as the next is queued: they are batched).
    const publishes = (sim(t).org.pubSubCallCounts().Publish ?? 0) - (calls.Publish ?? 0);
    expect(publishes).toBeGreaterThanOrEqual(2);
    expect(publishes).toBeLessThanOrEqual(5);
  });

  it('finds a legacy chat transcript in the same single read when the Case has no messaging session', async () => {
    const [kase] = sim(t).org.createCases(1, { withChatSession: false });
    if (!kase) throw new Error('no Case');
    const transcript = sim(t).org.createRecord('LiveChatTranscript', { CaseId: kase.caseId, Status: 'Completed' });
    const before = { ...sim(t).org.requestCounts() };
    const chat = t.conversation();
    await startForm(chat, kase.caseNumber);
    expect(restSince(t, before)).toEqual({ [QUERY]: 1 });
    expect(storedSession(kase.caseId)?.chatSession).toEqual({ objectType: 'LiveChatTranscript', id: transcript.Id });
  });
});
