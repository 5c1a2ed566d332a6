/**
 * The bot's configuration: read once at start-up from the environment (and `.env` when present),
 * validated, and frozen. A wrong value stops the process with a `ConfigError` that names the
 * variable, says what is wrong and gives an example.
 *
 * `VARIABLES` is the single list of what can be configured; `.env.example` and the README's
 * configuration table are checked against it by a test.
 */
import { ConfigError, ConfigErrorCollector, type Env } from '../util/configError';
import { isLoopbackHost } from '../util/loopback';
import { parseSalesforceConfig, SALESFORCE_VARIABLES, type SalesforceConfig } from '../salesforce/config';
import { BOT_VARIABLES, type VariableDoc } from './configVariables';

export { BOT_VARIABLES, type VariableDoc } from './configVariables';

export type LogFormat = 'pretty' | 'json';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type MicrosoftAppType = 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';

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
  /** `COWORK_FORM_SECRET`: signs form tokens (see cowork/formToken.ts). */
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

export type StorageConfig =
  { kind: 'memory' } | { kind: 'blob'; connectionString: string; container: string } | { kind: 'table'; connectionString: string; table: string };

export const ALL_VARIABLES: readonly VariableDoc[] = [...BOT_VARIABLES, ...SALESFORCE_VARIABLES];

/** The pass of `loadConfig` in progress: the value helpers below record their errors in it and go on. */
let active: ConfigErrorCollector | undefined;

/** Records `error` in the pass in progress and goes on with `fallback` (throws it outside a pass). */
function invalid<T>(error: ConfigError, fallback: T): T {
  if (active === undefined) throw error;
  active.report(error);
  return fallback;
}

/**
 * Parses and validates the whole configuration. Throws a `ConfigError` for one bad value, and
 * `ConfigErrors` (a `ConfigError` listing each) when there are several: every error in one pass.
 */
export function loadConfig(env: Env, options: { isTty?: boolean } = {}): BotConfig {
  const problems = new ConfigErrorCollector();
  const outer = active;
  active = problems;
  try {
    const config = readConfig(env, options, problems);
    problems.throwIfAny();
    return config;
  } finally {
    active = outer;
  }
}

function readConfig(env: Env, options: { isTty?: boolean }, problems: ConfigErrorCollector): BotConfig {
  const appId = text(env, 'MicrosoftAppId') ?? '';
  const port = integer(env, 'PORT', 3978, 0, 65535, '3978');
  // Without channel authentication anyone who reaches the port can post activities: stay on this
  // machine unless HOST says otherwise (README: containers).
  const host = text(env, 'HOST') ?? (appId ? '0.0.0.0' : '127.0.0.1');
  const publicUrl = url(env, 'PUBLIC_URL', 'https://bot.example.com') ?? `http://localhost:${port}`;
  const level = oneOf(env, 'LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, 'info');
  const format = oneOf(env, 'LOG_FORMAT', ['pretty', 'json'] as const, options.isTty ? 'pretty' : 'json');

  const appPassword = text(env, 'MicrosoftAppPassword') ?? '';
  const appType = oneOf(env, 'MicrosoftAppType', ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const, 'MultiTenant');
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
  if (salesforce && !appId && !isLoopbackHost(host) && !bool(env, 'COWORK_ALLOW_UNAUTHENTICATED', false)) {
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
    simulatorMessaging: onOff(env, 'SIMULATOR_MESSAGING', true),
    devCommands,
    startSecret,
    formSecret,
    startTokenMaxSeconds: integer(env, 'COWORK_START_TOKEN_MAX_MINUTES', 15, 1, 24 * 60, '15') * 60,
    agentKey,
    handoffTimeoutMs: integer(env, 'COWORK_HANDOFF_TIMEOUT_SECONDS', 120, 1, 24 * 3600, '120') * 1000,
    sessionTtlMs: integer(env, 'COWORK_SESSION_TTL_MINUTES', 60, 1, 60 * 24 * 30, '120') * 60_000,
    eventTimeoutMs: integer(env, 'COWORK_EVENT_TIMEOUT_SECONDS', 30, 1, 3600, '30') * 1000,
    eventClockSkewMs: integer(env, 'COWORK_EVENT_CLOCK_SKEW_SECONDS', 5, 0, 300, '5') * 1000,
    requestMaxAgeMs: integer(env, 'COWORK_REQUEST_MAX_AGE_SECONDS', 120, 1, 72 * 3600, '120') * 1000,
    formStartsPerMinute: {
      conversation: integer(env, 'COWORK_FORM_STARTS_PER_MINUTE', 5, 1, 1000, '5'),
      case: integer(env, 'COWORK_CASE_FORM_STARTS_PER_MINUTE', 10, 1, 1000, '10'),
    },
    deliveryAllocation: {
      perDay: integer(env, 'COWORK_EVENT_DELIVERY_ALLOCATION', 50_000, 1, 1_000_000_000, '50000'),
      warnShare: integer(env, 'COWORK_EVENT_DELIVERY_WARN_PERCENT', 80, 1, 100, '80') / 100,
    },
    effectsLeaseMs: integer(env, 'COWORK_EFFECTS_LEASE_SECONDS', 30, 1, 3600, '30') * 1000,
    sendTimeoutMs: integer(env, 'COWORK_SEND_TIMEOUT_SECONDS', 10, 1, 600, '10') * 1000,
    storage: problems.attempt(() => storageConfig(env), { kind: 'memory' }),
    handoffChannels,
    handoffSecret,
    healthzToken,
    statusEvents: onOff(env, 'COWORK_STATUS_EVENTS', true),
  });
}

export function storageConfig(env: Env): StorageConfig {
  const kind = oneOf(env, 'STORAGE', ['memory', 'blob', 'table'] as const, 'memory');
  const connectionString = text(env, 'AZURE_STORAGE_CONNECTION_STRING');
  const tablesConnectionString = text(env, 'AZURE_TABLES_CONNECTION_STRING');
  if (kind === 'memory') {
    if (connectionString)
      throw new ConfigError('STORAGE', 'is memory (the default) but AZURE_STORAGE_CONNECTION_STRING is set; set STORAGE=blob to use it', 'blob');
    if (tablesConnectionString)
      throw new ConfigError('STORAGE', 'is memory (the default) but AZURE_TABLES_CONNECTION_STRING is set; set STORAGE=table to use it', 'table');
    return { kind };
  }
  if (kind === 'table') return tableStorageConfig(env, tablesConnectionString);
  if (!connectionString) {
    throw new ConfigError(
      'AZURE_STORAGE_CONNECTION_STRING',
      'is required when STORAGE=blob',
      'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net',
    );
  }
  if (!/(AccountName=|BlobEndpoint=|UseDevelopmentStorage=true)/i.test(connectionString)) {
    throw new ConfigError(
      'AZURE_STORAGE_CONNECTION_STRING',
      'does not look like an Azure Storage connection string (no AccountName or BlobEndpoint)',
      'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net',
    );
  }
  const container = text(env, 'AZURE_STORAGE_CONTAINER') ?? 'cowork-bot';
  // Azure container names: 3-63 chars, lowercase letters, digits and single dashes, starting with a letter or digit.
  if (!/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/.test(container)) {
    throw new ConfigError(
      'AZURE_STORAGE_CONTAINER',
      `"${container}" is not a valid container name (3-63 lowercase letters, digits, single dashes)`,
      'cowork-bot',
    );
  }
  return { kind, connectionString, container };
}

const TABLES_EXAMPLE = 'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net';

function tableStorageConfig(env: Env, connectionString: string | undefined): StorageConfig {
  if (!connectionString) throw new ConfigError('AZURE_TABLES_CONNECTION_STRING', 'is required when STORAGE=table', TABLES_EXAMPLE);
  if (!/(AccountName=|TableEndpoint=|UseDevelopmentStorage=true)/i.test(connectionString)) {
    throw new ConfigError(
      'AZURE_TABLES_CONNECTION_STRING',
      'does not look like an Azure Table storage connection string (no AccountName or TableEndpoint)',
      TABLES_EXAMPLE,
    );
  }
  const table = text(env, 'AZURE_TABLES_TABLE') ?? 'coworkbot';
  // Azure table names: 3-63 letters and digits, starting with a letter.
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(table)) {
    throw new ConfigError('AZURE_TABLES_TABLE', `"${table}" is not a valid table name (3-63 letters and digits, starting with a letter)`, 'coworkbot');
  }
  return { kind: 'table', connectionString, table };
}

function channelList(env: Env, name: string): string[] {
  const raw = text(env, name);
  if (raw === undefined) return [];
  const ids = raw
    .split(',')
    .map((id) => id.trim().toLowerCase())
    .filter((id) => id !== '');
  const bad = ids.find((id) => !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(id));
  if (bad !== undefined) return invalid(new ConfigError(name, `"${bad}" is not a channel id (letters, digits, dot, dash, underscore)`, 'omnichannel'), []);
  return [...new Set(ids)];
}

function text(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, example: string): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) return invalid(new ConfigError(name, `must be a whole number, got "${raw}"`, example), fallback);
  const value = Number(raw);
  if (value < min || value > max) return invalid(new ConfigError(name, `must be between ${min} and ${max}, got ${value}`, example), fallback);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (lower === 'true' || lower === '1' || lower === 'yes') return true;
  if (lower === 'false' || lower === '0' || lower === 'no') return false;
  return invalid(new ConfigError(name, `must be true or false, got "${raw}"`, 'true'), fallback);
}

/** on/off (also true/false, 1/0, yes/no). */
function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  if (raw === undefined || ['true', '1', 'yes', 'false', '0', 'no'].includes(raw)) return bool(env, name, fallback);
  return invalid(new ConfigError(name, `must be on or off, got "${text(env, name) ?? ''}"`, 'off'), fallback);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const found = allowed.find((candidate) => candidate.toLowerCase() === raw.toLowerCase());
  if (!found) return invalid(new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`, allowed[0] ?? fallback), fallback);
  return found;
}

function url(env: Env, name: string, example: string): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return invalid(new ConfigError(name, `is not a URL: "${raw}"`, example), undefined);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return invalid(new ConfigError(name, `must be an http or https URL, got "${raw}"`, example), undefined);
  }
  return raw;
}
