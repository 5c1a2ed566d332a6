/**
 * Salesforce connection settings, read once from the environment and validated at start-up.
 *
 * `parseSalesforceConfig` returns `undefined` when no credentials are configured at all: the
 * bot then starts the embedded simulator and reaches it through this very same configuration
 * (see `simulatorConfig` in `./index.ts`). Anything half-configured or malformed is a
 * `ConfigError` naming the variable, so a person can fix `.env` without reading code.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { ConfigError, ConfigErrorCollector, type Env } from '../util/configError';

export const DEFAULT_API_VERSION = '64.0';
export const DEFAULT_LOGIN_URL = 'https://login.salesforce.com';
export const DEFAULT_PUBSUB_ENDPOINT = 'api.pubsub.salesforce.com:7443';
export const DEFAULT_EVENT_TOPIC = '/event/Use_of_Funds__e';
export const PRODUCTION_AUDIENCE = 'https://login.salesforce.com';
export const SANDBOX_AUDIENCE = 'https://test.salesforce.com';
/** The generic login hosts: they serve every org, so a grant that needs to know the org (client credentials) is refused there. */
const GENERIC_LOGIN_HOSTS = new Set(['login.salesforce.com', 'test.salesforce.com']);
/** The agent's requests from the Case (a Flow publishes them) and the bot's progress back to the Case. */
export const DEFAULT_REQUEST_TOPIC = '/event/Cowork_Request__e';
export const DEFAULT_STATUS_TOPIC = '/event/Cowork_Status__e';
/** The chat an agent took over from the Case: the panel's messages to the customer, the customer's back (Cowork_Message__e). */
export const DEFAULT_MESSAGE_TOPIC = '/event/Cowork_Message__e';

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

export interface SalesforceConfig {
  /** Origin of the login server, without a trailing slash (`https://login.salesforce.com`, a My Domain, the simulator). */
  loginUrl: string;
  /** REST API version, `NN.N` (never jsforce's default 50.0). */
  apiVersion: string;
  credentials: SalesforceCredentials;
  /** `host:port` of the Pub/Sub API. */
  pubSubEndpoint: string;
  /** The event topic, e.g. `/event/Use_of_Funds__e`. */
  eventTopic: string;
  /**
   * An extra CA certificate (PEM) to trust next to the public roots: the simulator's
   * self-signed certificate, for REST and the Pub/Sub API alike (logged as a warning).
   */
  trustedCaPem?: string | undefined;
  /** `SF_REQUEST_TOPIC`, when renamed: the agents' requests (default `DEFAULT_REQUEST_TOPIC`). */
  requestTopic?: string;
  /** `SF_STATUS_TOPIC`, when renamed: the co-work statuses for the agent's panel (default `DEFAULT_STATUS_TOPIC`). */
  statusTopic?: string;
  /** `SF_MESSAGE_TOPIC`, when renamed: the messages of a chat taken over from the Case (default `DEFAULT_MESSAGE_TOPIC`). */
  messageTopic?: string;
}

export interface SalesforceVariable {
  name: string;
  description: string;
  example: string;
  secret: boolean;
}

/** Every variable this adapter reads: the single source for `.env.example` and the README table. */
export const SALESFORCE_VARIABLES: ReadonlyArray<SalesforceVariable> = [
  {
    name: 'SF_AUTH_TYPE',
    description:
      'How the bot logs in: client-credentials (recommended), jwt-bearer, username-password (the OAuth password flow, which new orgs block) or access-token. Leave every SF_ variable empty to run against the embedded simulator.',
    example: 'client-credentials',
    secret: false,
  },
  {
    name: 'SF_LOGIN_URL',
    description: `Your org's My Domain URL (required for client-credentials, which Salesforce serves only there); other flows may use ${DEFAULT_LOGIN_URL} (the default) or https://test.salesforce.com.`,
    example: 'https://mycompany.my.salesforce.com',
    secret: false,
  },
  {
    name: 'SF_JWT_AUDIENCE',
    description: `The JWT "aud" (jwt-bearer). By default the bot tries, as the Salesforce CLI does, the login URL itself (your My Domain), then ${PRODUCTION_AUDIENCE}, then ${SANDBOX_AUDIENCE}, and keeps the first the org accepts; set this to use only one.`,
    example: PRODUCTION_AUDIENCE,
    secret: false,
  },
  { name: 'SF_API_VERSION', description: `REST API version, NN.N (default ${DEFAULT_API_VERSION}).`, example: DEFAULT_API_VERSION, secret: false },
  {
    name: 'SF_CLIENT_ID',
    description: 'Consumer key of the External Client App (client-credentials, jwt-bearer, username-password).',
    example: '3MVG9...',
    secret: false,
  },
  {
    name: 'SF_CLIENT_SECRET',
    description: 'Consumer secret of the External Client App (client-credentials, username-password).',
    example: '5A1B...',
    secret: true,
  },
  { name: 'SF_USERNAME', description: 'Salesforce username (jwt-bearer, username-password).', example: 'cowork-bot@mycompany.com', secret: false },
  {
    name: 'SF_PRIVATE_KEY_FILE',
    description: 'PEM private key whose certificate is uploaded to the External Client App (jwt-bearer).',
    example: './secrets/cowork-bot.key',
    secret: false,
  },
  { name: 'SF_PASSWORD', description: 'Password followed by the security token (username-password).', example: 'passwordAndSecurityToken', secret: true },
  {
    name: 'SF_ACCESS_TOKEN',
    description: 'An access token obtained elsewhere, e.g. `sf org display` (access-token; not renewable).',
    example: '00D...!AQ...',
    secret: true,
  },
  {
    name: 'SF_INSTANCE_URL',
    description: 'Instance URL that goes with SF_ACCESS_TOKEN (access-token).',
    example: 'https://mycompany.my.salesforce.com',
    secret: false,
  },
  { name: 'SF_PUBSUB_ENDPOINT', description: `Pub/Sub API host:port (default ${DEFAULT_PUBSUB_ENDPOINT}).`, example: DEFAULT_PUBSUB_ENDPOINT, secret: false },
  {
    name: 'SF_EVENT_TOPIC',
    description: `Platform event topic the bot publishes and subscribes to (default ${DEFAULT_EVENT_TOPIC}).`,
    example: DEFAULT_EVENT_TOPIC,
    secret: false,
  },
  {
    name: 'SF_REQUEST_TOPIC',
    description: `Platform event topic of the agents' requests from the Case (the Send_Cowork_Form flow publishes them; default ${DEFAULT_REQUEST_TOPIC}).`,
    example: DEFAULT_REQUEST_TOPIC,
    secret: false,
  },
  {
    name: 'SF_STATUS_TOPIC',
    description: `Platform event topic the bot publishes co-work progress to, for the coworkPanel on the Case (default ${DEFAULT_STATUS_TOPIC}).`,
    example: DEFAULT_STATUS_TOPIC,
    secret: false,
  },
  {
    name: 'SF_MESSAGE_TOPIC',
    description: `Platform event topic of a chat an agent takes over from the Case in the coworkPanel, both directions (default ${DEFAULT_MESSAGE_TOPIC}).`,
    example: DEFAULT_MESSAGE_TOPIC,
    secret: false,
  },
  {
    name: 'SF_TRUST_CERT_FILE',
    description:
      'Extra CA certificate (PEM) to trust, for a standalone simulator (REST and the Pub/Sub API trust it next to the public roots). Never needed for a real org.',
    example: './.simulator/simulator-ca.pem',
    secret: false,
  },
];

/** The credential variables: if none is set, there is no org to connect to. */
const CREDENTIAL_VARIABLES = ['SF_AUTH_TYPE', 'SF_CLIENT_ID', 'SF_CLIENT_SECRET', 'SF_USERNAME', 'SF_PRIVATE_KEY_FILE', 'SF_PASSWORD', 'SF_ACCESS_TOKEN'];

/**
 * Reads the Salesforce settings. `undefined` means "no credentials configured" (use the
 * embedded simulator); a `ConfigError` names the first variable that cannot be used.
 */
export function parseSalesforceConfig(env: Env): SalesforceConfig | undefined {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };
  if (CREDENTIAL_VARIABLES.every((name) => value(name) === undefined)) return undefined;

  const authType = value('SF_AUTH_TYPE');
  if (authType === undefined) {
    throw new ConfigError('SF_AUTH_TYPE', `is required once Salesforce credentials are set (one of ${AUTH_TYPES.join(', ')})`, 'client-credentials');
  }
  if (!isAuthType(authType)) {
    throw new ConfigError('SF_AUTH_TYPE', `"${authType}" is not one of ${AUTH_TYPES.join(', ')}`, 'client-credentials');
  }
  // Each part is checked even when another is wrong: every error is reported in one start.
  const problems = new ConfigErrorCollector();
  /** The value, or '' once its absence is recorded (the pass then fails with every missing one). */
  const required = (name: string, example: string): string => {
    const v = value(name);
    if (v === undefined) problems.report(new ConfigError(name, `is required when SF_AUTH_TYPE=${authType}`, example));
    return v ?? '';
  };
  const loginUrlOk = problems.errors.length;
  const loginUrl = problems.attempt(() => httpsOrigin('SF_LOGIN_URL', value('SF_LOGIN_URL') ?? DEFAULT_LOGIN_URL), DEFAULT_LOGIN_URL);
  const loginUrlInvalid = problems.errors.length > loginUrlOk;
  if (authType !== 'jwt-bearer' && value('SF_JWT_AUDIENCE') !== undefined) {
    problems.report(new ConfigError('SF_JWT_AUDIENCE', `is only used with SF_AUTH_TYPE=jwt-bearer (it is ${authType}): remove it`, PRODUCTION_AUDIENCE));
  }
  const config: SalesforceConfig = {
    loginUrl,
    apiVersion: problems.attempt(() => apiVersion(value('SF_API_VERSION') ?? DEFAULT_API_VERSION), DEFAULT_API_VERSION),
    credentials: problems.attempt<SalesforceCredentials>(() => credentials(authType, required, value, loginUrl), {
      type: 'access-token',
      accessToken: '',
      instanceUrl: loginUrl,
    }),
    pubSubEndpoint: problems.attempt(() => pubSubEndpoint(value('SF_PUBSUB_ENDPOINT') ?? DEFAULT_PUBSUB_ENDPOINT), DEFAULT_PUBSUB_ENDPOINT),
    eventTopic: problems.attempt(() => eventTopic(value('SF_EVENT_TOPIC') ?? DEFAULT_EVENT_TOPIC), DEFAULT_EVENT_TOPIC),
  };
  const requestTopic = value('SF_REQUEST_TOPIC');
  if (requestTopic !== undefined)
    config.requestTopic = problems.attempt(() => namedTopic('SF_REQUEST_TOPIC', requestTopic, DEFAULT_REQUEST_TOPIC), DEFAULT_REQUEST_TOPIC);
  const statusTopic = value('SF_STATUS_TOPIC');
  if (statusTopic !== undefined)
    config.statusTopic = problems.attempt(() => namedTopic('SF_STATUS_TOPIC', statusTopic, DEFAULT_STATUS_TOPIC), DEFAULT_STATUS_TOPIC);
  const messageTopic = value('SF_MESSAGE_TOPIC');
  if (messageTopic !== undefined)
    config.messageTopic = problems.attempt(() => namedTopic('SF_MESSAGE_TOPIC', messageTopic, DEFAULT_MESSAGE_TOPIC), DEFAULT_MESSAGE_TOPIC);
  const trustFile = value('SF_TRUST_CERT_FILE');
  if (trustFile !== undefined) config.trustedCaPem = problems.attempt<string | undefined>(() => readCertificate(trustFile), undefined);
  if (authType === 'client-credentials' && !loginUrlInvalid && GENERIC_LOGIN_HOSTS.has(new URL(loginUrl).hostname)) {
    problems.report(
      new ConfigError(
        'SF_LOGIN_URL',
        `${value('SF_LOGIN_URL') === undefined ? `is not set (so ${loginUrl})` : `is ${loginUrl}`}, but Salesforce serves client credentials only on your org's My Domain (elsewhere it answers "request not supported on this domain"): use https://<MyDomain>.my.salesforce.com (a sandbox: https://<MyDomain>--<sandbox>.sandbox.my.salesforce.com)`,
        'https://mycompany.my.salesforce.com',
      ),
    );
  }
  problems.throwIfAny();
  return config;
}

function credentials(
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

/** An https URL reduced to its origin: jsforce appends `/services/...` itself. */
function httpsOrigin(variable: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `"${raw}" is not a URL`, 'https://mycompany.my.salesforce.com');
  }
  if (url.protocol !== 'https:') {
    throw new ConfigError(variable, `must use https (got ${url.protocol.replace(':', '')})`, 'https://mycompany.my.salesforce.com');
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new ConfigError(variable, 'must be just the server address, without path, query or credentials', 'https://mycompany.my.salesforce.com');
  }
  return url.origin;
}

function apiVersion(raw: string): string {
  const match = /^(\d{2,3})\.(\d)$/.exec(raw);
  if (!match) throw new ConfigError('SF_API_VERSION', `"${raw}" is not a version like ${DEFAULT_API_VERSION}`, DEFAULT_API_VERSION);
  // EventUuid (the identity of an event) reaches API clients from 52.0 on.
  if (Number(match[1]) < 52) throw new ConfigError('SF_API_VERSION', `${raw} is too old: 52.0 or later is needed`, DEFAULT_API_VERSION);
  return raw;
}

function pubSubEndpoint(raw: string): string {
  const match = /^([a-zA-Z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(raw);
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError('SF_PUBSUB_ENDPOINT', `"${raw}" is not host:port`, DEFAULT_PUBSUB_ENDPOINT);
  }
  return raw;
}

function eventTopic(raw: string): string {
  if (!/^\/event\/[a-zA-Z][a-zA-Z0-9_]*__e$/.test(raw)) {
    throw new ConfigError('SF_EVENT_TOPIC', `"${raw}" is not a platform event topic (/event/Name__e)`, DEFAULT_EVENT_TOPIC);
  }
  return raw;
}

function namedTopic(variable: string, raw: string, example: string): string {
  if (!/^\/event\/[a-zA-Z][a-zA-Z0-9_]*__e$/.test(raw)) {
    throw new ConfigError(variable, `"${raw}" is not a platform event topic (/event/Name__e)`, example);
  }
  return raw;
}

function readCertificate(file: string): string {
  const pem = readVariableFile('SF_TRUST_CERT_FILE', file, './.simulator/simulator-ca.pem');
  try {
    new X509Certificate(pem);
  } catch {
    throw new ConfigError('SF_TRUST_CERT_FILE', `${file} does not hold a PEM certificate`, './.simulator/simulator-ca.pem');
  }
  return pem;
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

function readVariableFile(variable: string, file: string, example: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(variable, `cannot read ${file} (${code})`, example);
  }
}
