/**
 * Channel authentication over HTTP with MicrosoftAppId set: the channel's signing keys come from
 * an OpenID metadata server on loopback. On botbuilder (botbuilder's own token checks) the tokens
 * are the Bot Framework channel's; on the Agents SDK (its `authorizeJWT` middleware, which fetches
 * the Bot Framework issuer's keys from login.botframework.com whatever it is told) they are an
 * Entra-style authority's on loopback: the same refusals either way. Every rejected token gets 401 with a fixed JSON body;
 * unreachable keys get 503 with a fixed body; no library text reaches the caller, and what the
 * SDK prints on the console goes to the log at debug level instead of stderr.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthenticationConstants } from 'botframework-connector';
import jwt from 'jsonwebtoken';
import type { AuthProvider, Connections } from '@microsoft/agents-hosting';
import { AUTH_UNAVAILABLE_BODY, UNAUTHORIZED_BODY } from '../../bot/edge/channelAuth';
import { startBotUnderTest, testHost, type BotUnderTest } from '../harness/botUnderTest';
import { freePort } from '../harness/processes';
import { RecordingLog } from '../harness/recordingLog';

const APP_ID = '0d3c1c2e-1b7a-4a57-9d5e-0123456789ab';
const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
const AGENTS = testHost() === 'agents';
const TENANT = '5a1b2c3d-0000-4000-8000-00000000beef';
/** The tokens' issuer: the channel's on botbuilder, the loopback authority's on the Agents SDK. */
let ISSUER = BOT_FRAMEWORK_ISSUER;

function keyPair(): { privateKey: KeyObject; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid: 'test-key', kty: 'RSA', use: 'sig' } };
}

async function metadataServer(jwk: Record<string, unknown>): Promise<{ base: string; url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const keys = req.url === '/keys' || req.url === `/${TENANT}/discovery/v2.0/keys`;
    const body = keys ? { keys: [jwk] } : { issuer: ISSUER, jwks_uri: `${base}/keys` };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/openid`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The Agents SDK's settings: its JWT middleware fetches the keys from `{authority}/discovery/v2.0/keys` and checks the issuer. */
function agentsAuthOptions(base: string) {
  return { authority: `${base}/${TENANT}`, issuers: [`${base}/${TENANT}/v2.0`], validateIssuer: true };
}

/**
 * The bot's outgoing tokens on the Agents host: the SDK asks MSAL for one before every authenticated
 * turn (botbuilder only when it sends), and MSAL would go to login.microsoftonline.com.
 */
const fixedTokens = (): Connections => {
  const provider = { getAccessToken: () => Promise.resolve('test-outgoing-token') } as unknown as AuthProvider;
  return {
    getConnection: () => provider,
    getDefaultConnection: () => provider,
    getTokenProvider: () => provider,
    getTokenProviderFromActivity: () => provider,
    getDefaultConnectionConfiguration: () => ({ clientId: APP_ID }),
  };
};

/** The bot's authentication settings for a key server at `base`, on the host under test. */
function hostAuth(base: string) {
  return AGENTS
    ? { agentsAuthentication: agentsAuthOptions(base), agentsConnections: fixedTokens() }
    : { channelAuthentication: authOptions(`${base}/openid`) };
}

function authOptions(metadataUrl: string) {
  return {
    ToBotFromChannelOpenIdMetadataUrl: metadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: metadataUrl,
    ToBotFromChannelTokenIssuer: ISSUER,
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    ValidateAuthority: true,
  };
}

const ENV = { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-used-in-this-test', COWORK_SIMULATOR: 'true' };
const LIBRARY_TEXT = /jwt|signature|invalid|login\.botframework|request to|stack|at .*\.js/i;

describe('channel authentication errors', () => {
  const good = keyPair();
  const other = keyPair();
  const log = new RecordingLog();
  let metadata: Awaited<ReturnType<typeof metadataServer>>;
  let t: BotUnderTest;
  let consoleError: jest.SpyInstance;
  let consoleWarn: jest.SpyInstance;

  beforeAll(async () => {
    // Spied before the bot starts: once it runs, console output must go to its log instead.
    consoleError = jest.spyOn(console, 'error');
    consoleWarn = jest.spyOn(console, 'warn');
    metadata = await metadataServer(good.jwk);
    if (AGENTS) ISSUER = `${metadata.base}/${TENANT}/v2.0`;
    t = await startBotUnderTest({ env: ENV, log, ...hostAuth(metadata.base) });
  });
  afterAll(async () => {
    await t?.stop();
    await metadata?.close();
    consoleError.mockRestore();
    consoleWarn.mockRestore();
  });

  const sign = (key: KeyObject | string, options: jwt.SignOptions, claims: Record<string, unknown> = {}) =>
    jwt.sign({ serviceurl: t.channel.serviceUrl, ...claims }, key, { issuer: ISSUER, audience: APP_ID, expiresIn: 300, keyid: 'test-key', ...options });

  async function post(authorization: string | undefined): Promise<{ status: number; body: unknown; text: string }> {
    const chat = t.conversation();
    const response = await chat.post({ type: 'event', name: 'noop' }, authorization === undefined ? {} : { authorization });
    const text = await response.text();
    return { status: response.status, text, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  it('accepts a token signed with the channel key', async () => {
    const answer = await post(`Bearer ${sign(good.privateKey, { algorithm: 'RS256' })}`);
    expect(answer.status).toBe(200);
  });

  it.each([
    ['no Authorization header', () => undefined],
    ['alg none', () => `Bearer ${jwt.sign({ serviceurl: 'x' }, '', { algorithm: 'none', issuer: ISSUER, audience: APP_ID })}`],
    ['HS256 with a guessed secret', () => `Bearer ${sign('guessed-secret-guessed-secret-guessed', { algorithm: 'HS256' })}`],
    ['a bad signature', () => `Bearer ${sign(other.privateKey, { algorithm: 'RS256' })}`],
    ['another audience', () => `Bearer ${sign(good.privateKey, { algorithm: 'RS256', audience: 'someone-else' })}`],
    ['another issuer', () => `Bearer ${sign(good.privateKey, { algorithm: 'RS256', issuer: `${ISSUER}.evil.example` })}`],
    ['an expired token', () => `Bearer ${sign(good.privateKey, { algorithm: 'RS256', expiresIn: -600 })}`],
    ['garbage', () => 'Bearer not.a.token'],
  ])('answers 401 with a fixed JSON body for %s', async (_name, header) => {
    const answer = await post(header());
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(UNAUTHORIZED_BODY);
    expect(answer.text).not.toMatch(LIBRARY_TEXT);
  });

  it("prints nothing on the console: the SDK's output is in the log at debug level, one line each", () => {
    expect(consoleError).not.toHaveBeenCalled();
    expect(consoleWarn).not.toHaveBeenCalled();
    const routed = log.entries.filter((e) => e.fields.source === 'console');
    // botbuilder prints each rejected token with console.error (routed to the log); the Agents SDK prints nothing.
    if (!AGENTS) expect(routed.length).toBeGreaterThan(0);
    for (const entry of routed) {
      expect(entry.level).toBe('debug');
      expect(entry.msg).not.toContain('\n');
    }
    expect(log.entries.filter((e) => e.msg === 'channel request refused: token rejected').length).toBeGreaterThanOrEqual(7);
  });

  it('answers 503 with a fixed body when the signing keys cannot be fetched', async () => {
    const closedPort = await freePort();
    const unreachable = await startBotUnderTest({
      env: ENV,
      log: new RecordingLog(),
      ...hostAuth(`http://127.0.0.1:${closedPort}`),
    });
    try {
      const chat = unreachable.conversation();
      const token = jwt.sign({ serviceurl: unreachable.channel.serviceUrl }, good.privateKey, {
        algorithm: 'RS256',
        issuer: AGENTS ? `http://127.0.0.1:${closedPort}/${TENANT}/v2.0` : ISSUER,
        audience: APP_ID,
        expiresIn: 300,
        keyid: 'test-key',
      });
      const response = await chat.post({ type: 'event', name: 'noop' }, { authorization: `Bearer ${token}` });
      const text = await response.text();
      expect(response.status).toBe(503);
      expect(JSON.parse(text)).toEqual(AUTH_UNAVAILABLE_BODY);
      expect(text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|request to/);
    } finally {
      await unreachable.stop();
    }
  });
});
