/**
 * What the bot can be configured with (its own variables; Salesforce's are in salesforce/config.ts):
 * one entry per variable with its type, default and allowed values or bounds, the source of the
 * parsing (envValues.ts reads the default and the allowed values here), of `.env.example`, of the
 * README's table and of `--help` (a test checks them, and that each parsed default is the declared one).
 */
import type { ConfigVariable } from '../../util/configVariable';

export { documented, type ConfigVariable } from '../../util/configVariable';

export type VariableDoc = ConfigVariable;

/** A whole number's type, default and bounds, on one line of its declaration. */
function integer<D extends number>(bounds: { default: D; min: number; max: number }) {
  return { type: 'integer', ...bounds } as const;
}

export const BOT_VARIABLES = [
  {
    name: 'PORT',
    description: 'HTTP port of the bot (POST /api/messages, GET /healthz).',
    example: '3978',
    ...integer({ default: 3978, min: 0, max: 65535 }),
    secret: false,
  },
  {
    name: 'HOST',
    // No declared default: it depends on MicrosoftAppId (config.ts), said in the description.
    type: 'string',
    description:
      'Interface to listen on. Default 127.0.0.1 (this machine only) without channel authentication, 0.0.0.0 (all) with MicrosoftAppId; 0.0.0.0 to reach a local bot from elsewhere (a container).',
    example: '0.0.0.0',
    secret: false,
  },
  {
    name: 'PUBLIC_URL',
    // No declared default: it depends on PORT (config.ts), said in the description.
    type: 'url',
    description: 'Base URL at which channels reach this bot, used for images in cards. Default http://localhost:PORT.',
    example: 'https://bot.example.com',
    secret: false,
  },
  {
    name: 'LOG_LEVEL',
    type: 'enum',
    values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    default: 'info',
    description: 'how much the bot logs (debug logs one line per turn).',
    example: 'debug',
    secret: false,
  },
  {
    name: 'LOG_FORMAT',
    // No declared default: it depends on whether the output is a terminal (config.ts), said in the description.
    type: 'enum',
    values: ['pretty', 'json'],
    description: 'pretty is readable (the default on a terminal), json one object per line (the default otherwise).',
    example: 'json',
    secret: false,
  },
  {
    name: 'MicrosoftAppId',
    type: 'string',
    description: 'Azure Bot app id. Empty = no channel authentication (Bot Framework Emulator, local only).',
    example: '00000000-0000-0000-0000-000000000000',
    secret: false,
  },
  {
    name: 'MicrosoftAppPassword',
    type: 'string',
    description: 'Client secret of the app (required with MicrosoftAppId for MultiTenant and SingleTenant).',
    example: 'your-client-secret',
    secret: true,
  },
  {
    name: 'MicrosoftAppType',
    type: 'enum',
    values: ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'],
    default: 'MultiTenant',
    description: 'how the Azure Bot app authenticates.',
    example: 'SingleTenant',
    secret: false,
  },
  {
    name: 'MicrosoftAppTenantId',
    type: 'string',
    description: 'Tenant id (required for SingleTenant and UserAssignedMSI).',
    example: '11111111-1111-1111-1111-111111111111',
    secret: false,
  },
  {
    name: 'HEALTHZ_TOKEN',
    type: 'string',
    description:
      'Bearer token (>= 16 chars) that may read the details of GET /healthz (instance URL, auth type, errors, figures). Without it only loopback requests see them; everyone else gets the status per dependency.',
    example: 'a-long-random-health-token',
    secret: true,
  },
  {
    name: 'COWORK_EFFECTS_LEASE_SECONDS',
    description: 'How long an instance may take to finish an answered session (thank-you, Case update) before another instance takes over, e.g. after a crash.',
    example: '30',
    ...integer({ default: 30, min: 1, max: 3600 }),
    secret: false,
  },
  {
    name: 'COWORK_SEND_TIMEOUT_SECONDS',
    description:
      'Every send to a channel (reply, proactive message, card update) not accepted after this long is abandoned; a thank-you is retried (at most 3 attempts, then the Case is written without it); another instance takes over an answered session only after COWORK_EFFECTS_LEASE_SECONDS plus this.',
    example: '10',
    ...integer({ default: 10, min: 1, max: 600 }),
    secret: false,
  },
  {
    name: 'STORAGE',
    type: 'enum',
    values: ['memory', 'blob', 'table'],
    default: 'memory',
    description:
      'where sessions, conversation state and the replay position live (memory: lost on restart, one instance only; blob: Azure Blob Storage, durable, several instances; table: Azure Table storage or Azure Cosmos DB for Table, durable, several instances, create-if-absent and transactions).',
    example: 'blob',
    secret: false,
  },
  {
    name: 'AZURE_STORAGE_CONNECTION_STRING',
    type: 'string',
    description: "Azure Storage connection string (STORAGE=blob). Azurite: the emulator's devstoreaccount1 string.",
    example: 'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net',
    secret: true,
  },
  {
    name: 'AZURE_STORAGE_CONTAINER',
    type: 'string',
    default: 'cowork-bot',
    description: "Blob container for the bot's storage (STORAGE=blob; created if missing).",
    example: 'cowork-bot',
    secret: false,
  },
  {
    name: 'AZURE_TABLES_CONNECTION_STRING',
    type: 'string',
    description:
      "Azure Table storage (or Cosmos DB for Table) connection string (STORAGE=table). Azurite: the emulator's devstoreaccount1 string with TableEndpoint=http://127.0.0.1:10002/devstoreaccount1.",
    example: 'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net',
    secret: true,
  },
  {
    name: 'AZURE_TABLES_TABLE',
    type: 'string',
    default: 'coworkbot',
    description: "Table for the bot's storage (STORAGE=table; created if missing).",
    example: 'coworkbot',
    secret: false,
  },
  {
    name: 'COWORK_SIMULATOR',
    // No declared default: it depends on the SF_* credentials and MicrosoftAppId (config.ts), said in the description.
    type: 'boolean',
    description: 'start the embedded Salesforce simulator. Default: true when no Salesforce credentials are configured and MicrosoftAppId is empty.',
    example: 'true',
    secret: false,
  },
  {
    name: 'SIMULATOR_MESSAGING',
    type: 'on-off',
    default: true,
    description:
      'the embedded simulator is an org with Messaging (Enhanced Chat) enabled. Off, it has no MessagingSession and refuses salesforce/messaging, as an org without Messaging does.',
    example: 'off',
    secret: false,
  },
  {
    name: 'COWORK_ALLOW_UNAUTHENTICATED',
    type: 'boolean',
    default: false,
    description: 'allow a real org without channel authentication on a non-loopback HOST (only behind a gateway that authenticates).',
    example: 'false',
    secret: false,
  },
  {
    name: 'COWORK_DEV_COMMANDS',
    // No declared default: it follows COWORK_SIMULATOR (config.ts), said in the description.
    type: 'boolean',
    description: 'enable the /cowork <Case> chat command. Default: true with the simulator, false with a real org.',
    example: 'true',
    secret: false,
  },
  {
    name: 'COWORK_START_SECRET',
    type: 'string',
    description: 'Shared secret (>= 32 chars) that signs cowork.start tokens (HS256). Without it only /cowork can start sessions.',
    example: 'a-long-random-string-of-at-least-32-characters',
    secret: true,
  },
  {
    name: 'COWORK_FORM_SECRET',
    // No declared default: derived from other secrets or random (bot/compositionRoot.ts), said in the description.
    type: 'string',
    description:
      'Per-deployment key (>= 32 chars) that signs form tokens, so a form from before a restart is recognised (with STORAGE=memory) and sent again. Default: derived from COWORK_START_SECRET or MicrosoftAppPassword, else random at each start.',
    example: 'a-long-random-string-of-at-least-32-characters',
    secret: true,
  },
  {
    name: 'COWORK_START_TOKEN_MAX_MINUTES',
    description: 'Longest lifetime (exp - iat) a cowork.start token may have; longer ones, and tokens without exp, are refused.',
    example: '15',
    ...integer({ default: 15, min: 1, max: 1440 }),
    secret: false,
  },
  {
    name: 'COWORK_AGENT_KEY',
    type: 'string',
    description: 'Key (>= 16 chars) human agents type as /agent login <key> to use the built-in agent relay (handoff). Without it the relay is off.',
    example: 'a-long-random-agent-key',
    secret: true,
  },
  {
    name: 'COWORK_HANDOFF_CHANNELS',
    type: 'string',
    description:
      'Comma-separated channel ids of a contact-centre connector (its own channel, whose activities only it can send): customers on these channels are handed over with handoff.initiate (sent nowhere else), and its handoff.status events are trusted. Customers on other channels go to the agent relay when COWORK_AGENT_KEY is set; otherwise no person is offered there.',
    example: 'omnichannel',
    secret: false,
  },
  {
    name: 'COWORK_HANDOFF_SECRET',
    type: 'string',
    description:
      "HMAC-SHA256 key (>= 32 chars) a contact-centre connector signs handoff.status values with (see the README). Without it and without COWORK_HANDOFF_CHANNELS, no channel's handoff.status is applied.",
    example: 'a-long-random-string-of-at-least-32-characters',
    secret: true,
  },
  {
    name: 'COWORK_HANDOFF_TIMEOUT_SECONDS',
    description:
      'A handoff request that no person accepts (handoff.status accepted) within this long is given up: the customer is told and the bot carries on where the session stands.',
    example: '120',
    ...integer({ default: 120, min: 1, max: 86400 }),
    secret: false,
  },
  {
    name: 'COWORK_SESSION_TTL_MINUTES',
    description: 'A session waiting longer than this for its answer expires (the customer is told).',
    example: '120',
    ...integer({ default: 60, min: 1, max: 43200 }),
    secret: false,
  },
  {
    name: 'COWORK_EVENT_CLOCK_SKEW_SECONDS',
    description:
      "An answer event without session key completes only sessions started before its CreatedDate. Once the bot has measured the org's clock (its own events' round trip, /healthz clock) only that measurement's margin is allowed; until then this much clock difference between the org and the bot.",
    example: '5',
    ...integer({ default: 5, min: 0, max: 300 }),
    secret: false,
  },
  {
    name: 'COWORK_REQUEST_MAX_AGE_SECONDS',
    description:
      "An agent's request from the Case (Cowork_Request__e) created longer ago than this (by the org's clock, measured) sends no form: it is answered expired, e.g. one replayed after an outage.",
    example: '120',
    ...integer({ default: 120, min: 1, max: 259200 }),
    secret: false,
  },
  {
    name: 'COWORK_FORM_STARTS_PER_MINUTE',
    description: 'At most this many forms started per conversation in a minute; more are answered politely and start nothing.',
    example: '5',
    ...integer({ default: 5, min: 1, max: 1000 }),
    secret: false,
  },
  {
    name: 'COWORK_CASE_FORM_STARTS_PER_MINUTE',
    description: 'At most this many forms started per Case in a minute, all conversations and agent requests together.',
    example: '10',
    ...integer({ default: 10, min: 1, max: 1000 }),
    secret: false,
  },
  {
    name: 'COWORK_EVENT_DELIVERY_ALLOCATION',
    description: "The org's 24-hour platform event delivery allocation (Setup > Company Information; every event delivered to every subscriber counts).",
    example: '50000',
    ...integer({ default: 50000, min: 1, max: 1000000000 }),
    secret: false,
  },
  {
    name: 'COWORK_EVENT_DELIVERY_WARN_PERCENT',
    description: 'Log a warning once this instance has received this share of the delivery allocation in 24 hours.',
    example: '80',
    ...integer({ default: 80, min: 1, max: 100 }),
    secret: false,
  },
  {
    name: 'COWORK_STATUS_EVENTS',
    type: 'on-off',
    default: true,
    description:
      "publish Cowork_Status__e at each step of a session (form sent, submitted, answered, saved...) for the coworkPanel on the Case. Each one counts against the org's event publishing allocation (about 4 per completed session).",
    example: 'off',
    secret: false,
  },
  {
    name: 'COWORK_EVENT_TIMEOUT_SECONDS',
    description: 'Republish a submitted answer whose event has not come back after this long (then over REST).',
    example: '30',
    ...integer({ default: 30, min: 1, max: 3600 }),
    secret: false,
  },
] as const satisfies readonly ConfigVariable[];
