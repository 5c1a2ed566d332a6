import { InvalidInputError, PermanentCaseError } from '../../cowork/ports';
import type { SalesforceOrg } from '../../salesforce';
import type { RunningSimulator } from '../../simulator';
import { connect, restRequests, startTestSimulator } from './harness';

describe('SalesforceCaseStore against the simulator', () => {
  let sim: RunningSimulator;
  let org: SalesforceOrg;

  beforeAll(async () => {
    sim = await startTestSimulator();
    org = await connect(sim);
  });
  afterAll(async () => {
    await org?.close();
    await sim?.stop();
  });
  afterEach(() => sim.org.clearFaults());

  it('finds a Case by its 18- or 15-character Id and by its CaseNumber', async () => {
    const seeded = sim.seed.cases[0]!;
    const byId = await org.caseStore.findCase(seeded.id);
    expect(byId).toMatchObject({ id: seeded.id, caseNumber: seeded.caseNumber, subject: seeded.subject, contactId: seeded.contactId, isClosed: false });
    expect(await org.caseStore.findCase(seeded.id.slice(0, 15))).toMatchObject({ id: seeded.id });
    expect(await org.caseStore.findCase(` ${seeded.caseNumber} `)).toMatchObject({ id: seeded.id });
    expect(await org.caseStore.findCase('99999999')).toBeUndefined();
  });

  it('returns the extra fields asked for, by their org spelling', async () => {
    const seeded = sim.seed.cases[0]!;
    const found = await org.caseStore.findCase(seeded.id, ['use_of_funds__c']);
    expect(Object.keys(found!.fields)).toEqual(['Use_of_Funds__c']);
  });

  it('finds the chat session of a Case: MessagingSession first, then LiveChatTranscript', async () => {
    for (const seeded of sim.seed.cases) {
      expect(await org.caseStore.findChatSession(seeded.id)).toEqual(seeded.chatSession);
    }
    expect(new Set(sim.seed.cases.map((c) => c.chatSession?.objectType))).toEqual(new Set(['MessagingSession', 'LiveChatTranscript']));
  });

  it('offers exactly the active picklist values of the org, describing Case once', async () => {
    const before = restRequests(sim);
    const values = await org.caseStore.picklistValues('Use_of_Funds__c');
    expect(values.map((v) => v.value)).toEqual(['Renovation Work', 'Debt Consolidation', 'Vehicle Purchase', 'Education', 'Other']);
    await org.caseStore.picklistValues('Use_of_Funds__c');
    expect(restRequests(sim) - before).toBeLessThanOrEqual(1);
    await expect(org.caseStore.picklistValues('Subject')).rejects.toThrow(/not a picklist/);
  });

  it('updates a Case once and skips the write when the value is already there', async () => {
    const seeded = sim.seed.cases[1]!;
    expect(await org.caseStore.updateCase(seeded.id, { Use_of_Funds__c: 'Education' })).toEqual({ changed: true });
    expect(sim.org.getRecord('Case', seeded.id)?.Use_of_Funds__c).toBe('Education');
    const patches = (): number =>
      Object.entries(sim.org.requestCounts())
        .filter(([route]) => route.startsWith('PATCH'))
        .reduce((s, [, n]) => s + n, 0);
    const before = patches();
    expect(await org.caseStore.updateCase(seeded.id, { Use_of_Funds__c: 'Education' })).toEqual({ changed: false });
    expect(patches()).toBe(before);
  });

  it('writes at once, without reading the Case first, when told no earlier attempt can have written', async () => {
    const seeded = sim.seed.cases[3]!;
    await org.caseStore.picklistValues('Use_of_Funds__c'); // the describe is cached: count only the update's requests
    const count = (route: string): number => sim.org.requestCounts()[route] ?? 0;
    const reads = (): number => count('GET /services/data/vXX.X/sobjects/{object}/{id}');
    const writes = (): number => count('PATCH /services/data/vXX.X/sobjects/{object}/{id}');
    const [readsBefore, writesBefore] = [reads(), writes()];
    expect(await org.caseStore.updateCase(seeded.id, { Use_of_Funds__c: 'Other' }, { readFirst: false })).toEqual({ changed: true });
    expect(sim.org.getRecord('Case', seeded.id)?.Use_of_Funds__c).toBe('Other');
    expect([reads() - readsBefore, writes() - writesBefore]).toEqual([0, 1]);
    // The default reads first and leaves a Case that already has the value alone.
    expect(await org.caseStore.updateCase(seeded.id, { Use_of_Funds__c: 'Other' })).toEqual({ changed: false });
    expect([reads() - readsBefore, writes() - writesBefore]).toEqual([1, 1]);
  });

  it('retries 503 and REQUEST_LIMIT_EXCEEDED, then succeeds', async () => {
    const seeded = sim.seed.cases[2]!;
    sim.org.failRest({ method: 'PATCH', path: '/services/data/*/sobjects/Case/*', count: 2, status: 503 });
    sim.org.failRest({
      method: 'GET',
      path: '/services/data/*/sobjects/Case/*',
      count: 1,
      status: 403,
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
      message: 'TotalRequests Limit exceeded.',
    });
    expect(await org.caseStore.updateCase(seeded.id, { Use_of_Funds__c: 'Vehicle Purchase' })).toEqual({ changed: true });
    expect(sim.org.getRecord('Case', seeded.id)?.Use_of_Funds__c).toBe('Vehicle Purchase');
  });

  it('gives up on a transient error that does not go away, without calling it permanent', async () => {
    const seeded = sim.seed.cases[2]!;
    sim.org.failRest({ method: 'GET', path: '/services/data/*/sobjects/Case/*', count: 10, status: 503 });
    const failure = org.caseStore.updateCase(seeded.id, { Use_of_Funds__c: 'Other' });
    await expect(failure).rejects.not.toBeInstanceOf(PermanentCaseError);
    await expect(failure).rejects.toMatchObject({ errorCode: 'SERVER_UNAVAILABLE' });
  });

  it('reports a deleted Case as a permanent ENTITY_IS_DELETED failure, without retrying', async () => {
    const doomed = sim.org.createRecord('Case', { Subject: 'to be deleted', Status: 'New' });
    sim.org.deleteRecord('Case', doomed.Id);
    const before = restRequests(sim);
    const failure = org.caseStore.updateCase(doomed.Id, { Use_of_Funds__c: 'Other' });
    await expect(failure).rejects.toBeInstanceOf(PermanentCaseError);
    await expect(failure).rejects.toMatchObject({ errorCode: 'ENTITY_IS_DELETED' });
    expect(restRequests(sim) - before).toBe(1);
  });

  it('reports a value the restricted picklist refuses as permanent', async () => {
    const seeded = sim.seed.cases[0]!;
    await expect(org.caseStore.updateCase(seeded.id, { Use_of_Funds__c: 'Lottery tickets' })).rejects.toMatchObject({
      name: 'PermanentCaseError',
      errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    });
  });

  it.each([
    ["' OR Id != '", 'quote injection'],
    ['00001026 OR CaseNumber != null', 'SOQL after a number'],
    ['500%27%20OR%201', 'URL-encoded injection'],
    ['../../sobjects/User', 'path traversal'],
    ['003000000000001AAA', 'the id of a Contact, not a Case'],
    ['500000000000001XYZ', 'an 18-character id whose checksum is wrong'],
    ['', 'nothing'],
  ])('refuses %j (%s) before any request', async (input) => {
    const before = restRequests(sim);
    await expect(org.caseStore.findCase(input)).rejects.toBeInstanceOf(InvalidInputError);
    expect(restRequests(sim)).toBe(before);
  });

  it('lets a well-formed Case id that matches nothing reach the org, and finds nothing', async () => {
    const before = restRequests(sim);
    expect(await org.caseStore.findCase('500000000000001')).toBeUndefined();
    expect(restRequests(sim)).toBe(before + 1);
  });

  it('refuses malformed ids and field names in every method before any request', async () => {
    const before = restRequests(sim);
    await expect(org.caseStore.findChatSession("500' OR ''='")).rejects.toBeInstanceOf(InvalidInputError);
    await expect(org.caseStore.updateCase('500/../User/005', { Use_of_Funds__c: 'Other' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(org.caseStore.picklistValues('Use_of_Funds__c FROM User')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(org.caseStore.findCase(sim.seed.cases[0]!.id, ['Subject, (SELECT Id FROM Users)'])).rejects.toBeInstanceOf(InvalidInputError);
    expect(restRequests(sim)).toBe(before);
  });
});
