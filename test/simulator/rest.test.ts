/**
 * The data API through the real jsforce: SOQL the bot uses, rows, describe, creates and
 * updates, and the Salesforce error shapes for what a real org refuses.
 */
import type { Connection } from 'jsforce';
import { idSuffix } from '../../util/salesforceId';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { clientCredentialsConnection, trustSimulator } from './support';

let sim: RunningSimulator;
let conn: Connection;

beforeAll(async () => {
  // The REST surface itself, as a System Administrator would see it (Contacts created and deleted);
  // what the bot's own permission set allows is access.test.ts.
  sim = await startSimulator({ fullAccess: true });
  trustSimulator(sim.caCert);
  conn = await clientCredentialsConnection(sim);
});

afterAll(async () => {
  await sim?.stop();
});

const seed = (i: number) => {
  const c = sim.seed.cases[i];
  if (!c) throw new Error(`no seed case ${i}`);
  return c;
};

describe('query', () => {
  it('finds a Case by CaseNumber and its chat session by CaseId, in both chat objects', async () => {
    const kase = seed(0);
    expect(kase.caseNumber).toBe('00001026');
    const cases = await conn.query<{ Id: string; Subject: string; IsClosed: boolean }>(
      `SELECT Id, Subject, IsClosed FROM Case WHERE CaseNumber = '${kase.caseNumber}'`,
    );
    expect(cases.totalSize).toBe(1);
    expect(cases.records[0]).toMatchObject({ Id: kase.id, Subject: kase.subject, IsClosed: false, attributes: { type: 'Case' } });

    const transcriptCase = sim.seed.cases.find((c) => c.chatSession?.objectType === 'LiveChatTranscript');
    const messaging = await conn.query(`SELECT Id FROM MessagingSession WHERE CaseId = '${transcriptCase?.id}'`);
    const transcripts = await conn.query<{ Id: string }>(`SELECT Id FROM LiveChatTranscript WHERE CaseId = '${transcriptCase?.id}'`);
    expect(messaging.totalSize).toBe(0);
    expect(transcripts.records.map((r) => r.Id)).toEqual([transcriptCase?.chatSession?.id]);
  });

  it('accepts a 15-character id, IN lists, AND, ORDER BY and LIMIT', async () => {
    const ids = sim.seed.cases.map((c) => c.id);
    const byShortId = await conn.query<{ Id: string }>(`SELECT Id FROM Case WHERE Id = '${seed(1).id.slice(0, 15)}'`);
    expect(byShortId.records[0]?.Id).toBe(seed(1).id);

    const result = await conn.query<{ CaseNumber: string }>(
      `SELECT CaseNumber FROM Case WHERE Id IN ('${ids.join("','")}') AND Status = 'new' ORDER BY CaseNumber DESC LIMIT 2`,
    );
    const expected = sim.seed.cases
      .map((c) => c.caseNumber)
      .sort()
      .reverse()
      .slice(0, 2);
    expect(result.records.map((r) => r.CaseNumber)).toEqual(expected);
  });

  it('pages results by 2,000 with nextRecordsUrl, which jsforce follows', async () => {
    const created = sim.org.createCases(2100, { subjectPrefix: 'Paging', withChatSession: false });
    const records: Array<{ Id: string }> = [];
    await new Promise<void>((resolve, reject) => {
      conn
        .query<{ Id: string }>("SELECT Id FROM Case WHERE Origin = 'Messaging'")
        .on('record', (r: { Id: string }) => records.push(r))
        .on('end', () => resolve())
        .on('error', reject)
        .run({ autoFetch: true, maxFetch: 5000 });
    });
    expect(records.length).toBeGreaterThanOrEqual(2100);
    expect(new Set(records.map((r) => r.Id))).toEqual(expect.objectContaining({ size: records.length }));
    expect(records.map((r) => r.Id)).toEqual(expect.arrayContaining(created.map((c) => c.caseId)));
  });

  it('refuses what it cannot run exactly, with Salesforce error codes', async () => {
    const refusals: Array<[string, string]> = [
      ["SELECT Id FROM Case WHERE Subject = 'a' OR Status = 'New'", 'MALFORMED_QUERY'],
      ['SELECT COUNT() FROM Case', 'MALFORMED_QUERY'],
      ['SELECT Id FROM Case WHERE', 'MALFORMED_QUERY'],
      ["SELECT Id FROM Case WHERE Subject = 'unterminated", 'MALFORMED_QUERY'],
      ["SELECT Id FROM Case WHERE Subject LIKE '%x%'", 'MALFORMED_QUERY'],
      ['SELECT Nope__c FROM Case', 'INVALID_FIELD'],
      ['SELECT Contact.Name FROM Case', 'INVALID_FIELD'],
      ["SELECT Id FROM Case WHERE IsClosed = 'false'", 'INVALID_FIELD'],
      ['SELECT Id FROM Nothing__c', 'INVALID_TYPE'],
      ["SELECT Id FROM Case WHERE Id = 'not-an-id'", 'INVALID_QUERY_FILTER_OPERATOR'],
    ];
    for (const [soql, errorCode] of refusals) {
      await expect(conn.query(soql)).rejects.toMatchObject({ errorCode });
    }
  });
});

describe('sobject rows', () => {
  it('retrieves with ?fields, updates with 204, and the update is visible', async () => {
    const kase = seed(0);
    const before = (await conn.sobject('Case').retrieve(kase.id, { fields: ['Subject', 'Use_of_Funds__c'] })) as unknown as Record<string, unknown>;
    expect(before).toMatchObject({ Subject: kase.subject, Use_of_Funds__c: null });
    expect(before).not.toHaveProperty('Status');

    const result = await conn.sobject('Case').update({ Id: kase.id, Use_of_Funds__c: 'Vehicle Purchase' });
    expect(result).toMatchObject({ id: kase.id, success: true });
    const after = await conn.query<{ Use_of_Funds__c: string }>(`SELECT Use_of_Funds__c FROM Case WHERE Id = '${kase.id}'`);
    expect(after.records[0]?.Use_of_Funds__c).toBe('Vehicle Purchase');
    expect(sim.org.getRecord('Case', kase.id)?.Use_of_Funds__c).toBe('Vehicle Purchase');
  });

  it('closing a Case through Status makes IsClosed true', async () => {
    const [kase] = sim.org.createCases(1);
    if (!kase) throw new Error('the simulator created no Case');
    await conn.sobject('Case').update({ Id: kase.caseId, Status: 'Closed' });
    const row = await conn.query<{ IsClosed: boolean }>(`SELECT IsClosed FROM Case WHERE Id = '${kase?.caseId}'`);
    expect(row.records[0]?.IsClosed).toBe(true);
  });

  it('creates and deletes; a deleted row is ENTITY_IS_DELETED, an unknown one NOT_FOUND', async () => {
    const created = await conn.sobject('Contact').create({ FirstName: 'New', LastName: 'Person', Email: 'new.person@example.com' });
    expect(created).toMatchObject({ success: true, id: expect.stringMatching(/^003/) });
    const id = (created as { id: string }).id;
    await conn.sobject('Contact').destroy(id);
    await expect(conn.sobject('Contact').retrieve(id)).rejects.toMatchObject({ errorCode: 'ENTITY_IS_DELETED' });
    const missing15 = `500Sm${'9'.repeat(10)}`;
    await expect(conn.sobject('Case').retrieve(missing15 + idSuffix(missing15))).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
  });

  it('refuses bad writes as a real org does', async () => {
    const kase = seed(2);
    const refused = async (fields: Record<string, unknown>, errorCode: string): Promise<void> => {
      await expect(conn.sobject('Case').update({ Id: kase.id, ...fields })).rejects.toMatchObject({ errorCode });
    };
    await refused({ Use_of_Funds__c: 'Holiday' }, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    await refused({ Use_of_Funds__c: '🛠 Renovation Work' }, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'); // the label is not the value
    await refused({ No_Such_Field__c: 'x' }, 'INVALID_FIELD');
    await refused({ CaseNumber: '1' }, 'INVALID_FIELD_FOR_INSERT_UPDATE');
    await refused({ Subject: 'x'.repeat(256) }, 'STRING_TOO_LONG');
    await refused({ ContactId: 'bogus' }, 'MALFORMED_ID');
    await expect(conn.sobject('Contact').create({ FirstName: 'No last name' })).rejects.toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING' });
    expect(sim.org.getRecord('Case', kase.id)?.Use_of_Funds__c).toBeNull(); // nothing half-written
  });

  it('bad ids in the path are MALFORMED_ID: wrong checksum, wrong object, wrong shape', async () => {
    const good = seed(0).id;
    // 'Z' sets every case bit of the first chunk, claiming uppercase letters where '500' has digits.
    const badChecksum = `${good.slice(0, 15)}ZZZ`;
    for (const id of [badChecksum, seed(0).contactId, 'abc', "500' OR Id != '"]) {
      await expect(conn.sobject('Case').retrieve(id)).rejects.toMatchObject({ errorCode: 'MALFORMED_ID' });
    }
  });
});

describe('describe', () => {
  it('lists the Case picklist from the SFDX metadata, values and labels', async () => {
    const describe = await conn.sobject('Case').describe();
    const field = describe.fields.find((f) => f.name === 'Use_of_Funds__c');
    expect(field).toMatchObject({ type: 'picklist', custom: true, restrictedPicklist: true, updateable: true });
    expect(field?.picklistValues?.map((p) => [p.value, p.label, p.active])).toEqual([
      ['Renovation Work', '🛠 Renovation Work', true],
      ['Debt Consolidation', '💳 Debt Consolidation', true],
      ['Vehicle Purchase', '🚗 Vehicle Purchase', true],
      ['Education', '🎓 Education', true],
      ['Other', '📝 Other', true],
    ]);
  });

  it('describes the platform event with its Text fields and lengths', async () => {
    const describe = await conn.sobject('Use_of_Funds__e').describe();
    const lengths = Object.fromEntries(describe.fields.filter((f) => f.custom).map((f) => [f.name, f.length]));
    expect(lengths).toEqual({ Correlation_Id__c: 18, Session_Key__c: 64, Use_of_Fund_Reason__c: 255 });
  });

  it('an unknown object is NOT_FOUND', async () => {
    await expect(conn.sobject('Nope__c').describe()).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
  });
});
