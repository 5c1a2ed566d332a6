/**
 * The four ways to log in, and a token expiring mid-run: REST and Pub/Sub recover by logging
 * in again, and nothing published around the expiry is lost.
 */
import https from 'node:https';

import { status as GrpcStatus } from '@grpc/grpc-js';

import type { PlatformEvent } from '../../cowork/ports';
import { MemoryStorage } from 'botbuilder';
import { connectSalesforce, simulatorConfig, type SalesforceCredentials, type SalesforceOrg } from '../../salesforce';
import { MY_DOMAIN, PUBSUB_ERROR_CODE, type RunningSimulator } from '../../simulator';
import { jwtAudienceCandidates } from '../../salesforce/config';
import { RecordingLog } from '../harness/recordingLog';
import { connect, FAST, startTestSimulator, until } from './harness';

const TOPIC = '/event/Use_of_Funds__e';

/** A token obtained outside the bot, as `sf org display` would give (via the agent that trusts the simulator's CA). */
function clientCredentialsToken(sim: RunningSimulator): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret }).toString();
  return new Promise((resolve, reject) => {
    const request = https.request(
      `${sim.loginUrl}/services/oauth2/token`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve((JSON.parse(text) as { access_token: string }).access_token));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('logging in to the simulator', () => {
  let sim: RunningSimulator;
  const open: SalesforceOrg[] = [];

  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });
  afterAll(async () => {
    await sim?.stop();
  });

  async function orgWith(credentials: (sim: RunningSimulator) => Promise<SalesforceCredentials> | SalesforceCredentials): Promise<SalesforceOrg> {
    const o = await connect(sim, { config: { credentials: await credentials(sim) } });
    open.push(o);
    return o;
  }

  it.each<[string, (sim: RunningSimulator) => Promise<SalesforceCredentials> | SalesforceCredentials]>([
    ['client-credentials', (s) => ({ type: 'client-credentials', clientId: s.clientId, clientSecret: s.clientSecret })],
    [
      'jwt-bearer',
      (s) => ({
        type: 'jwt-bearer',
        clientId: s.clientId,
        username: s.username,
        privateKeyPem: s.jwtPrivateKey,
        audiences: jwtAudienceCandidates(undefined, s.loginUrl),
      }),
    ],
    [
      'username-password',
      (s) => ({ type: 'username-password', username: s.username, password: s.password, clientId: s.clientId, clientSecret: s.clientSecret }),
    ],
    ['access-token', async (s) => ({ type: 'access-token', accessToken: await clientCredentialsToken(s), instanceUrl: s.instanceUrl })],
  ])('%s: reads a Case over REST and publishes over Pub/Sub', async (authType, credentials) => {
    const o = await orgWith(credentials);
    expect(o.describe()).toEqual({ mode: 'org', instanceUrl: sim.instanceUrl, authType });
    expect(await o.caseStore.findCase(sim.seed.cases[0]!.caseNumber)).toMatchObject({ id: sim.seed.cases[0]!.id });
    expect((await o.eventBus.publish(TOPIC, { Correlation_Id__c: sim.seed.cases[0]!.id, Use_of_Fund_Reason__c: 'Other' })).via).toBe('pubsub');
  });

  it('username-password logs in with the OAuth password flow (never SOAP) and warns at start-up that new orgs block it', async () => {
    const log = new RecordingLog();
    const credentials: SalesforceCredentials = {
      type: 'username-password',
      username: sim.username,
      password: sim.password,
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
    };
    const o = await connectSalesforce(simulatorConfig(sim, { credentials }), { storage: new MemoryStorage(), log, ...FAST });
    open.push(o);
    expect(log.find((e) => e.level === 'warn' && e.fields.authType === 'username-password')?.msg).toMatch(
      /OAuth username-password flow, which new orgs block.*client-credentials or jwt-bearer/,
    );
    expect(sim.org.requestCounts()['POST /services/Soap/u/{version}'] ?? 0).toBe(0);
  });

  it("refuses wrong credentials with the org's reason", async () => {
    await expect(orgWith((s) => ({ type: 'client-credentials', clientId: s.clientId, clientSecret: 'wrong' }))).rejects.toThrow(/invalid_client|client/i);
  });

  it('an access token cannot be renewed: once expired, REST fails clearly', async () => {
    const o = await orgWith(async (s) => ({ type: 'access-token', accessToken: await clientCredentialsToken(s), instanceUrl: s.instanceUrl }));
    sim.org.expireTokens();
    await expect(o.caseStore.findCase(sim.seed.cases[0]!.id)).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
  });

  it('recovers REST and Pub/Sub when the token expires mid-run, losing no event', async () => {
    const o = await orgWith((s) => ({ type: 'client-credentials', clientId: s.clientId, clientSecret: s.clientSecret }));
    const received: PlatformEvent[] = [];
    const subscription = await o.eventBus.subscribe(TOPIC, async (e) => void received.push(e));
    await until(() => subscription.state().connected, 5_000, 'the stream');
    const caseId = sim.seed.cases[0]!.id;
    const before = sim.org.publishEvent('Use_of_Funds__e', { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: 'Education' });
    await until(() => received.some((e) => e.id === before.eventUuid));

    sim.org.expireTokens();
    // Salesforce ends streams whose session is gone; meanwhile an agent's flow publishes.
    sim.org.endStreams({ code: GrpcStatus.UNAUTHENTICATED, errorCode: PUBSUB_ERROR_CODE.auth, details: 'session expired' });
    const during = sim.org.publishEvent('Use_of_Funds__e', { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: 'Other' });

    // REST: the 401 triggers one login, the call is replayed.
    expect(await o.caseStore.findCase(caseId)).toMatchObject({ id: caseId });
    // Pub/Sub publish with the stale client: refused, renewed, published over gRPC again.
    const published = await o.eventBus.publish(TOPIC, { Correlation_Id__c: caseId, Use_of_Fund_Reason__c: 'Vehicle Purchase' });
    expect(published.via).toBe('pubsub');
    await until(
      () => received.some((e) => e.id === during.eventUuid) && received.some((e) => e.payload.Use_of_Fund_Reason__c === 'Vehicle Purchase'),
      10_000,
      'events after the expiry',
    );
    expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
    await subscription.close();
  });
});

describe('JWT bearer audiences, tried in the order the Salesforce CLI tries them', () => {
  it.each([
    ['a My Domain', 'https://acme.my.salesforce.com', ['https://acme.my.salesforce.com', 'https://login.salesforce.com', 'https://test.salesforce.com']],
    [
      'a sandbox My Domain',
      'https://acme--uat.sandbox.my.salesforce.com',
      ['https://acme--uat.sandbox.my.salesforce.com', 'https://login.salesforce.com', 'https://test.salesforce.com'],
    ],
    [
      'a scratch org',
      'https://power-app-1234-dev-ed.scratch.my.salesforce.com',
      ['https://power-app-1234-dev-ed.scratch.my.salesforce.com', 'https://login.salesforce.com', 'https://test.salesforce.com'],
    ],
    ['login.salesforce.com', 'https://login.salesforce.com', ['https://login.salesforce.com']],
    ['test.salesforce.com (never the production audience there)', 'https://test.salesforce.com', ['https://test.salesforce.com']],
  ])('for %s', (_what, loginUrl, expected) => {
    expect(jwtAudienceCandidates(undefined, loginUrl)).toEqual(expected);
  });

  it('SF_JWT_AUDIENCE replaces the list', () => {
    expect(jwtAudienceCandidates('https://acme.my.site.com', 'https://acme.my.salesforce.com')).toEqual(['https://acme.my.site.com']);
  });

  const running: RunningSimulator[] = [];
  const orgs: SalesforceOrg[] = [];
  afterEach(async () => {
    await Promise.all(orgs.splice(0).map((o) => o.close()));
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });

  /** A simulator started with `options`, and the bot's JWT bearer login to it with the default audiences (not connected yet). */
  async function jwtLogin(
    options: Parameters<typeof startTestSimulator>[0],
    log: RecordingLog,
  ): Promise<{ sim: RunningSimulator; connect: () => Promise<SalesforceOrg> }> {
    const sim = await startTestSimulator(options);
    running.push(sim);
    const credentials: SalesforceCredentials = {
      type: 'jwt-bearer',
      clientId: sim.clientId,
      username: sim.username,
      privateKeyPem: sim.jwtPrivateKey,
      audiences: jwtAudienceCandidates(undefined, sim.loginUrl),
    };
    return { sim, connect: () => connectSalesforce(simulatorConfig(sim, { credentials }), { storage: new MemoryStorage(), log, ...FAST }) };
  }

  async function jwtOrg(options: Parameters<typeof startTestSimulator>[0], log: RecordingLog): Promise<{ sim: RunningSimulator; org: SalesforceOrg }> {
    const { sim, connect } = await jwtLogin(options, log);
    const org = await connect();
    orgs.push(org);
    return { sim, org };
  }
  const tokenRequests = (sim: RunningSimulator): number => sim.org.requestCounts()['POST /services/oauth2/token'] ?? 0;

  it('an org that accepts its My Domain: the first audience works, and is logged', async () => {
    const log = new RecordingLog();
    const { sim } = await jwtOrg({ jwtAudiences: [MY_DOMAIN] }, log);
    expect(tokenRequests(sim)).toBe(1);
    expect(log.find((e) => e.msg.includes('accepts this audience'))?.fields).toMatchObject({ audience: sim.loginUrl, refused: [] });
  });

  it('a sandbox (test.salesforce.com): found on the third try, then tried first when the session is renewed', async () => {
    const log = new RecordingLog();
    const { sim, org } = await jwtOrg({ sandbox: true }, log);
    expect(tokenRequests(sim)).toBe(3);
    const accepted = log.entries.filter((e) => e.msg.includes('accepts this audience'));
    expect(accepted).toHaveLength(1);
    expect(accepted[0]?.fields).toMatchObject({
      audience: 'https://test.salesforce.com',
      refused: [expect.stringContaining(sim.loginUrl), expect.stringContaining('https://login.salesforce.com')],
    });
    sim.org.expireTokens();
    expect(await org.caseStore.findCase(sim.seed.cases[0]!.id)).toMatchObject({ id: sim.seed.cases[0]!.id });
    expect(tokenRequests(sim)).toBe(4); // one login, with the audience that worked
  });

  it('an org that accepts none of them: the error names every audience tried and SF_JWT_AUDIENCE', async () => {
    const { connect } = await jwtLogin({ jwtAudiences: ['https://acme.my.site.com'] }, new RecordingLog());
    await expect(connect()).rejects.toThrow(
      /refused for every audience tried \(set SF_JWT_AUDIENCE.*https:\/\/login\.salesforce\.com.*https:\/\/test\.salesforce\.com/,
    );
  });
});
