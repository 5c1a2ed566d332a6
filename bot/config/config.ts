/**
 * The bot's configuration: read once at start-up from the environment (and `.env` when present),
 * validated, and frozen. A wrong value stops the process with a `ConfigError` that names the
 * variable, says what is wrong and gives an example.
 *
 * `ALL_VARIABLES` (configVariables.ts and salesforce/config.ts) is the single list of what can be
 * configured, with each default and allowed values; `.env.example`, the README's configuration table
 * and `--help` are generated from it, and a test checks each default parsed here against it.
 */
import { ConfigError, ConfigErrorCollector, type Env } from '../../util/configError';
import { isLoopbackHost } from '../../util/loopback';
import { parseSalesforceConfig, SALESFORCE_VARIABLES, type SalesforceConfig } from '../../salesforce/config';
import { BOT_VARIABLES, type VariableDoc } from './configVariables';
import { bool, channelList, collecting, integer, onOff, oneOf, text, url, type AllowedValue } from './envValues';
import { storageConfig, type StorageConfig } from './storageConfig';

export { storageConfig, type StorageConfig } from './storageConfig';

export { BOT_VARIABLES, documented, type VariableDoc } from './configVariables';

/** The values allowed by each declaration (configVariables.ts). */
export type LogFormat = AllowedValue<'LOG_FORMAT'>;
export type LogLevel = AllowedValue<'LOG_LEVEL'>;
export type MicrosoftAppType = AllowedValue<'MicrosoftAppType'>;

export interface BotConfig {
  port: number;
  host: string;
  publicUrl: string;
  log: { level: LogLevel; format: LogFormat };
  microsoftApp: { id: string; password: string; type: MicrosoftAppType; tenantId: string };
  /** Real org when set; the embedded simulator when undefined. */
  salesforce: SalesforceConfig | undefined;
  simulator: boolean;
  /** `SIMULATOR_MESSAGING`: the embedded simulator's org has Messaging. */
  simulatorMessaging: boolean;
  devCommands: boolean;
  startSecret: string | undefined;
  /** `COWORK_FORM_SECRET`: signs form tokens (see cowork/domain/formToken.ts). */
  formSecret: string | undefined;
  /** Longest lifetime of a cowork.start token (`COWORK_START_TOKEN_MAX_MINUTES`), in seconds. */
  startTokenMaxSeconds: number;
  /** Key of the built-in agent relay (`/agent login <key>`); the relay is off when undefined. */
  agentKey: string | undefined;
  /** How long a handoff request may wait for `handoff.status` accepted. */
  handoffTimeoutMs: number;
  sessionTtlMs: number;
  eventTimeoutMs: number;
  eventClockSkewMs: number;
  /** `COWORK_REQUEST_MAX_AGE_SECONDS`, in ms. */
  requestMaxAgeMs: number;
  /** `COWORK_FORM_STARTS_PER_MINUTE` and `COWORK_CASE_FORM_STARTS_PER_MINUTE`. */
  formStartsPerMinute: { conversation: number; case: number };
  /** The org's 24-hour event delivery allocation and the share of it (0-1) that raises a warning. */
  deliveryAllocation: { perDay: number; warnShare: number };
  effectsLeaseMs: number;
  /** `COWORK_SEND_TIMEOUT_SECONDS`, in ms. */
  sendTimeoutMs: number;
  storage: StorageConfig;
  /** `COWORK_HANDOFF_CHANNELS` (lowercase): the contact-centre connector's channels, whose `handoff.status` is trusted. */
  handoffChannels: readonly string[];
  /** `COWORK_HANDOFF_SECRET`: HMAC key of signed `handoff.status` values. */
  handoffSecret: string | undefined;
  /** `HEALTHZ_TOKEN`: may read the details of /healthz. */
  healthzToken: string | undefined;
  /** Publish `Cowork_Status__e` for the agent's panel (`COWORK_STATUS_EVENTS`, default on). */
  statusEvents: boolean;
}

export const ALL_VARIABLES: readonly VariableDoc[] = [...BOT_VARIABLES, ...SALESFORCE_VARIABLES];

/**
 * Parses and validates the whole configuration. Throws a `ConfigError` for one bad value, and
 * `ConfigErrors` (a `ConfigError` listing each) when there are several: every error in one pass.
 */
export function loadConfig(env: Env, options: { isTty?: boolean } = {}): BotConfig {
  const problems = new ConfigErrorCollector();
  const config = collecting(problems, () => readConfig(env, options, problems));
  problems.throwIfAny();
  return config;
}

function readConfig(env: Env, options: { isTty?: boolean }, problems: ConfigErrorCollector): BotConfig {
  const appId = text(env, 'MicrosoftAppId') ?? '';
  const port = integer(env, 'PORT');
  // Without channel authentication anyone who reaches the port can post activities: stay on this
  // machine unless HOST says otherwise (README: containers). A default that depends on MicrosoftAppId,
  // so not in HOST's declaration (its description says it).
  const host = text(env, 'HOST') ?? (appId ? '0.0.0.0' : '127.0.0.1');
  // Defaults that depend on PORT and on the terminal: said in the declarations' descriptions.
  const publicUrl = url(env, 'PUBLIC_URL') ?? `http://localhost:${port}`;
  const level = oneOf(env, 'LOG_LEVEL');
  const format = oneOf(env, 'LOG_FORMAT', options.isTty ? 'pretty' : 'json');

  const appPassword = text(env, 'MicrosoftAppPassword') ?? '';
  const appType = oneOf(env, 'MicrosoftAppType');
  const tenantId = text(env, 'MicrosoftAppTenantId') ?? '';
  if (appId && appType !== 'UserAssignedMSI' && !appPassword) {
    problems.report(new ConfigError('MicrosoftAppPassword', `is required when MicrosoftAppId is set and MicrosoftAppType is ${appType}`, 'your-client-secret'));
  }
  if (appId && appType !== 'MultiTenant' && !tenantId) {
    problems.report(new ConfigError('MicrosoftAppTenantId', `is required when MicrosoftAppType is ${appType}`, '11111111-1111-1111-1111-111111111111'));
  }
  if (!appId && appPassword) {
    problems.report(new ConfigError('MicrosoftAppId', 'is empty but MicrosoftAppPassword is set; set both or neither', '00000000-0000-0000-0000-000000000000'));
  }

  const before = problems.errors.length;
  const salesforce = problems.attempt(() => parseSalesforceConfig(env), undefined);
  // A broken SF_* setting is reported once, not again as "no org configured".
  const salesforceInvalid = problems.errors.length > before;
  const simulatorDefault = salesforce === undefined && !appId;
  // Defaults that depend on other variables: said in the declarations' descriptions.
  const simulator = bool(env, 'COWORK_SIMULATOR', simulatorDefault);
  if (simulator && salesforce) {
    problems.report(
      new ConfigError('COWORK_SIMULATOR', 'is true but Salesforce credentials (SF_*) are configured; the bot uses one org: unset one of them', 'false'),
    );
  }
  if (!simulator && !salesforce && !salesforceInvalid) {
    problems.report(
      new ConfigError(
        'SF_AUTH_TYPE',
        appId
          ? 'no Salesforce org is configured and channel authentication is on; configure a real org (see docs/SALESFORCE.md) or set COWORK_SIMULATOR=true to use the simulator on purpose'
          : 'no Salesforce org is configured and COWORK_SIMULATOR=false; configure a real org (see docs/SALESFORCE.md)',
        'client-credentials',
      ),
    );
  }
  // Without channel authentication anyone who reaches the port can post activities (and make the
  // bot post to any serviceUrl): fine for the Emulator on the simulator, not for a real org on an
  // open interface.
  if (salesforce && !appId && !isLoopbackHost(host) && !bool(env, 'COWORK_ALLOW_UNAUTHENTICATED')) {
    problems.report(
      new ConfigError(
        'MicrosoftAppId',
        `is empty (no channel authentication) while a real Salesforce org is configured and the bot listens on HOST=${host}; set MicrosoftAppId and MicrosoftAppPassword, or HOST=127.0.0.1 for local use, or COWORK_ALLOW_UNAUTHENTICATED=true when a gateway in front authenticates`,
        '00000000-0000-0000-0000-000000000000',
      ),
    );
  }
  const devCommands = bool(env, 'COWORK_DEV_COMMANDS', simulator);

  const startSecret = text(env, 'COWORK_START_SECRET');
  if (startSecret !== undefined && startSecret.length < 32) {
    problems.report(
      new ConfigError(
        'COWORK_START_SECRET',
        `must be at least 32 characters for HS256 (got ${startSecret.length})`,
        'a-long-random-string-of-at-least-32-characters',
      ),
    );
  }

  const agentKey = text(env, 'COWORK_AGENT_KEY');
  if (agentKey !== undefined && agentKey.length < 16) {
    problems.report(new ConfigError('COWORK_AGENT_KEY', `must be at least 16 characters (got ${agentKey.length})`, 'a-long-random-agent-key'));
  }

  const formSecret = text(env, 'COWORK_FORM_SECRET');
  if (formSecret !== undefined && formSecret.length < 32) {
    problems.report(
      new ConfigError('COWORK_FORM_SECRET', `must be at least 32 characters (got ${formSecret.length})`, 'a-long-random-string-of-at-least-32-characters'),
    );
  }
  const handoffSecret = text(env, 'COWORK_HANDOFF_SECRET');
  if (handoffSecret !== undefined && handoffSecret.length < 32) {
    problems.report(
      new ConfigError(
        'COWORK_HANDOFF_SECRET',
        `must be at least 32 characters (got ${handoffSecret.length})`,
        'a-long-random-string-of-at-least-32-characters',
      ),
    );
  }
  const handoffChannels = channelList(env, 'COWORK_HANDOFF_CHANNELS');

  const healthzToken = text(env, 'HEALTHZ_TOKEN');
  if (healthzToken !== undefined && healthzToken.length < 16) {
    problems.report(new ConfigError('HEALTHZ_TOKEN', `must be at least 16 characters (got ${healthzToken.length})`, 'a-long-random-health-token'));
  }

  return Object.freeze({
    port,
    host,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    log: { level, format },
    microsoftApp: { id: appId, password: appPassword, type: appType, tenantId },
    salesforce,
    simulator,
    simulatorMessaging: onOff(env, 'SIMULATOR_MESSAGING'),
    devCommands,
    startSecret,
    formSecret,
    startTokenMaxSeconds: integer(env, 'COWORK_START_TOKEN_MAX_MINUTES') * 60,
    agentKey,
    handoffTimeoutMs: integer(env, 'COWORK_HANDOFF_TIMEOUT_SECONDS') * 1000,
    sessionTtlMs: integer(env, 'COWORK_SESSION_TTL_MINUTES') * 60_000,
    eventTimeoutMs: integer(env, 'COWORK_EVENT_TIMEOUT_SECONDS') * 1000,
    eventClockSkewMs: integer(env, 'COWORK_EVENT_CLOCK_SKEW_SECONDS') * 1000,
    requestMaxAgeMs: integer(env, 'COWORK_REQUEST_MAX_AGE_SECONDS') * 1000,
    formStartsPerMinute: {
      conversation: integer(env, 'COWORK_FORM_STARTS_PER_MINUTE'),
      case: integer(env, 'COWORK_CASE_FORM_STARTS_PER_MINUTE'),
    },
    deliveryAllocation: {
      perDay: integer(env, 'COWORK_EVENT_DELIVERY_ALLOCATION'),
      warnShare: integer(env, 'COWORK_EVENT_DELIVERY_WARN_PERCENT') / 100,
    },
    effectsLeaseMs: integer(env, 'COWORK_EFFECTS_LEASE_SECONDS') * 1000,
    sendTimeoutMs: integer(env, 'COWORK_SEND_TIMEOUT_SECONDS') * 1000,
    storage: problems.attempt(() => storageConfig(env), { kind: 'memory' }),
    handoffChannels,
    handoffSecret,
    healthzToken,
    statusEvents: onOff(env, 'COWORK_STATUS_EVENTS'),
  });
}
