/**
 * The integration user has exactly the access the deployed permission sets give, whatever objects
 * force-app declares: object and field access over REST (real jsforce), publish and subscribe
 * rights over Pub/Sub (real client: GetTopic's canPublish/canSubscribe, Publish, Subscribe), the
 * daily API allocation at /limits, and record-level failures a real org produces.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Connection } from 'jsforce';

import { POLICIES_PATH } from '../../salesforce/runAsPolicy';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';
import { pubSubProtoPath } from '../../simulator/pubSubServer';
import { API_VERSION, clientCredentialsConnection, pubSubClient, recorder, trustSimulator, waitFor, type PubSubClient } from './support';

const PROJECT = join(__dirname, '../../salesforce');
const SOURCE = 'force-app/main/default';
const PERMISSION_SET = `${SOURCE}/permissionsets/Cowork_Bot.permissionset-meta.xml`;

const running: RunningSimulator[] = [];
const clients: PubSubClient[] = [];
const copies: string[] = [];
const subscriptions: Array<ReturnType<typeof recorder>> = [];
afterEach(async () => {
  // Streams end before their clients close: a client closed under an open stream crashes on its error.
  for (const sim of running) sim.org.endStreams({ code: 1, errorCode: 'test.teardown', details: 'test finished' });
  await waitFor('every subscription to see its end', () => subscriptions.every((r) => r.recorded.ended || r.recorded.errors.length > 0));
  subscriptions.length = 0;
  for (const c of clients.splice(0)) c.close();
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(options: SimulatorOptions = {}): Promise<{ sim: RunningSimulator; conn: Connection }> {
  const sim = await startSimulator({ keepaliveIntervalMs: 200, ...options });
  running.push(sim);
  trustSimulator(sim.caCert);
  return { sim, conn: await clientCredentialsConnection(sim) };
}

function project(edit: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'cowork-perm-'));
  copies.push(dir);
  cpSync(PROJECT, dir, { recursive: true });
  rmSync(join(dir, POLICIES_PATH), { force: true });
  edit(dir);
  return dir;
}

function editFile(dir: string, file: string, edit: (xml: string) => string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`${file}: the edit changed nothing`);
  writeFileSync(path, after);
}

/** A second platform event, declared the way a developer adds one to force-app. */
function addEvent(dir: string, name: string): void {
  mkdirSync(join(dir, SOURCE, 'objects', name, 'fields'), { recursive: true });
  writeFileSync(
    join(dir, SOURCE, 'objects', name, `${name}.object-meta.xml`),
    readFileSync(join(PROJECT, SOURCE, 'objects/Use_of_Funds__e/Use_of_Funds__e.object-meta.xml'), 'utf8'),
  );
  writeFileSync(
    join(dir, SOURCE, 'objects', name, 'fields', 'Status__c.field-meta.xml'),
    readFileSync(join(PROJECT, SOURCE, 'objects/Use_of_Funds__e/fields/Session_Key__c.field-meta.xml'), 'utf8').replace('Session_Key__c', 'Status__c'),
  );
}

function eventPermission(object: string, create: boolean, read: boolean): string {
  return `<objectPermissions>
        <allowCreate>${create}</allowCreate>
        <allowDelete>false</allowDelete>
        <allowEdit>false</allowEdit>
        <allowRead>${read}</allowRead>
        <modifyAllRecords>false</modifyAllRecords>
        <object>${object}</object>
        <viewAllRecords>false</viewAllRecords>
    </objectPermissions>
    <objectPermissions>`;
}

/** GetTopic over TLS gRPC with the API's own proto (the Node client keeps its stub private). */
async function topicInfo(sim: RunningSimulator, accessToken: string, topicName: string): Promise<{ canPublish: boolean; canSubscribe: boolean }> {
  const definition = protoLoader.loadSync(pubSubProtoPath(), {});
  const { eventbus } = grpc.loadPackageDefinition(definition) as unknown as { eventbus: { v1: { PubSub: grpc.ServiceClientConstructor } } };
  const stub = new eventbus.v1.PubSub(sim.pubSubEndpoint, grpc.credentials.createSsl(Buffer.from(sim.caCert)));
  const metadata = new grpc.Metadata();
  metadata.set('accesstoken', accessToken);
  metadata.set('instanceurl', sim.instanceUrl);
  metadata.set('tenantid', sim.orgId);
  try {
    return await new Promise((resolve, reject) => {
      (
        stub as unknown as {
          GetTopic(
            request: object,
            metadata: grpc.Metadata,
            callback: (error: Error | null, response: { canPublish: boolean; canSubscribe: boolean }) => void,
          ): void;
        }
      ).GetTopic({ topicName }, metadata, (error, response) => (error ? reject(error) : resolve(response)));
    });
  } finally {
    stub.close();
  }
}

describe('objects and fields', () => {
  it('an object no permission set names does not exist for the user; one it names is there', async () => {
    const { conn } = await start();
    await expect(conn.query('SELECT Id FROM Contact')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
    await expect(conn.sobject('Contact').describe()).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
    expect((await conn.query('SELECT Id FROM MessagingSession')).totalSize).toBeGreaterThan(0);
  });

  it('a custom field without field permissions is invisible to SOQL and describe, and cannot be written', async () => {
    const dir = project((d) => editFile(d, PERMISSION_SET, (xml) => xml.replace(/\s*<fieldPermissions>[\s\S]*?<\/fieldPermissions>/, '')));
    const { sim, conn } = await start({ sfdxProjectDir: dir });
    await expect(conn.query('SELECT Id, Use_of_Funds__c FROM Case')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    expect((await conn.sobject('Case').describe()).fields.map((f) => f.name)).not.toContain('Use_of_Funds__c');
    await expect(conn.sobject('Case').update({ Id: sim.seed.cases[0]!.id, Use_of_Funds__c: 'Other' })).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
  });

  it('a read-only field is described as not updateable and refused on write', async () => {
    const dir = project((d) => editFile(d, PERMISSION_SET, (xml) => xml.replace('<editable>true</editable>', '<editable>false</editable>')));
    const { sim, conn } = await start({ sfdxProjectDir: dir });
    const field = (await conn.sobject('Case').describe()).fields.find((f) => f.name === 'Use_of_Funds__c');
    expect(field?.updateable).toBe(false);
    await expect(conn.sobject('Case').update({ Id: sim.seed.cases[0]!.id, Use_of_Funds__c: 'Other' })).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
    });
  });
});

describe('Case comments: access controlled by the Case', () => {
  it('the shipped Cowork_Bot can write a private comment on a Case (its Case edit), in one call, and read it back', async () => {
    const { sim, conn } = await start();
    const caseId = sim.seed.cases[0]!.id;
    const created = await conn.sobject('CaseComment').create({ ParentId: caseId, CommentBody: 'Chat transcript', IsPublished: false });
    expect(created).toMatchObject({ success: true });
    const rows = await conn.query<{ CommentBody: string; IsPublished: boolean }>(
      `SELECT CommentBody, IsPublished FROM CaseComment WHERE ParentId = '${caseId}'`,
    );
    expect(rows.records).toEqual([expect.objectContaining({ CommentBody: 'Chat transcript', IsPublished: false })]);
  });

  it('without edit on Case, creating a comment is refused as Salesforce refuses it; a body over 4,000 is refused too', async () => {
    const dir = project((d) =>
      editFile(d, PERMISSION_SET, (xml) =>
        xml
          .replace(/<allowDelete>true<\/allowDelete>(\s*)<allowEdit>true<\/allowEdit>/, '<allowDelete>false</allowDelete>$1<allowEdit>false</allowEdit>')
          .replace('<modifyAllRecords>true</modifyAllRecords>', '<modifyAllRecords>false</modifyAllRecords>')
          .replace('<editable>true</editable>', '<editable>false</editable>'),
      ),
    );
    const { sim, conn } = await start({ sfdxProjectDir: dir });
    const caseId = sim.seed.cases[0]!.id;
    await expect(conn.sobject('CaseComment').create({ ParentId: caseId, CommentBody: 'x' })).rejects.toMatchObject({
      errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY',
    });
    const full = await start();
    await expect(full.conn.sobject('CaseComment').create({ ParentId: full.sim.seed.cases[0]!.id, CommentBody: 'x'.repeat(4001) })).rejects.toMatchObject({
      errorCode: 'STRING_TOO_LONG',
    });
  });

  it('a permission set that names CaseComment fails the deploy (it takes its access from the Case)', async () => {
    const dir = project((d) => editFile(d, PERMISSION_SET, (xml) => xml.replace('<objectPermissions>', eventPermission('CaseComment', true, true))));
    await expect(startSimulator({ sfdxProjectDir: dir })).rejects.toThrow(/CaseComment/);
  });
});

describe('platform events: Create is publish, Read is subscribe, for every event force-app declares', () => {
  it("the shipped Cowork_Bot: subscribe to the agents' requests only, publish and read statuses and answers", async () => {
    const { sim, conn } = await start();
    const token = conn.accessToken ?? '';
    expect(await topicInfo(sim, token, '/event/Cowork_Request__e')).toMatchObject({ canPublish: false, canSubscribe: true });
    expect(await topicInfo(sim, token, '/event/Cowork_Status__e')).toMatchObject({ canPublish: true, canSubscribe: true });
    expect(await topicInfo(sim, token, '/event/Use_of_Funds__e')).toMatchObject({ canPublish: true, canSubscribe: true });
    expect(await topicInfo(sim, token, '/event/Cowork_Message__e')).toMatchObject({ canPublish: true, canSubscribe: true });
  });

  it('GetTopic answers what the permission set allows; Publish and Subscribe are refused otherwise', async () => {
    const dir = project((d) => {
      addEvent(d, 'Test_Signal__e');
      // The bot may only read the new event, and may no longer publish the answer event.
      editFile(d, PERMISSION_SET, (xml) =>
        xml
          .replace('<objectPermissions>', eventPermission('Test_Signal__e', false, true))
          .replace(/(<allowCreate>)true(<\/allowCreate>(?:(?!<\/objectPermissions>)[\s\S])*<object>Use_of_Funds__e<\/object>)/, '$1false$2'),
      );
    });
    const { sim, conn } = await start({ sfdxProjectDir: dir });
    const client = await pubSubClient(sim, conn.accessToken ?? '');
    clients.push(client);
    expect(await topicInfo(sim, conn.accessToken ?? '', '/event/Test_Signal__e')).toMatchObject({ canPublish: false, canSubscribe: true });
    expect(await topicInfo(sim, conn.accessToken ?? '', '/event/Use_of_Funds__e')).toMatchObject({ canPublish: false, canSubscribe: true });

    await expect(
      client.publish('/event/Test_Signal__e', { CreatedDate: Date.now(), CreatedById: sim.userId, Status__c: { string: 'x' } }),
    ).rejects.toMatchObject({ cause: { details: expect.stringMatching(/no permission to publish/) } });
    await expect(conn.sobject('Use_of_Funds__e').create({ Use_of_Fund_Reason__c: 'Other' })).rejects.toMatchObject({
      errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY',
    });

    // Reading is allowed: an event published by someone else (a flow) arrives.
    const subscription = recorder();
    subscriptions.push(subscription);
    const { recorded, callback } = subscription;
    client.subscribe('/event/Test_Signal__e', callback);
    await waitFor('the stream to open', () => sim.org.openStreamCount() === 1);
    sim.org.publishEvent('Test_Signal__e', { Status__c: 'done' });
    await waitFor('the event', () => recorded.events.length === 1);
    expect(recorded.events[0]?.payload.Status__c).toBe('done');
  });

  it('an event declared in force-app but in no permission set can be neither published nor subscribed to', async () => {
    const dir = project((d) => addEvent(d, 'Test_Ping__e'));
    const { sim, conn } = await start({ sfdxProjectDir: dir });
    const client = await pubSubClient(sim, conn.accessToken ?? '');
    clients.push(client);
    expect(await topicInfo(sim, conn.accessToken ?? '', '/event/Test_Ping__e')).toMatchObject({ canPublish: false, canSubscribe: false });
    const subscription = recorder();
    subscriptions.push(subscription);
    const { recorded, callback } = subscription;
    client.subscribe('/event/Test_Ping__e', callback);
    await waitFor('the refusal', () => recorded.errors.length > 0);
    expect(recorded.errors[0]?.details).toMatch(/no permission to subscribe/);
  });
});

describe('the integration user licence', () => {
  it('a Salesforce Integration user without the Salesforce API Integration permission set licence: its permission sets grant nothing', async () => {
    const { sim, conn } = await start({ permissionSetLicenses: [] });
    // The login works (the app's policies approve the assigned permission set), the data does not.
    await expect(conn.query('SELECT Id FROM Case LIMIT 1')).rejects.toMatchObject({
      errorCode: 'INVALID_TYPE',
      message: expect.stringContaining("sObject type 'Case' is not supported"),
    });
    const client = await pubSubClient(sim, conn.accessToken ?? '');
    clients.push(client);
    const subscription = recorder();
    subscriptions.push(subscription);
    client.subscribe('/event/Use_of_Funds__e', subscription.callback);
    await waitFor('the refusal', () => subscription.recorded.errors.length > 0);
    expect(subscription.recorded.errors[0]?.details).toMatch(/no permission to subscribe to \/event\/Use_of_Funds__e/);
  });

  it('with the permission set licence (the default, as docs/SALESFORCE.md assigns it), or a Salesforce user licence, the same permission sets work', async () => {
    const { conn } = await start();
    await expect(conn.query('SELECT Id FROM Case LIMIT 1')).resolves.toMatchObject({ done: true });
    const { conn: full } = await start({ userLicense: 'Salesforce', permissionSetLicenses: [] });
    await expect(full.query('SELECT Id FROM Case LIMIT 1')).resolves.toMatchObject({ done: true });
  });
});

describe('limits', () => {
  it('counts data API requests in DailyApiRequests and refuses with REQUEST_LIMIT_EXCEEDED when spent', async () => {
    const { sim, conn } = await start({ dailyApiRequests: 1_000 });
    const limits = (): Promise<{ DailyApiRequests: { Max: number; Remaining: number } }> => conn.request(`/services/data/v${API_VERSION}/limits`);
    const before = (await limits()).DailyApiRequests;
    expect(before.Max).toBe(1_000);
    await conn.query('SELECT Id FROM Case');
    await conn.query('SELECT Id FROM Case');
    expect((await limits()).DailyApiRequests.Remaining).toBe(before.Remaining - 2);

    sim.org.apiLimit.spend(0);
    await expect(conn.query('SELECT Id FROM Case')).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' });
    // The allocation is over a rolling 24 hours.
    sim.org.advanceClock(24 * 60 * 60 * 1000);
    const fresh = await clientCredentialsConnection(sim);
    expect((await fresh.query('SELECT Id FROM Case')).totalSize).toBeGreaterThan(0);
  });
});

describe('record-level failures', () => {
  it.each([
    ['FIELD_CUSTOM_VALIDATION_EXCEPTION', { message: 'Use of funds cannot change once approved' }, /Use of funds cannot change once approved/],
    ['ENTITY_IS_LOCKED', {}, /the entity is locked for editing/],
    ['UNABLE_TO_LOCK_ROW', { times: 1 }, /unable to obtain exclusive access to this record/],
  ] as const)('%s, injected per record, as a real org answers it', async (errorCode, extra, message) => {
    const { sim, conn } = await start();
    const [target, other] = sim.seed.cases;
    sim.org.failRecord('Case', target!.id, { errorCode, ...extra });
    await expect(conn.sobject('Case').update({ Id: target!.id, Use_of_Funds__c: 'Other' })).rejects.toMatchObject({
      errorCode,
      message: expect.stringMatching(message),
    });
    await conn.sobject('Case').update({ Id: other!.id, Use_of_Funds__c: 'Other' });
    expect(sim.org.getRecord('Case', other!.id)?.Use_of_Funds__c).toBe('Other');
    if (errorCode === 'UNABLE_TO_LOCK_ROW') {
      // Contention passes: the next try goes through.
      await conn.sobject('Case').update({ Id: target!.id, Use_of_Funds__c: 'Other' });
      expect(sim.org.getRecord('Case', target!.id)?.Use_of_Funds__c).toBe('Other');
    }
  });
});
