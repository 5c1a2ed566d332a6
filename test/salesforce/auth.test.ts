/**
 * The four ways to log in, and a token expiring mid-run: REST and Pub/Sub recover by logging
 * in again, and nothing published around the expiry is lost.
 */
import https from 'node:https';

import { status as GrpcStatus } from '@grpc/grpc-js';

import type { PlatformEvent } from '../../cowork/ports';
import type { SalesforceCredentials, SalesforceOrg } from '../../salesforce';
import { PUBSUB_ERROR_CODE, type RunningSimulator } from '../../simulator';
import { connect, startTestSimulator, until } from './harness';

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
    ['jwt-bearer', (s) => ({ type: 'jwt-bearer', clientId: s.clientId, username: s.username, privateKeyPem: s.jwtPrivateKey })],
    ['username-password', (s) => ({ type: 'username-password', username: s.username, password: s.password })],
    ['access-token', async (s) => ({ type: 'access-token', accessToken: await clientCredentialsToken(s), instanceUrl: s.instanceUrl })],
  ])('%s: reads a Case over REST and publishes over Pub/Sub', async (authType, credentials) => {
    const o = await orgWith(credentials);
    expect(o.describe()).toEqual({ mode: 'org', instanceUrl: sim.instanceUrl, authType });
    expect(await o.caseStore.findCase(sim.seed.cases[0]!.caseNumber)).toMatchObject({ id: sim.seed.cases[0]!.id });
    expect((await o.eventBus.publish(TOPIC, { Correlation_Id__c: sim.seed.cases[0]!.id, Use_of_Fund_Reason__c: 'Other' })).via).toBe('pubsub');
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
