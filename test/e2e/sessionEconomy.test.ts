/**
 * What one co-work session costs Salesforce, counted by the simulator as the bench counts it:
 * through the real path (the Emulator-like channel, CloudAdapter, jsforce, the Pub/Sub client).
 */
import { MemoryStorage } from 'botbuilder';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
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
  beforeAll(async () => {
    t = await startBotUnderTest({ storage: new MemoryStorage(memory) });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** One whole session on a new Case: /cowork, the form, the submit, the thank-you, the Case written. */
  async function session(kase: { caseId: string; caseNumber: string }): Promise<void> {
    const chat = t.conversation();
    const { formToken } = await startForm(chat, kase.caseNumber);
    await chat.submit({ cowork: 'submit', formToken, useOfFunds: 'Renovation Work' });
    await chat.waitForText(THANKS);
    await waitUntil(() => sim(t).org.getRecord('Case', kase.caseId)?.Use_of_Funds__c === 'Renovation Work', 'the Case update');
  }

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
