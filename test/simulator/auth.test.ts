/**
 * Every way the bot (or a developer) can log in, through the real jsforce and the real
 * Pub/Sub client's own OAuth path: client credentials, JWT bearer, SOAP username-password,
 * OAuth username-password, and a user-supplied access token.
 */
import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import jsforce, { type Connection } from 'jsforce';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { API_VERSION, clientCredentialsConnection, trustSimulator } from './support';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator();
  trustSimulator(sim.caCert);
});

afterAll(async () => {
  await sim?.stop();
});

async function seedCaseSubject(conn: Connection): Promise<string> {
  const first = sim.seed.cases[0];
  if (!first) throw new Error('no seed case');
  const result = await conn.query<{ Subject: string }>(`SELECT Subject FROM Case WHERE Id = '${first.id}'`);
  return result.records[0]?.Subject ?? '';
}

function assertion(claims: Record<string, unknown>, key = sim.jwtPrivateKey): string {
  return jwt.sign(claims, key, { algorithm: 'RS256' });
}

describe('OAuth 2.0 and SOAP logins', () => {
  it('client credentials: token, identity, and a working session', async () => {
    const conn = await clientCredentialsConnection(sim);
    expect(conn.accessToken).toMatch(new RegExp(`^${sim.orgId.slice(0, 15)}!`));
    expect(conn.instanceUrl).toBe(sim.instanceUrl);
    expect(conn.userInfo).toMatchObject({ id: sim.userId, organizationId: sim.orgId });
    const identity = await conn.identity();
    expect(identity).toMatchObject({ user_id: sim.userId, organization_id: sim.orgId, username: sim.username });
    expect(await seedCaseSubject(conn)).toBe(sim.seed.cases[0]?.subject);
  });

  it('client credentials with a wrong secret is refused with invalid_client', async () => {
    const conn = new jsforce.Connection({ oauth2: { loginUrl: sim.loginUrl, clientId: sim.clientId, clientSecret: 'wrong' }, version: API_VERSION });
    await expect(conn.authorize({ grant_type: 'client_credentials' })).rejects.toMatchObject({ name: 'invalid_client' });
  });

  it('JWT bearer: an assertion for https://login.salesforce.com logs in; a My Domain audience, expiry or a stranger key is refused', async () => {
    const conn = new jsforce.Connection({ oauth2: { loginUrl: sim.loginUrl, clientId: sim.clientId }, version: API_VERSION });
    const exp = Math.floor(Date.now() / 1000) + 180;
    const aud = 'https://login.salesforce.com';
    await conn.authorize({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: assertion({ iss: sim.clientId, sub: sim.username, aud, exp }),
    });
    expect(await seedCaseSubject(conn)).toBe(sim.seed.cases[0]?.subject);

    const refused = async (claims: Record<string, unknown>, description: RegExp, key?: string): Promise<void> => {
      const other = new jsforce.Connection({ oauth2: { loginUrl: sim.loginUrl, clientId: sim.clientId }, version: API_VERSION });
      await expect(other.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: assertion(claims, key) })).rejects.toMatchObject({
        name: expect.stringMatching(/^invalid_(grant|client_id)$/),
        message: expect.stringMatching(description),
      });
    };
    // The My Domain the request is sent to is not an audience Salesforce accepts, nor is a sandbox's on a production org.
    await refused({ iss: sim.clientId, sub: sim.username, aud: sim.loginUrl, exp }, /audience is invalid/);
    await refused({ iss: sim.clientId, sub: sim.username, aud: 'https://test.salesforce.com', exp }, /audience is invalid/);
    await refused({ iss: sim.clientId, sub: sim.username, aud, exp: Math.floor(Date.now() / 1000) - 60 }, /expired/);
    await refused({ iss: sim.clientId, sub: sim.username, aud }, /exp/);
    await refused({ iss: sim.clientId, sub: 'someone.else@example.com', aud, exp }, /approved/);
    const { privateKey: strangerKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    await refused({ iss: sim.clientId, sub: sim.username, aud, exp }, /signature/, strangerKey);
  });

  it('client credentials on the generic login host is refused as Salesforce refuses it', async () => {
    const conn = new jsforce.Connection({
      oauth2: { loginUrl: sim.genericLoginUrl, clientId: sim.clientId, clientSecret: sim.clientSecret },
      version: API_VERSION,
    });
    await expect(conn.authorize({ grant_type: 'client_credentials' })).rejects.toMatchObject({
      name: 'invalid_grant',
      message: expect.stringContaining('request not supported on this domain'),
    });
  });

  it('SOAP login (conn.login without OAuth client settings) and its INVALID_LOGIN fault', async () => {
    const conn = new jsforce.Connection({ loginUrl: sim.loginUrl, version: API_VERSION });
    const info = await conn.login(sim.username, sim.password);
    expect(info).toMatchObject({ id: sim.userId, organizationId: sim.orgId });
    expect(conn.instanceUrl).toBe(sim.instanceUrl);
    expect(await seedCaseSubject(conn)).toBe(sim.seed.cases[0]?.subject);

    const wrong = new jsforce.Connection({ loginUrl: sim.loginUrl, version: API_VERSION });
    await expect(wrong.login(sim.username, 'not-the-password')).rejects.toThrow(/INVALID_LOGIN/);
  });

  it('OAuth username-password (conn.login with client settings)', async () => {
    const conn = new jsforce.Connection({ oauth2: { loginUrl: sim.loginUrl, clientId: sim.clientId, clientSecret: sim.clientSecret }, version: API_VERSION });
    await conn.login(sim.username, sim.password);
    expect(await seedCaseSubject(conn)).toBe(sim.seed.cases[0]?.subject);
    const wrong = new jsforce.Connection({ oauth2: { loginUrl: sim.loginUrl, clientId: sim.clientId, clientSecret: sim.clientSecret }, version: API_VERSION });
    await expect(wrong.login(sim.username, 'nope')).rejects.toMatchObject({ name: 'invalid_grant' });
  });

  it('an access token given directly works, and a made-up one gets INVALID_SESSION_ID', async () => {
    const source = await clientCredentialsConnection(sim);
    const conn = new jsforce.Connection({ instanceUrl: sim.instanceUrl, accessToken: source.accessToken ?? '', version: API_VERSION });
    expect(await seedCaseSubject(conn)).toBe(sim.seed.cases[0]?.subject);

    const forged = new jsforce.Connection({ instanceUrl: sim.instanceUrl, accessToken: `${sim.orgId.slice(0, 15)}!forged`, version: API_VERSION });
    await expect(seedCaseSubject(forged)).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
  });

  it('expired tokens are refused, and a refreshFn that logs in again recovers transparently', async () => {
    let logins = 0;
    const conn = new jsforce.Connection({
      oauth2: { loginUrl: sim.loginUrl, clientId: sim.clientId, clientSecret: sim.clientSecret },
      version: API_VERSION,
      refreshFn: (_conn, callback) => {
        logins++;
        const fresh = new jsforce.Connection({
          oauth2: { loginUrl: sim.loginUrl, clientId: sim.clientId, clientSecret: sim.clientSecret },
          version: API_VERSION,
        });
        fresh.authorize({ grant_type: 'client_credentials' }).then(
          () => callback(null, fresh.accessToken ?? undefined),
          (error: Error) => callback(error),
        );
      },
    });
    await conn.authorize({ grant_type: 'client_credentials' });
    sim.org.expireTokens();
    expect(await seedCaseSubject(conn)).toBe(sim.seed.cases[0]?.subject);
    expect(logins).toBe(1);
  });
});
