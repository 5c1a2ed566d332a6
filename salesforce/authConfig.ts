/**
 * How the bot logs in to Salesforce: `SF_AUTH_TYPE` and the credentials each flow needs
 * (client credentials, JWT bearer with its audiences, the OAuth username-password flow, a token
 * obtained elsewhere), the private key read and checked, and what Salesforce refuses before any
 * request is sent (client credentials on a generic login host). The rest of the settings is
 * `config.ts`, which exports all of this too.
 */
import { createPrivateKey } from 'node:crypto';

import { ConfigError } from '../util/configError';
import { httpsOrigin, readVariableFile } from './configValues';

export const PRODUCTION_AUDIENCE = 'https://login.salesforce.com';
export const SANDBOX_AUDIENCE = 'https://test.salesforce.com';
/** The generic login hosts: they serve every org, so a grant that needs to know the org (client credentials) is refused there. */
const GENERIC_LOGIN_HOSTS = new Set(['login.salesforce.com', 'test.salesforce.com']);

export const AUTH_TYPES = ['client-credentials', 'jwt-bearer', 'username-password', 'access-token'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** How the bot logs in. Each flow carries exactly the credentials it needs. */
export type SalesforceCredentials =
  | { type: 'client-credentials'; clientId: string; clientSecret: string }
  /** `audiences`: the JWT `aud` values to try in order (jwtAudienceCandidates): the My Domain, login.salesforce.com, test.salesforce.com. */
  | { type: 'jwt-bearer'; clientId: string; username: string; privateKeyPem: string; audiences: readonly string[] }
  /** The OAuth username-password flow (no SOAP login: gone from API 65.0); blocked in new orgs, warned about at start-up. */
  | { type: 'username-password'; username: string; password: string; clientId: string; clientSecret: string }
  /** A token obtained elsewhere: it cannot be renewed, a 401 is final. */
  | { type: 'access-token'; accessToken: string; instanceUrl: string };

/** `SF_AUTH_TYPE`, required once any credential is set. */
export function parseAuthType(raw: string | undefined): AuthType {
  if (raw === undefined) {
    throw new ConfigError('SF_AUTH_TYPE', `is required once Salesforce credentials are set (one of ${AUTH_TYPES.join(', ')})`, 'client-credentials');
  }
  if (!isAuthType(raw)) {
    throw new ConfigError('SF_AUTH_TYPE', `"${raw}" is not one of ${AUTH_TYPES.join(', ')}`, 'client-credentials');
  }
  return raw;
}

/** The credentials of `authType`: each missing one recorded through `required`, a malformed one thrown. */
export function credentials(
  authType: AuthType,
  required: (name: string, example: string) => string,
  value: (name: string) => string | undefined,
  loginUrl: string,
): SalesforceCredentials {
  switch (authType) {
    case 'client-credentials':
      return { type: authType, clientId: required('SF_CLIENT_ID', '3MVG9...'), clientSecret: required('SF_CLIENT_SECRET', '5A1B...') };
    case 'jwt-bearer':
      return {
        type: authType,
        clientId: required('SF_CLIENT_ID', '3MVG9...'),
        username: required('SF_USERNAME', 'cowork-bot@mycompany.com'),
        privateKeyPem: ((file) => (file === '' ? '' : readPrivateKey(file)))(required('SF_PRIVATE_KEY_FILE', './secrets/cowork-bot.key')),
        audiences: jwtAudienceCandidates(value('SF_JWT_AUDIENCE'), loginUrl),
      };
    case 'username-password': {
      // The OAuth username-password flow only: SOAP login() is gone from API 65.0 and disabled in orgs created
      // from Winter '26. That flow needs the External Client App's key and secret, and new orgs block it too
      // (a start-up warning says so: passwordFlowWarning).
      const passwordFlow =
        "the OAuth username-password flow needs the External Client App's consumer key and secret (SOAP login is gone from API 65.0); better: SF_AUTH_TYPE=client-credentials or jwt-bearer";
      return {
        type: authType,
        username: required('SF_USERNAME', 'cowork-bot@mycompany.com'),
        password: required('SF_PASSWORD', 'passwordAndSecurityToken'),
        clientId: value('SF_CLIENT_ID') ?? fail('SF_CLIENT_ID', passwordFlow, '3MVG9...'),
        clientSecret: value('SF_CLIENT_SECRET') ?? fail('SF_CLIENT_SECRET', passwordFlow, '5A1B...'),
      };
    }
    case 'access-token': {
      const accessToken = required('SF_ACCESS_TOKEN', '00D...!AQ...');
      // The Pub/Sub API needs the org id, which Salesforce access tokens carry before the '!'.
      if (accessToken !== '' && !/^00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?!\S+$/.test(accessToken)) {
        throw new ConfigError('SF_ACCESS_TOKEN', 'does not look like a Salesforce access token (org id, "!", then the token)', '00D...!AQ...');
      }
      const instanceUrl = required('SF_INSTANCE_URL', 'https://mycompany.my.salesforce.com');
      return { type: authType, accessToken, instanceUrl: instanceUrl === '' ? '' : httpsOrigin('SF_INSTANCE_URL', instanceUrl) };
    }
  }
}

/**
 * The JWT `aud` values to try, in the order the Salesforce CLI tries them for a token request sent
 * to `loginUrl` (forcedotcom/sfdx-core, src/util/sfdcUrl.ts, getLoginAudienceCombos: the login URL
 * itself, then login.salesforce.com, then test.salesforce.com, never production with the sandbox
 * login server or the reverse). `SF_JWT_AUDIENCE` replaces the list with itself (the CLI's
 * SF_AUDIENCE_URL). The session keeps the first one the org accepts.
 */
export function jwtAudienceCandidates(override: string | undefined, loginUrl: string): string[] {
  if (override !== undefined) return [httpsOrigin('SF_JWT_AUDIENCE', override)];
  const login = new URL(loginUrl).origin;
  const combos: Array<[string, string]> = [
    [login, login],
    [login, PRODUCTION_AUDIENCE],
    [login, SANDBOX_AUDIENCE],
  ];
  const allowed = combos.filter(([l, a]) => !((l === PRODUCTION_AUDIENCE && a === SANDBOX_AUDIENCE) || (l === SANDBOX_AUDIENCE && a === PRODUCTION_AUDIENCE)));
  return [...new Set(allowed.map(([, audience]) => audience))];
}

function fail(variable: string, problem: string, example: string): never {
  throw new ConfigError(variable, problem, example);
}

/** Said once at start-up with SF_AUTH_TYPE=username-password. */
export const PASSWORD_FLOW_WARNING =
  'SF_AUTH_TYPE=username-password uses the OAuth username-password flow, which new orgs block by default (Setup > OAuth and OpenID Connect Settings > Allow OAuth Username-Password Flows): use client-credentials or jwt-bearer (docs/SALESFORCE.md)';

function isAuthType(value: string): value is AuthType {
  return (AUTH_TYPES as readonly string[]).includes(value);
}

/**
 * Client credentials on a generic login host: Salesforce serves them only on the org's My Domain.
 * `configured`: SF_LOGIN_URL was set (else `loginUrl` is the default).
 */
export function clientCredentialsHostProblem(loginUrl: string, configured: boolean): ConfigError | undefined {
  if (!GENERIC_LOGIN_HOSTS.has(new URL(loginUrl).hostname)) return undefined;
  return new ConfigError(
    'SF_LOGIN_URL',
    `${configured ? `is ${loginUrl}` : `is not set (so ${loginUrl})`}, but Salesforce serves client credentials only on your org's My Domain (elsewhere it answers "request not supported on this domain"): use https://<MyDomain>.my.salesforce.com (a sandbox: https://<MyDomain>--<sandbox>.sandbox.my.salesforce.com)`,
    'https://mycompany.my.salesforce.com',
  );
}

function readPrivateKey(file: string): string {
  const pem = readVariableFile('SF_PRIVATE_KEY_FILE', file, './secrets/cowork-bot.key');
  try {
    createPrivateKey(pem);
  } catch {
    throw new ConfigError('SF_PRIVATE_KEY_FILE', `${file} does not hold an unencrypted PEM private key`, './secrets/cowork-bot.key');
  }
  return pem;
}
