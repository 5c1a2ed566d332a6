/**
 * The simulator deploys the project's own `salesforce/` at start and refuses what a real org
 * refuses: the External Client App's files decide which logins work, a placeholder run-as user or
 * an impossible permission set stops the deploy, and sessions end after the timeout.
 * Everything goes through the real jsforce.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import jwt from 'jsonwebtoken';
import jsforce, { type Connection } from 'jsforce';

import { POLICIES_PATH, writePolicies } from '../../salesforce/runAsPolicy';
import { DeployFailedError, startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';
import { RecordingLog } from '../harness/recordingLog';
import { API_VERSION, clientCredentialsConnection, trustSimulator } from './support';

const PROJECT = join(__dirname, '../../salesforce');
const GLOBAL_SETTINGS = 'force-app/main/default/extlClntAppGlobalOauthSets/Cowork_Bot_glbloauth.ecaGlblOauth-meta.xml';
const PERMISSION_SET = 'force-app/main/default/permissionsets/Cowork_Bot.permissionset-meta.xml';

const running: RunningSimulator[] = [];
const copies: string[] = [];

/** A copy of the SFDX project as the repository ships it (no policies written yet), edited by `edit`. */
function project(edit: (dir: string) => void = () => undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'cowork-deploy-'));
  copies.push(dir);
  cpSync(PROJECT, dir, { recursive: true });
  rmSync(join(dir, POLICIES_PATH), { force: true });
  edit(dir);
  return dir;
}

function replaceIn(dir: string, file: string, from: string | RegExp, to: string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${file}: nothing to replace`);
  writeFileSync(path, after);
}

async function start(options: SimulatorOptions): Promise<RunningSimulator> {
  const sim = await startSimulator(options);
  running.push(sim);
  trustSimulator(sim.caCert);
  return sim;
}

function clientCredentials(sim: RunningSimulator, loginUrl = sim.loginUrl): Promise<unknown> {
  const conn = new jsforce.Connection({ oauth2: { loginUrl, clientId: sim.clientId, clientSecret: sim.clientSecret }, version: API_VERSION });
  return conn.authorize({ grant_type: 'client_credentials' });
}

function jwtLogin(sim: RunningSimulator, aud: string): Promise<unknown> {
  const conn = new jsforce.Connection({ oauth2: { loginUrl: sim.loginUrl, clientId: sim.clientId }, version: API_VERSION });
  const assertion = jwt.sign({ iss: sim.clientId, sub: sim.username, aud, exp: Math.floor(Date.now() / 1000) + 180 }, sim.jwtPrivateKey, {
    algorithm: 'RS256',
  });
  return conn.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
}

/** A connection holding only the session (no way to log in again), so an expiry shows as it is. */
async function sessionOnly(sim: RunningSimulator): Promise<Connection> {
  const login = await clientCredentialsConnection(sim);
  return new jsforce.Connection({ instanceUrl: sim.instanceUrl, accessToken: login.accessToken ?? '', version: API_VERSION });
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the External Client App decides which logins work', () => {
  it('client credentials needs a run-as user: the repository as committed has none until sf:configure writes it', async () => {
    const sim = await start({ sfdxProjectDir: project(), runAsUser: null });
    await expect(clientCredentials(sim)).rejects.toMatchObject({
      name: 'invalid_grant',
      message: expect.stringContaining('no client credentials user enabled'),
    });
  });

  it('client credentials works once sf:configure named the org user, who becomes the run-as user', async () => {
    const dir = project((d) => writePolicies(d, 'bot@acme.com'));
    const sim = await start({ sfdxProjectDir: dir });
    expect(sim.username).toBe('bot@acme.com');
    const conn = await clientCredentialsConnection(sim);
    expect((await conn.identity()).username).toBe('bot@acme.com');
  });

  it("client credentials is refused while the app's global OAuth settings do not enable it", async () => {
    const dir = project((d) => replaceIn(d, GLOBAL_SETTINGS, '<isClientCredentialsFlowEnabled>true<', '<isClientCredentialsFlowEnabled>false<'));
    const sim = await start({ sfdxProjectDir: dir });
    await expect(clientCredentials(sim)).rejects.toMatchObject({ name: 'unsupported_grant_type' });
    // Without the global settings file at all, the same.
    const without = project((d) => rmSync(join(d, GLOBAL_SETTINGS)));
    const sim2 = await start({ sfdxProjectDir: without });
    await expect(clientCredentials(sim2)).rejects.toMatchObject({ name: 'unsupported_grant_type' });
  });

  it('client credentials is refused on the generic login host, served on the My Domain', async () => {
    const sim = await start({});
    await expect(clientCredentials(sim, sim.genericLoginUrl)).rejects.toMatchObject({
      name: 'invalid_grant',
      message: expect.stringContaining('request not supported on this domain'),
    });
    await expect(clientCredentials(sim)).resolves.toBeDefined();
  });

  it("JWT bearer and the OAuth password flow: admin-approved users only (the policies' permission set); a sandbox wants test.salesforce.com", async () => {
    const unassigned = await start({ permissionSets: [] });
    await expect(jwtLogin(unassigned, 'https://login.salesforce.com')).rejects.toMatchObject({
      name: 'invalid_grant',
      message: expect.stringContaining('not admin approved'),
    });
    const password = new jsforce.Connection({
      oauth2: { loginUrl: unassigned.loginUrl, clientId: unassigned.clientId, clientSecret: unassigned.clientSecret },
      version: API_VERSION,
    });
    await expect(password.login(unassigned.username, unassigned.password)).rejects.toMatchObject({ message: expect.stringContaining('not admin approved') });
    const sandbox = await start({ sandbox: true });
    await expect(jwtLogin(sandbox, 'https://login.salesforce.com')).rejects.toMatchObject({ message: expect.stringContaining('audience is invalid') });
    await expect(jwtLogin(sandbox, 'https://test.salesforce.com')).resolves.toBeDefined();
  });
});

describe('a deploy a real org would refuse does not start', () => {
  it('a placeholder run-as user in force-app, with the command to run', async () => {
    const dir = project((d) => {
      mkdirSync(dirname(join(d, POLICIES_PATH)), { recursive: true });
      writeFileSync(
        join(d, POLICIES_PATH),
        readFileSync(join(d, 'templates/Cowork_Bot_oauthPlcy.ecaOauthPlcy-meta.xml'), 'utf8').replaceAll('{{RUN_AS_USERNAME}}', 'cowork-bot@example.com'),
      );
    });
    await expect(start({ sfdxProjectDir: dir })).rejects.toThrow(/Deploy refused: .*placeholder.*npm run sf:configure -- --run-as <username>/);
  });

  it('Modify All without Delete, and access to an object the org does not have', async () => {
    const noDelete = project((d) => replaceIn(d, PERMISSION_SET, /<allowDelete>true<\/allowDelete>/, '<allowDelete>false</allowDelete>'));
    await expect(start({ sfdxProjectDir: noDelete })).rejects.toThrow(/Permission Modify All on Case depends on permission\(s\): Delete/);
    const unknown = project((d) => replaceIn(d, PERMISSION_SET, '<object>Case</object>', '<object>Nothing__c</object>'));
    await expect(start({ sfdxProjectDir: unknown })).rejects.toThrow(/no CustomObject named Nothing__c/);
  });
});

describe("the deploy answers as the Metadata API does, from Salesforce's schema", () => {
  it("a file an org refuses stops the deploy with the DeployResult's componentFailures", async () => {
    const dir = project((d) =>
      replaceIn(d, 'force-app/main/default/objects/Use_of_Funds__e/Use_of_Funds__e.object-meta.xml', '<eventType>HighVolume<', '<eventType>StandardVolumeX<'),
    );
    const refused = start({ sfdxProjectDir: dir });
    await expect(refused).rejects.toBeInstanceOf(DeployFailedError);
    const { result } = (await refused.catch((e: unknown) => e)) as DeployFailedError;
    expect(result).toMatchObject({ done: true, status: 'Failed', success: false, numberComponentErrors: 1, numberComponentsDeployed: 0 });
    expect(result.details.componentFailures).toEqual([
      {
        changed: false,
        columnNumber: 5,
        componentType: 'CustomObject',
        created: false,
        createdDate: expect.any(String),
        deleted: false,
        fileName: 'force-app/main/default/objects/Use_of_Funds__e/Use_of_Funds__e.object-meta.xml',
        fullName: 'Use_of_Funds__e',
        lineNumber: 5,
        problem: "'StandardVolumeX' is not a valid value for the enum 'PlatformEventType'",
        problemType: 'Error',
        success: false,
      },
    ]);
  });

  it('with Messaging off, force-app naming MessagingSession fails as a whole; as shipped it deploys and the messaging package is refused', async () => {
    const named = project((d) =>
      replaceIn(
        d,
        PERMISSION_SET,
        '</PermissionSet>',
        '    <objectPermissions><allowCreate>false</allowCreate><allowDelete>false</allowDelete><allowEdit>false</allowEdit><allowRead>true</allowRead><modifyAllRecords>false</modifyAllRecords><object>MessagingSession</object><viewAllRecords>false</viewAllRecords></objectPermissions>\n</PermissionSet>',
      ),
    );
    await expect(start({ sfdxProjectDir: named, messaging: false })).rejects.toThrow(
      /Cowork_Bot\.permissionset-meta\.xml .*no CustomObject named MessagingSession found/,
    );
    const log = new RecordingLog();
    const sim = await start({ messaging: false, log });
    const refusal = log.entries.find((e) => e.level === 'warn' && e.fields.package === 'salesforce/messaging');
    expect(refusal?.msg).toMatch(/the org refused salesforce\/messaging: [\s\S]*no CustomObject named MessagingSession found/);
    // The main package is in: the bot's permission set works, and MessagingSession does not exist.
    const conn = await clientCredentialsConnection(sim);
    await expect(conn.query('SELECT Id FROM Case LIMIT 1')).resolves.toBeDefined();
    await expect(conn.query('SELECT Id FROM MessagingSession LIMIT 1')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
    expect(sim.seed.cases.some((c) => c.chatSession?.objectType === 'MessagingSession')).toBe(false);
  });
});

describe('sessions', () => {
  it('end after the session timeout without activity, and activity keeps them alive', async () => {
    const sim = await start({ sessionTimeoutMs: 60 * 60 * 1000 });
    const conn = await sessionOnly(sim);
    const query = async (): Promise<unknown> => conn.query('SELECT Id FROM Case LIMIT 1');
    sim.org.advanceClock(40 * 60 * 1000);
    await expect(query()).resolves.toBeDefined(); // used past half the timeout: extended
    sim.org.advanceClock(40 * 60 * 1000);
    await expect(query()).resolves.toBeDefined();
    sim.org.advanceClock(61 * 60 * 1000);
    await expect(query()).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
  });

  it('last two hours by default', async () => {
    const sim = await start({});
    const conn = await sessionOnly(sim);
    sim.org.advanceClock(2 * 60 * 60 * 1000);
    await expect(conn.query('SELECT Id FROM Case LIMIT 1')).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
  });
});
