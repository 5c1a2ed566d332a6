/**
 * Parent-to-child subqueries through the real jsforce, shaped as Salesforce answers them: the
 * children nest under the relationship name, `null` when there are none; a name that is no
 * child relationship of the object is INVALID_TYPE with Salesforce's text.
 */
import type { Connection } from 'jsforce';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { clientCredentialsConnection, trustSimulator } from './support';

let sim: RunningSimulator;
let conn: Connection;

beforeAll(async () => {
  sim = await startSimulator({ seed: false });
  trustSimulator(sim.caCert);
  conn = await clientCredentialsConnection(sim);
});

afterAll(async () => {
  await sim?.stop();
});

type CaseWithChats = {
  Id: string;
  MessagingSessions: { totalSize: number; done: boolean; records: Array<{ Id: string; attributes: { type: string } }> } | null;
  LiveChatTranscripts: unknown;
};

describe('SOQL child relationship subqueries', () => {
  it('nests the newest chat session under the Case, and null where the Case has none', async () => {
    const [kase] = sim.org.createCases(1);
    if (!kase?.chatSessionId) throw new Error('no Case');
    const newer = sim.org.createRecord('MessagingSession', { CaseId: kase.caseId, Status: 'Active' });
    const soql = `SELECT Id, (SELECT Id FROM MessagingSessions ORDER BY CreatedDate DESC, Id DESC LIMIT 1), (SELECT Id FROM LiveChatTranscripts) FROM Case WHERE Id = '${kase.caseId}'`;
    const result = await conn.query<CaseWithChats>(soql);
    expect(result.records).toHaveLength(1);
    const row = result.records[0] as CaseWithChats;
    expect(row.MessagingSessions).toMatchObject({ totalSize: 1, done: true, records: [{ Id: newer.Id, attributes: { type: 'MessagingSession' } }] });
    expect(row.LiveChatTranscripts).toBeNull();

    const all = await conn.query<CaseWithChats>(
      `SELECT Id, (SELECT Id, Status FROM MessagingSessions WHERE Status = 'Active') FROM Case WHERE Id = '${kase.caseId}'`,
    );
    expect(all.records[0]?.MessagingSessions?.totalSize).toBe(2);
  });

  it('refuses what Salesforce refuses', async () => {
    await expect(conn.query('SELECT Id, (SELECT Id FROM MessagingSession) FROM Case')).rejects.toMatchObject({
      errorCode: 'INVALID_TYPE',
      message: expect.stringContaining("Didn't understand relationship 'MessagingSession' in FROM part of query call"),
    });
    await expect(conn.query('SELECT Id, (SELECT Nope FROM MessagingSessions) FROM Case')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    await expect(conn.query('SELECT Id, (SELECT Id FROM MessagingSessions FROM Case')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
  });

  it('lists the child relationships in the describe of Case', async () => {
    const describe = await conn.sobject('Case').describe();
    expect(describe.childRelationships).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ childSObject: 'MessagingSession', field: 'CaseId', relationshipName: 'MessagingSessions' }),
        expect.objectContaining({ childSObject: 'LiveChatTranscript', field: 'CaseId', relationshipName: 'LiveChatTranscripts' }),
      ]),
    );
  });
});
