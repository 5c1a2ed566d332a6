/**
 * Salesforce connection settings, read once from the environment and validated at start-up.
 *
 * `parseSalesforceConfig` returns `undefined` when no credentials are configured at all: the
 * bot then starts the embedded simulator and reaches it through this very same configuration
 * (see `simulatorConfig` in `./index.ts`). Anything half-configured or malformed is a
 * `ConfigError` naming the variable, so a person can fix `.env` without reading code.
 *
 * This file is the settings' shape, the variables' declaration and their assembly; how the bot logs
 * in (`SF_AUTH_TYPE` and each flow's credentials) is `authConfig.ts`, the checks of one value are
 * `configValues.ts`. The names other files import from here (the defaults, the auth types,
 * `jwtAudienceCandidates`, `PASSWORD_FLOW_WARNING`) are exported from here still.
 */
import { ConfigError, ConfigErrorCollector, type Env } from '../util/configError';
import { declarationOf, type ConfigVariable } from '../util/configVariable';
import {
  AUTH_TYPES,
  clientCredentialsHostProblem,
  credentials,
  parseAuthType,
  PRODUCTION_AUDIENCE,
  SANDBOX_AUDIENCE,
  type SalesforceCredentials,
} from './authConfig';
import { apiVersion, httpsOrigin, platformEventTopic, pubSubEndpoint, readCertificate } from './configValues';

export {
  AUTH_TYPES,
  jwtAudienceCandidates,
  PASSWORD_FLOW_WARNING,
  PRODUCTION_AUDIENCE,
  SANDBOX_AUDIENCE,
  type AuthType,
  type SalesforceCredentials,
} from './authConfig';

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

export type SalesforceVariable = ConfigVariable;

/**
 * Every variable this adapter reads, with its type and default: the single source of the defaults
 * below and of `.env.example`, the README table and `--help`.
 */
export const SALESFORCE_VARIABLES = [
  {
    name: 'SF_AUTH_TYPE',
    // No default: required once any credential is set (authConfig.ts, parseAuthType).
    type: 'enum',
    values: AUTH_TYPES,
    description:
      'how the bot logs in; client-credentials is recommended, username-password is the OAuth password flow, which new orgs block. Leave every SF_ variable empty to run against the embedded simulator.',
    example: 'client-credentials',
    secret: false,
  },
  {
    name: 'SF_LOGIN_URL',
    type: 'url',
    default: 'https://login.salesforce.com',
    description:
      "Your org's My Domain URL (required for client-credentials, which Salesforce serves only there); other flows may use the default or https://test.salesforce.com.",
    example: 'https://mycompany.my.salesforce.com',
    secret: false,
  },
  {
    name: 'SF_JWT_AUDIENCE',
    // No declared default: a list that depends on SF_LOGIN_URL (authConfig.ts, jwtAudienceCandidates), said in the description.
    type: 'url',
    description: `The JWT "aud" (jwt-bearer). By default the bot tries, as the Salesforce CLI does, the login URL itself (your My Domain), then ${PRODUCTION_AUDIENCE}, then ${SANDBOX_AUDIENCE}, and keeps the first the org accepts; set this to use only one.`,
    example: PRODUCTION_AUDIENCE,
    secret: false,
  },
  { name: 'SF_API_VERSION', type: 'string', default: '64.0', description: 'REST API version, NN.N (52.0 or later).', example: '64.0', secret: false },
  {
    name: 'SF_CLIENT_ID',
    type: 'string',
    description: 'Consumer key of the External Client App (client-credentials, jwt-bearer, username-password).',
    example: '3MVG9...',
    secret: false,
  },
  {
    name: 'SF_CLIENT_SECRET',
    type: 'string',
    description: 'Consumer secret of the External Client App (client-credentials, username-password).',
    example: '5A1B...',
    secret: true,
  },
  {
    name: 'SF_USERNAME',
    type: 'string',
    description: 'Salesforce username (jwt-bearer, username-password).',
    example: 'cowork-bot@mycompany.com',
    secret: false,
  },
  {
    name: 'SF_PRIVATE_KEY_FILE',
    type: 'string',
    description: 'PEM private key whose certificate is uploaded to the External Client App (jwt-bearer).',
    example: './secrets/cowork-bot.key',
    secret: false,
  },
  {
    name: 'SF_PASSWORD',
    type: 'string',
    description: 'Password followed by the security token (username-password).',
    example: 'passwordAndSecurityToken',
    secret: true,
  },
  {
    name: 'SF_ACCESS_TOKEN',
    type: 'string',
    description: 'An access token obtained elsewhere, e.g. `sf org display` (access-token; not renewable).',
    example: '00D...!AQ...',
    secret: true,
  },
  {
    name: 'SF_INSTANCE_URL',
    type: 'url',
    description: 'Instance URL that goes with SF_ACCESS_TOKEN (access-token).',
    example: 'https://mycompany.my.salesforce.com',
    secret: false,
  },
  {
    name: 'SF_PUBSUB_ENDPOINT',
    type: 'string',
    default: 'api.pubsub.salesforce.com:7443',
    description: 'Pub/Sub API host:port.',
    example: 'api.pubsub.salesforce.com:7443',
    secret: false,
  },
  {
    name: 'SF_EVENT_TOPIC',
    type: 'string',
    default: '/event/Use_of_Funds__e',
    description: 'Platform event topic the bot publishes and subscribes to.',
    example: '/event/Use_of_Funds__e',
    secret: false,
  },
  {
    name: 'SF_REQUEST_TOPIC',
    type: 'string',
    default: '/event/Cowork_Request__e',
    description: "Platform event topic of the agents' requests from the Case (the Send_Cowork_Form flow publishes them).",
    example: '/event/Cowork_Request__e',
    secret: false,
  },
  {
    name: 'SF_STATUS_TOPIC',
    type: 'string',
    default: '/event/Cowork_Status__e',
    description: 'Platform event topic the bot publishes co-work progress to, for the coworkPanel on the Case.',
    example: '/event/Cowork_Status__e',
    secret: false,
  },
  {
    name: 'SF_MESSAGE_TOPIC',
    type: 'string',
    default: '/event/Cowork_Message__e',
    description: 'Platform event topic of a chat an agent takes over from the Case in the coworkPanel, both directions.',
    example: '/event/Cowork_Message__e',
    secret: false,
  },
  {
    name: 'SF_TRUST_CERT_FILE',
    type: 'string',
    description:
      'Extra CA certificate (PEM) to trust, for a standalone simulator (REST and the Pub/Sub API trust it next to the public roots). Never needed for a real org.',
    example: './.simulator/simulator-ca.pem',
    secret: false,
  },
] as const satisfies readonly ConfigVariable[];

type Declared = (typeof SALESFORCE_VARIABLES)[number];
/** The variables declared with a default. */
type Defaulted = Extract<Declared, { default: string }>['name'];

function declaredDefault(name: Defaulted): string {
  const declaration: ConfigVariable = declarationOf(SALESFORCE_VARIABLES, name);
  if (typeof declaration.default !== 'string') throw new Error(`${name} declares no default`);
  return declaration.default;
}

export const DEFAULT_API_VERSION = declaredDefault('SF_API_VERSION');
export const DEFAULT_LOGIN_URL = declaredDefault('SF_LOGIN_URL');
export const DEFAULT_PUBSUB_ENDPOINT = declaredDefault('SF_PUBSUB_ENDPOINT');
export const DEFAULT_EVENT_TOPIC = declaredDefault('SF_EVENT_TOPIC');
/** The agent's requests from the Case (a Flow publishes them) and the bot's progress back to the Case. */
export const DEFAULT_REQUEST_TOPIC = declaredDefault('SF_REQUEST_TOPIC');
export const DEFAULT_STATUS_TOPIC = declaredDefault('SF_STATUS_TOPIC');
/** The chat an agent took over from the Case: the panel's messages to the customer, the customer's back (Cowork_Message__e). */
export const DEFAULT_MESSAGE_TOPIC = declaredDefault('SF_MESSAGE_TOPIC');

/** The three co-work topics, each its configured name or its declared default. */
export function coworkTopics(config: Pick<SalesforceConfig, 'requestTopic' | 'statusTopic' | 'messageTopic'>): {
  request: string;
  status: string;
  message: string;
} {
  return {
    request: config.requestTopic ?? DEFAULT_REQUEST_TOPIC,
    status: config.statusTopic ?? DEFAULT_STATUS_TOPIC,
    message: config.messageTopic ?? DEFAULT_MESSAGE_TOPIC,
  };
}

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

  const authType = parseAuthType(value('SF_AUTH_TYPE'));
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
    apiVersion: problems.attempt(() => apiVersion(value('SF_API_VERSION') ?? DEFAULT_API_VERSION, DEFAULT_API_VERSION), DEFAULT_API_VERSION),
    credentials: problems.attempt<SalesforceCredentials>(() => credentials(authType, required, value, loginUrl), {
      type: 'access-token',
      accessToken: '',
      instanceUrl: loginUrl,
    }),
    pubSubEndpoint: problems.attempt(
      () => pubSubEndpoint(value('SF_PUBSUB_ENDPOINT') ?? DEFAULT_PUBSUB_ENDPOINT, DEFAULT_PUBSUB_ENDPOINT),
      DEFAULT_PUBSUB_ENDPOINT,
    ),
    eventTopic: problems.attempt(
      () => platformEventTopic('SF_EVENT_TOPIC', value('SF_EVENT_TOPIC') ?? DEFAULT_EVENT_TOPIC, DEFAULT_EVENT_TOPIC),
      DEFAULT_EVENT_TOPIC,
    ),
  };
  const requestTopic = value('SF_REQUEST_TOPIC');
  if (requestTopic !== undefined)
    config.requestTopic = problems.attempt(() => platformEventTopic('SF_REQUEST_TOPIC', requestTopic, DEFAULT_REQUEST_TOPIC), DEFAULT_REQUEST_TOPIC);
  const statusTopic = value('SF_STATUS_TOPIC');
  if (statusTopic !== undefined)
    config.statusTopic = problems.attempt(() => platformEventTopic('SF_STATUS_TOPIC', statusTopic, DEFAULT_STATUS_TOPIC), DEFAULT_STATUS_TOPIC);
  const messageTopic = value('SF_MESSAGE_TOPIC');
  if (messageTopic !== undefined)
    config.messageTopic = problems.attempt(() => platformEventTopic('SF_MESSAGE_TOPIC', messageTopic, DEFAULT_MESSAGE_TOPIC), DEFAULT_MESSAGE_TOPIC);
  const trustFile = value('SF_TRUST_CERT_FILE');
  if (trustFile !== undefined) config.trustedCaPem = problems.attempt<string | undefined>(() => readCertificate(trustFile), undefined);
  if (authType === 'client-credentials' && !loginUrlInvalid) {
    const problem = clientCredentialsHostProblem(loginUrl, value('SF_LOGIN_URL') !== undefined);
    if (problem) problems.report(problem);
  }
  problems.throwIfAny();
  return config;
}
