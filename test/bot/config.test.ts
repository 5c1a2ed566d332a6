import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_VARIABLES, BOT_VARIABLES, documented, loadConfig } from '../../bot/config/config';
import { ConfigError } from '../../util/configError';
import { declarationOf } from '../../util/configVariable';
import { envExample } from '../../scripts/envExample';
import { variablesHelp, variablesTable, withVariablesTable } from '../../bot/config/variableDocs';
import { coworkTopics, parseSalesforceConfig, type SalesforceConfig } from '../../salesforce/config';

const root = path.resolve(__dirname, '../..');

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('needs nothing to run locally: port 3978, the simulator and the dev command', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3978);
    expect(config.simulator).toBe(true);
    expect(config.devCommands).toBe(true);
    expect(config.salesforce).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT', 'whole number'],
    [{ PORT: '70000' }, 'PORT', 'between 0 and 65535'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'one of trace, debug'],
    [{ MicrosoftAppId: 'abc' }, 'MicrosoftAppPassword', 'required'],
    [{ MicrosoftAppId: 'abc', MicrosoftAppPassword: 'x', MicrosoftAppType: 'SingleTenant' }, 'MicrosoftAppTenantId', 'required'],
    [{ COWORK_DEV_COMMANDS: 'maybe' }, 'COWORK_DEV_COMMANDS', 'true or false'],
    [{ COWORK_START_SECRET: 'short' }, 'COWORK_START_SECRET', 'at least 32'],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL', 'http or https'],
    [{ SF_AUTH_TYPE: 'magic' }, 'SF_AUTH_TYPE', 'magic'],
  ])('refuses %j naming %s', (env, variable, problem) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(problem);
    expect(error.message).toMatch(/example: \w+=/);
  });

  it('keeps the simulator and the dev command off when the channel is authenticated, unless asked for', () => {
    const error = configError({ MicrosoftAppId: 'abc', MicrosoftAppPassword: 'secret' });
    expect(error.variable).toBe('SF_AUTH_TYPE');
    const explicit = loadConfig({ MicrosoftAppId: 'abc', MicrosoftAppPassword: 'secret', COWORK_SIMULATOR: 'true', COWORK_DEV_COMMANDS: 'false' });
    expect(explicit.simulator).toBe(true);
    expect(explicit.devCommands).toBe(false);
  });

  it('refuses a real org without channel authentication on an open interface, unless asked for', () => {
    const org = {
      SF_AUTH_TYPE: 'access-token',
      SF_ACCESS_TOKEN: '00D000000000001!token',
      SF_INSTANCE_URL: 'https://example.my.salesforce.com',
      HOST: '0.0.0.0',
    };
    const error = configError(org);
    expect(error.variable).toBe('MicrosoftAppId');
    expect(error.message).toContain('HOST=0.0.0.0');
    expect(loadConfig({ ...org, HOST: '127.0.0.1' }).salesforce).toBeDefined();
    expect(loadConfig({ ...org, COWORK_ALLOW_UNAUTHENTICATED: 'true' }).salesforce).toBeDefined();
  });

  it.each([
    ['COWORK_REQUEST_MAX_AGE_SECONDS', 'COWORK_REQUEST_MAX_AGE_SECONDS=120'],
    ['COWORK_FORM_STARTS_PER_MINUTE', 'COWORK_FORM_STARTS_PER_MINUTE=5'],
    ['COWORK_CASE_FORM_STARTS_PER_MINUTE', 'COWORK_CASE_FORM_STARTS_PER_MINUTE=10'],
  ])('%s: a whole number in range, refused with an example otherwise', (name, example) => {
    for (const bad of ['soon', '0', '-3']) {
      const error = configError({ [name]: bad });
      expect(error.variable).toBe(name);
      expect(error.message).toContain(example);
    }
  });

  it('reads the request age and the form start limits, with their defaults', () => {
    expect(loadConfig({})).toMatchObject({ requestMaxAgeMs: 120_000, formStartsPerMinute: { conversation: 5, case: 10 } });
    expect(loadConfig({ COWORK_REQUEST_MAX_AGE_SECONDS: '30', COWORK_FORM_STARTS_PER_MINUTE: '2', COWORK_CASE_FORM_STARTS_PER_MINUTE: '3' })).toMatchObject({
      requestMaxAgeMs: 30_000,
      formStartsPerMinute: { conversation: 2, case: 3 },
    });
  });

  it('.env.example and the README table are generated from the one declaration (npm run docs:config)', () => {
    expect(readFileSync(path.join(root, '.env.example'), 'utf8')).toBe(envExample());
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(withVariablesTable(readme)).toBe(readme);
    for (const variable of ALL_VARIABLES) expect(variablesTable()).toContain(`| \`${variable.name}\` |`);
  });

  it("a number's default and bounds are written once, in its declaration, and the documents print them", () => {
    const numbers = BOT_VARIABLES.filter((variable) => variable.type === 'integer');
    expect(numbers.map((variable) => variable.name)).toEqual(expect.arrayContaining(['PORT', 'COWORK_SESSION_TTL_MINUTES', 'COWORK_SEND_TIMEOUT_SECONDS']));
    for (const variable of numbers) {
      expect(variable.description).not.toMatch(/Default \d/);
      expect(documented(variable)).toContain(`Default ${variable.default} (`);
    }
    const ttl = declarationOf(BOT_VARIABLES, 'COWORK_SESSION_TTL_MINUTES');
    expect(loadConfig({}).sessionTtlMs).toBe(ttl.default * 60_000);
    expect(() => loadConfig({ COWORK_SESSION_TTL_MINUTES: String(ttl.max + 1) })).toThrow(
      `COWORK_SESSION_TTL_MINUTES: must be between ${ttl.min} and ${ttl.max}`,
    );
  });

  it('--help prints every variable with its meaning, default and example, and starts nothing', () => {
    const result = spawnSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'bot/index.ts', '--help'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', DOTENV_CONFIG_PATH: '/nonexistent', PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(variablesHelp());
    expect(result.stdout).toContain('COWORK_SESSION_TTL_MINUTES=120');
    expect(result.stdout).toContain('Default 60 (1 to 43200)');
  });

  it('stops the process with an actionable message and never prints the secret', () => {
    const secret = 'super-secret-password-value';
    const result = spawnSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'bot/index.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', PORT: 'not-a-port', MicrosoftAppPassword: secret, DOTENV_CONFIG_PATH: '/nonexistent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('PORT: must be a whole number, got "not-a-port" (example: PORT=3978)');
    expect(result.stderr + result.stdout).not.toContain(secret);
  });
});

describe('STORAGE=table', () => {
  const cs = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';
  it('takes the connection string and the table (default coworkbot)', () => {
    expect(loadConfig({ STORAGE: 'table', AZURE_TABLES_CONNECTION_STRING: cs }).storage).toEqual({ kind: 'table', connectionString: cs, table: 'coworkbot' });
    expect(loadConfig({ STORAGE: 'table', AZURE_TABLES_CONNECTION_STRING: cs, AZURE_TABLES_TABLE: 'Sessions2' }).storage).toMatchObject({ table: 'Sessions2' });
  });
  it.each([
    [{ STORAGE: 'table' }, 'AZURE_TABLES_CONNECTION_STRING', /required when STORAGE=table/],
    [{ STORAGE: 'table', AZURE_TABLES_CONNECTION_STRING: 'nothing=here' }, 'AZURE_TABLES_CONNECTION_STRING', /does not look like/],
    [{ STORAGE: 'table', AZURE_TABLES_CONNECTION_STRING: cs, AZURE_TABLES_TABLE: 'co-work' }, 'AZURE_TABLES_TABLE', /not a valid table name/],
    [{ AZURE_TABLES_CONNECTION_STRING: cs }, 'STORAGE', /set STORAGE=table/],
  ] as const)('names the variable, the problem and an example: %j', (env, variable, problem) => {
    let message = '';
    try {
      loadConfig({ ...env });
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).toContain(variable);
    expect(message).toMatch(problem);
    expect(message).toMatch(/e\.g\.|example/i);
  });
});

describe('each default, declared once', () => {
  const blob = 'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=a2V5;EndpointSuffix=core.windows.net';
  const tables = 'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=a2V5;TableEndpoint=https://acme.table.core.windows.net/;';
  const org = { SF_AUTH_TYPE: 'access-token', SF_ACCESS_TOKEN: '00D000000000001!token', SF_INSTANCE_URL: 'https://example.my.salesforce.com' };
  const bot = (env: Record<string, string> = {}) => loadConfig(env);
  const salesforce = (): SalesforceConfig => {
    const config = parseSalesforceConfig(org);
    if (config === undefined) throw new Error('expected a Salesforce configuration');
    return config;
  };
  /** What the parsers make of each variable left unset, in the variable's own unit. */
  const PARSED: Record<string, () => unknown> = {
    PORT: () => bot().port,
    LOG_LEVEL: () => bot().log.level,
    MicrosoftAppType: () => bot().microsoftApp.type,
    COWORK_EFFECTS_LEASE_SECONDS: () => bot().effectsLeaseMs / 1000,
    COWORK_SEND_TIMEOUT_SECONDS: () => bot().sendTimeoutMs / 1000,
    STORAGE: () => bot().storage.kind,
    AZURE_STORAGE_CONTAINER: () => {
      const { storage } = bot({ STORAGE: 'blob', AZURE_STORAGE_CONNECTION_STRING: blob });
      return storage.kind === 'blob' ? storage.container : undefined;
    },
    AZURE_TABLES_TABLE: () => {
      const { storage } = bot({ STORAGE: 'table', AZURE_TABLES_CONNECTION_STRING: tables });
      return storage.kind === 'table' ? storage.table : undefined;
    },
    SIMULATOR_MESSAGING: () => bot().simulatorMessaging,
    // Its only effect: a real org on an open interface without channel authentication is refused unless it is true.
    COWORK_ALLOW_UNAUTHENTICATED: () => {
      try {
        bot({ ...org, HOST: '0.0.0.0' });
        return true;
      } catch (error) {
        if (error instanceof ConfigError && error.variable === 'MicrosoftAppId') return false;
        throw error;
      }
    },
    COWORK_START_TOKEN_MAX_MINUTES: () => bot().startTokenMaxSeconds / 60,
    COWORK_HANDOFF_TIMEOUT_SECONDS: () => bot().handoffTimeoutMs / 1000,
    COWORK_SESSION_TTL_MINUTES: () => bot().sessionTtlMs / 60_000,
    COWORK_EVENT_CLOCK_SKEW_SECONDS: () => bot().eventClockSkewMs / 1000,
    COWORK_REQUEST_MAX_AGE_SECONDS: () => bot().requestMaxAgeMs / 1000,
    COWORK_FORM_STARTS_PER_MINUTE: () => bot().formStartsPerMinute.conversation,
    COWORK_CASE_FORM_STARTS_PER_MINUTE: () => bot().formStartsPerMinute.case,
    COWORK_EVENT_DELIVERY_ALLOCATION: () => bot().deliveryAllocation.perDay,
    COWORK_EVENT_DELIVERY_WARN_PERCENT: () => Math.round(bot().deliveryAllocation.warnShare * 100),
    COWORK_STATUS_EVENTS: () => bot().statusEvents,
    COWORK_EVENT_TIMEOUT_SECONDS: () => bot().eventTimeoutMs / 1000,
    SF_LOGIN_URL: () => salesforce().loginUrl,
    SF_API_VERSION: () => salesforce().apiVersion,
    SF_PUBSUB_ENDPOINT: () => salesforce().pubSubEndpoint,
    SF_EVENT_TOPIC: () => salesforce().eventTopic,
    SF_REQUEST_TOPIC: () => coworkTopics(salesforce()).request,
    SF_STATUS_TOPIC: () => coworkTopics(salesforce()).status,
    SF_MESSAGE_TOPIC: () => coworkTopics(salesforce()).message,
  };
  const defaulted = ALL_VARIABLES.filter((variable) => variable.default !== undefined);

  it('every variable declared with a default is read by a parser here', () => {
    expect(Object.keys(PARSED).sort()).toEqual(defaulted.map((variable) => variable.name).sort());
  });

  it.each(defaulted.map((variable) => [variable.name, variable] as const))('%s left unset is parsed as its declared default', (name, variable) => {
    expect(PARSED[name]?.()).toBe(variable.default);
  });

  it('the documents print each declared default and allowed value, and no description repeats them', () => {
    for (const variable of defaulted) {
      const byDefault = variable.type === 'on-off' ? (variable.default ? 'on' : 'off') : String(variable.default);
      expect(variable.description.toLowerCase()).not.toMatch(/\(default|default \d|default (on|off|true|false)\b/);
      expect(variable.description).not.toContain(`Default ${byDefault}`);
      expect(documented(variable)).toContain(`Default ${byDefault}`);
    }
    for (const variable of ALL_VARIABLES) {
      if (variable.type === 'enum') expect(documented(variable)).toContain(`One of ${variable.values.join(', ')}`);
    }
    expect(() => loadConfig({ STORAGE: 'disk' })).toThrow('STORAGE: must be one of memory, blob, table, got "disk" (example: STORAGE=memory)');
  });
});
