import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import selfsigned from 'selfsigned';

import { ConfigError } from '../../util/configError';
import { parseSalesforceConfig, SALESFORCE_VARIABLES, type SalesforceConfig } from '../../salesforce/config';

describe('parseSalesforceConfig', () => {
  let dir: string;
  let keyFile: string;
  let certFile: string;
  let certPem: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sf-config-'));
    keyFile = join(dir, 'bot.key');
    writeFileSync(keyFile, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    certPem = selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], { days: 1, keySize: 2048 }).cert;
    certFile = join(dir, 'ca.pem');
    writeFileSync(certFile, certPem);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function configError(env: Record<string, string>): ConfigError {
    try {
      parseSalesforceConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected a ConfigError');
  }

  it('returns undefined when no credentials are configured, so the bot starts the simulator', () => {
    expect(parseSalesforceConfig({})).toBeUndefined();
    expect(parseSalesforceConfig({ SF_LOGIN_URL: 'https://x.my.salesforce.com', SF_API_VERSION: '62.0', SF_AUTH_TYPE: '  ' })).toBeUndefined();
  });

  it('reads client credentials with the documented defaults', () => {
    const config = parseSalesforceConfig({
      SF_AUTH_TYPE: 'client-credentials',
      SF_CLIENT_ID: 'id',
      SF_CLIENT_SECRET: 'secret',
      SF_LOGIN_URL: 'https://acme.my.salesforce.com/',
    });
    expect(config).toEqual<SalesforceConfig>({
      loginUrl: 'https://acme.my.salesforce.com',
      apiVersion: '64.0',
      credentials: { type: 'client-credentials', clientId: 'id', clientSecret: 'secret' },
      pubSubEndpoint: 'api.pubsub.salesforce.com:7443',
      eventTopic: '/event/Use_of_Funds__e',
    });
  });

  it('reads the JWT key file and the extra CA file', () => {
    const config = parseSalesforceConfig({
      SF_AUTH_TYPE: 'jwt-bearer',
      SF_CLIENT_ID: 'id',
      SF_USERNAME: 'bot@acme.com',
      SF_PRIVATE_KEY_FILE: keyFile,
      SF_TRUST_CERT_FILE: certFile,
    });
    expect(config?.credentials).toMatchObject({ type: 'jwt-bearer', username: 'bot@acme.com' });
    expect(config?.credentials.type === 'jwt-bearer' && config.credentials.privateKeyPem).toContain('PRIVATE KEY');
    expect(config?.trustedCaPem).toBe(certPem);
  });

  it('reads username-password (the OAuth flow only: no SOAP login) and access-token configurations', () => {
    expect(
      parseSalesforceConfig({ SF_AUTH_TYPE: 'username-password', SF_USERNAME: 'u@acme.com', SF_PASSWORD: 'pw', SF_CLIENT_ID: 'i', SF_CLIENT_SECRET: 's' })
        ?.credentials,
    ).toEqual({ type: 'username-password', username: 'u@acme.com', password: 'pw', clientId: 'i', clientSecret: 's' });
    expect(
      parseSalesforceConfig({
        SF_AUTH_TYPE: 'access-token',
        SF_ACCESS_TOKEN: '00D5g000004WxYzEAK!AQ4AQ.token',
        SF_INSTANCE_URL: 'https://acme.my.salesforce.com',
      })?.credentials,
    ).toEqual({
      type: 'access-token',
      accessToken: '00D5g000004WxYzEAK!AQ4AQ.token',
      instanceUrl: 'https://acme.my.salesforce.com',
    });
  });

  it.each<[string, Record<string, string>, string, RegExp]>([
    ['credentials without an auth type', { SF_CLIENT_ID: 'id' }, 'SF_AUTH_TYPE', /required/],
    ['an unknown auth type', { SF_AUTH_TYPE: 'oauth' }, 'SF_AUTH_TYPE', /not one of/],
    [
      'a missing companion variable',
      { SF_AUTH_TYPE: 'client-credentials', SF_CLIENT_ID: 'id' },
      'SF_CLIENT_SECRET',
      /required when SF_AUTH_TYPE=client-credentials/,
    ],
    [
      'a plain-http login URL',
      { SF_AUTH_TYPE: 'client-credentials', SF_CLIENT_ID: 'i', SF_CLIENT_SECRET: 's', SF_LOGIN_URL: 'http://login.salesforce.com' },
      'SF_LOGIN_URL',
      /https/,
    ],
    [
      'a login URL with a path',
      { SF_AUTH_TYPE: 'client-credentials', SF_CLIENT_ID: 'i', SF_CLIENT_SECRET: 's', SF_LOGIN_URL: 'https://login.salesforce.com/services' },
      'SF_LOGIN_URL',
      /without path/,
    ],
    [
      'a malformed API version',
      { SF_AUTH_TYPE: 'client-credentials', SF_CLIENT_ID: 'i', SF_CLIENT_SECRET: 's', SF_API_VERSION: 'v64' },
      'SF_API_VERSION',
      /not a version/,
    ],
    [
      'an endpoint without a port',
      { SF_AUTH_TYPE: 'client-credentials', SF_CLIENT_ID: 'i', SF_CLIENT_SECRET: 's', SF_PUBSUB_ENDPOINT: 'api.pubsub.salesforce.com' },
      'SF_PUBSUB_ENDPOINT',
      /host:port/,
    ],
    [
      'a topic that is not a platform event',
      { SF_AUTH_TYPE: 'client-credentials', SF_CLIENT_ID: 'i', SF_CLIENT_SECRET: 's', SF_EVENT_TOPIC: '/data/CaseChangeEvent' },
      'SF_EVENT_TOPIC',
      /platform event/,
    ],
    [
      'a status topic that is not a platform event',
      { SF_AUTH_TYPE: 'client-credentials', SF_CLIENT_ID: 'i', SF_CLIENT_SECRET: 's', SF_STATUS_TOPIC: 'Cowork_Status__e' },
      'SF_STATUS_TOPIC',
      /platform event/,
    ],
    [
      'a request topic that is not a platform event',
      { SF_AUTH_TYPE: 'client-credentials', SF_CLIENT_ID: 'i', SF_CLIENT_SECRET: 's', SF_REQUEST_TOPIC: '/event/Cowork Request' },
      'SF_REQUEST_TOPIC',
      /platform event/,
    ],
    [
      'an unreadable key file',
      { SF_AUTH_TYPE: 'jwt-bearer', SF_CLIENT_ID: 'i', SF_USERNAME: 'u', SF_PRIVATE_KEY_FILE: '/nonexistent/key.pem' },
      'SF_PRIVATE_KEY_FILE',
      /cannot read .*ENOENT/,
    ],
    [
      'an access token without its org id',
      { SF_AUTH_TYPE: 'access-token', SF_ACCESS_TOKEN: 'abc', SF_INSTANCE_URL: 'https://acme.my.salesforce.com' },
      'SF_ACCESS_TOKEN',
      /does not look like/,
    ],
    [
      'half of the OAuth password pair',
      { SF_AUTH_TYPE: 'username-password', SF_USERNAME: 'u', SF_PASSWORD: 'p', SF_CLIENT_ID: 'i' },
      'SF_CLIENT_SECRET',
      /OAuth username-password flow needs .*SOAP login is gone from API 65\.0.*client-credentials or jwt-bearer/,
    ],
    [
      'a password login without the app (SOAP login is gone)',
      { SF_AUTH_TYPE: 'username-password', SF_USERNAME: 'u', SF_PASSWORD: 'p' },
      'SF_CLIENT_ID',
      /SOAP login is gone from API 65\.0.*client-credentials or jwt-bearer/,
    ],
  ])('names the variable for %s', (_case, env, variable, problem) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(problem);
    expect(error.message).toContain(`example: ${variable}=`);
  });

  it.each([
    ['left at its default', {}],
    ['login.salesforce.com', { SF_LOGIN_URL: 'https://login.salesforce.com' }],
    ['test.salesforce.com', { SF_LOGIN_URL: 'https://test.salesforce.com/' }],
  ])('stops client credentials whose SF_LOGIN_URL is %s: Salesforce serves that grant only on a My Domain', (_case, env: Record<string, string>) => {
    const error = configError({ SF_AUTH_TYPE: 'client-credentials', SF_CLIENT_ID: 'i', SF_CLIENT_SECRET: 's', ...env });
    expect(error.variable).toBe('SF_LOGIN_URL');
    expect(error.message).toContain('https://<MyDomain>.my.salesforce.com');
    expect(error.message).toContain('request not supported on this domain');
    // Other flows may use the generic hosts.
    expect(
      parseSalesforceConfig({
        SF_AUTH_TYPE: 'username-password',
        SF_USERNAME: 'u@acme.com',
        SF_PASSWORD: 'p',
        SF_CLIENT_ID: 'i',
        SF_CLIENT_SECRET: 's',
        ...env,
      })?.loginUrl,
    ).toMatch(/^https:\/\/(login|test)\.salesforce\.com$/);
  });

  it.each([
    [
      'a production My Domain',
      'https://acme.my.salesforce.com',
      ['https://acme.my.salesforce.com', 'https://login.salesforce.com', 'https://test.salesforce.com'],
    ],
    ['login.salesforce.com', 'https://login.salesforce.com', ['https://login.salesforce.com']],
    ['test.salesforce.com', 'https://test.salesforce.com', ['https://test.salesforce.com']],
    [
      'a sandbox My Domain',
      'https://acme--uat.sandbox.my.salesforce.com',
      ['https://acme--uat.sandbox.my.salesforce.com', 'https://login.salesforce.com', 'https://test.salesforce.com'],
    ],
    ['an Experience Cloud site', 'https://acme.my.site.com', ['https://acme.my.site.com', 'https://login.salesforce.com', 'https://test.salesforce.com']],
  ])('for %s, tries the JWT audiences in the Salesforce CLI order', (_case, loginUrl, audiences) => {
    const config = parseSalesforceConfig({
      SF_AUTH_TYPE: 'jwt-bearer',
      SF_CLIENT_ID: 'id',
      SF_USERNAME: 'bot@acme.com',
      SF_PRIVATE_KEY_FILE: keyFile,
      SF_LOGIN_URL: loginUrl,
    });
    expect(config?.credentials).toMatchObject({ type: 'jwt-bearer', audiences });
  });

  it('takes SF_JWT_AUDIENCE as it is for jwt-bearer, and refuses it for another flow', () => {
    const jwt = {
      SF_AUTH_TYPE: 'jwt-bearer',
      SF_CLIENT_ID: 'id',
      SF_USERNAME: 'bot@acme.com',
      SF_PRIVATE_KEY_FILE: keyFile,
      SF_LOGIN_URL: 'https://acme.my.salesforce.com',
    };
    expect(parseSalesforceConfig({ ...jwt, SF_JWT_AUDIENCE: 'https://test.salesforce.com' })?.credentials).toMatchObject({
      audiences: ['https://test.salesforce.com'],
    });
    expect(configError({ ...jwt, SF_JWT_AUDIENCE: 'test.salesforce.com' }).variable).toBe('SF_JWT_AUDIENCE');
    expect(
      configError({ SF_AUTH_TYPE: 'username-password', SF_USERNAME: 'u', SF_PASSWORD: 'p', SF_JWT_AUDIENCE: 'https://login.salesforce.com' }).message,
    ).toMatch(/only used with SF_AUTH_TYPE=jwt-bearer/);
  });

  it('refuses a certificate file that holds no certificate, and a key file that holds no key', () => {
    const common = { SF_AUTH_TYPE: 'jwt-bearer', SF_CLIENT_ID: 'i', SF_USERNAME: 'u' };
    expect(configError({ ...common, SF_PRIVATE_KEY_FILE: certFile }).variable).toBe('SF_PRIVATE_KEY_FILE');
    expect(configError({ ...common, SF_PRIVATE_KEY_FILE: keyFile, SF_TRUST_CERT_FILE: keyFile }).variable).toBe('SF_TRUST_CERT_FILE');
  });

  it('never echoes a secret in its errors', () => {
    const error = configError({ SF_AUTH_TYPE: 'access-token', SF_ACCESS_TOKEN: 'not-a-token-s3cr3t', SF_INSTANCE_URL: 'https://x.my.salesforce.com' });
    expect(error.message).not.toContain('s3cr3t');
  });
});

describe('SALESFORCE_VARIABLES', () => {
  it('documents every variable the parser reads, secrets flagged', () => {
    const names = SALESFORCE_VARIABLES.map((v) => v.name);
    expect(new Set(names)).toEqual(
      new Set([
        'SF_AUTH_TYPE',
        'SF_LOGIN_URL',
        'SF_API_VERSION',
        'SF_CLIENT_ID',
        'SF_CLIENT_SECRET',
        'SF_USERNAME',
        'SF_PRIVATE_KEY_FILE',
        'SF_JWT_AUDIENCE',
        'SF_PASSWORD',
        'SF_ACCESS_TOKEN',
        'SF_INSTANCE_URL',
        'SF_PUBSUB_ENDPOINT',
        'SF_EVENT_TOPIC',
        'SF_REQUEST_TOPIC',
        'SF_STATUS_TOPIC',
        'SF_MESSAGE_TOPIC',
        'SF_TRUST_CERT_FILE',
      ]),
    );
    expect(
      SALESFORCE_VARIABLES.filter((v) => v.secret)
        .map((v) => v.name)
        .sort(),
    ).toEqual(['SF_ACCESS_TOKEN', 'SF_CLIENT_SECRET', 'SF_PASSWORD']);
    for (const v of SALESFORCE_VARIABLES) expect(v.description.length).toBeGreaterThan(10);
  });
});
