/**
 * The Case and its chat session in one read, against an org that lacks one of the chat objects:
 * Salesforce then refuses the subquery with INVALID_TYPE naming the relationship (simulated with an
 * injected REST fault carrying Salesforce's text), and the store asks again without it, once.
 */
import type { SalesforceOrg } from '../../salesforce';
import type { RunningSimulator } from '../../simulator';
import { connect, startTestSimulator } from './harness';

const QUERY = 'GET /services/data/vXX.X/query';
const noRelationship = (name: string) => ({
  method: 'GET',
  path: '/services/data/*/query',
  status: 400,
  errorCode: 'INVALID_TYPE',
  message: `Didn't understand relationship '${name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
});

describe('SalesforceCaseStore.findCase with the chat session', () => {
  let sim: RunningSimulator;
  let org: SalesforceOrg;
  const queries = (): number => sim.org.requestCounts()[QUERY] ?? 0;

  beforeEach(async () => {
    sim = await startTestSimulator();
    org = await connect(sim);
    await org.caseStore.picklistValues('Use_of_Funds__c'); // Case's describe cached: count the reads only
  });
  afterEach(async () => {
    await org?.close();
    await sim?.stop();
  });

  it('reads the Case and its newest chat session in one query', async () => {
    const before = queries();
    for (const seeded of sim.seed.cases) {
      expect(await org.caseStore.findCase(seeded.caseNumber)).toMatchObject({ id: seeded.id, chatSession: seeded.chatSession });
    }
    expect(queries() - before).toBe(sim.seed.cases.length);
  });

  it('asks once more without a chat relationship the org does not have, and remembers', async () => {
    const transcriptCase = sim.seed.cases.find((c) => c.chatSession?.objectType === 'LiveChatTranscript');
    const messagingCase = sim.seed.cases.find((c) => c.chatSession?.objectType === 'MessagingSession');
    if (!transcriptCase || !messagingCase) throw new Error('the seed has both kinds of chat');
    sim.org.failRest(noRelationship('MessagingSessions'));
    const before = queries();
    expect(await org.caseStore.findCase(transcriptCase.id)).toMatchObject({ id: transcriptCase.id, chatSession: transcriptCase.chatSession });
    expect(queries() - before).toBe(2);
    // Remembered: one query from now on, and MessagingSessions is no longer asked for.
    const again = queries();
    expect(await org.caseStore.findCase(messagingCase.id)).toMatchObject({ id: messagingCase.id, chatSession: null });
    expect(queries() - again).toBe(1);
  });

  it('passes on an INVALID_TYPE that names no chat relationship', async () => {
    sim.org.failRest(noRelationship('Somethings'));
    await expect(org.caseStore.findCase(sim.seed.cases[0]!.id)).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
  });
});
