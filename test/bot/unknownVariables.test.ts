/**
 * Configuration a person gets wrong in `.env`: a misspelt name is warned about with the closest
 * known one (not silently ignored), every error is reported in one start, the examples point at
 * files that exist, and without channel authentication the bot stays on this machine.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ALL_VARIABLES, loadConfig } from '../../bot/config/config';
import { knownVariables, unknownVariables, WATCHED_PREFIXES } from '../../bot/config/unknownVariables';
import { SALESFORCE_VARIABLES } from '../../salesforce/config';
import { ConfigError, ConfigErrors } from '../../util/configError';

const root = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return ['node_modules', 'force-app', 'legacy-chat'].includes(name) ? [] : sourceFiles(full);
    return /\.(ts|js)$/.test(name) ? [full] : [];
  });
}

describe('unknown variables', () => {
  it('are named with the closest known variable', () => {
    const found = unknownVariables({ COWORK_SESION_TTL_MINUTES: '5', SF_CLIENTID: 'x', STORAGEE: 'blob', PATH: '/bin', COWORK_SESSION_TTL_MINUTES: '5' });
    expect(found).toEqual([
      { name: 'COWORK_SESION_TTL_MINUTES', closest: 'COWORK_SESSION_TTL_MINUTES' },
      { name: 'SF_CLIENTID', closest: 'SF_CLIENT_ID' },
      { name: 'STORAGEE', closest: 'STORAGE' },
    ]);
    expect(unknownVariables({ COWORK_SOMETHING_ELSE_ENTIRELY: '1' })).toEqual([{ name: 'COWORK_SOMETHING_ELSE_ENTIRELY', closest: undefined }]);
  });

  it('every variable the configuration reads is declared once, and so known', () => {
    const read = new Set<string>();
    const recording = (env: Record<string, string>) =>
      new Proxy(env, {
        get: (target, name) => {
          if (typeof name === 'string') read.add(name);
          return target[name as string];
        },
      });
    // Paths through the configuration: local, each login flow, blob storage.
    loadConfig(recording({}));
    for (const type of ['client-credentials', 'jwt-bearer', 'username-password', 'access-token']) {
      try {
        loadConfig(recording({ SF_AUTH_TYPE: type, STORAGE: 'blob', HOST: '127.0.0.1' }));
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
      }
    }
    const declared = new Set(ALL_VARIABLES.map((v) => v.name));
    expect([...read].filter((name) => !declared.has(name))).toEqual([]);
    expect(SALESFORCE_VARIABLES.every((v) => knownVariables().has(v.name))).toBe(true);
  });

  it('every watched name in the source is known (a variable read anywhere is declared)', () => {
    const known = knownVariables();
    const literals = new Set<string>();
    for (const dir of ['bot', 'salesforce', 'simulator', 'cowork', 'dialogs', 'cards', 'scripts', 'bench', 'util']) {
      for (const file of sourceFiles(path.join(root, dir))) {
        const text = readFileSync(file, 'utf8');
        for (const match of text.matchAll(/process\.env(?:\.|\[')([A-Z][A-Za-z0-9_]*)/g)) literals.add(match[1] ?? '');
        for (const match of text.matchAll(/['"`]((?:COWORK|SF|SIMULATOR)_[A-Z0-9_]+|STORAGE[A-Z0-9_]*)['"`]/g)) literals.add(match[1] ?? '');
      }
    }
    const unknown = [...literals].filter((name) => WATCHED_PREFIXES.test(name) && !known.has(name));
    expect(unknown).toEqual([]);
  });
});

describe('configuration errors', () => {
  it('are all reported in one pass', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        COWORK_AGENT_KEY: 'short',
        SF_AUTH_TYPE: 'client-credentials',
        SF_LOGIN_URL: 'https://x.my.salesforce.com',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigErrors);
    const errors = (error as ConfigErrors).errors;
    expect(errors.map((e) => e.variable)).toEqual(['PORT', 'LOG_LEVEL', 'SF_CLIENT_ID', 'SF_CLIENT_SECRET', 'COWORK_AGENT_KEY']);
    for (const e of errors) expect((error as Error).message).toContain(e.message);
  });

  it('one error alone is a plain ConfigError, as before', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(new ConfigError('PORT', 'must be a whole number, got "eighty"', '3978'));
  });

  it('the CA file example is the file the standalone simulator writes', () => {
    const example = ALL_VARIABLES.find((v) => v.name === 'SF_TRUST_CERT_FILE')?.example;
    const written = readFileSync(path.join(root, 'simulator/tlsMaterial.ts'), 'utf8').match(/certFile = path\.join\(dataDir, '([a-z-]+\.pem)'\)/)?.[1];
    expect(example).toBe(`./.simulator/${written}`);
    expect(readFileSync(path.join(root, '.env.example'), 'utf8')).toContain(`SF_TRUST_CERT_FILE=./.simulator/${written}`);
    expect(() =>
      loadConfig({
        SF_AUTH_TYPE: 'access-token',
        SF_ACCESS_TOKEN: '00D000000000001!t',
        SF_INSTANCE_URL: 'https://x.my.salesforce.com',
        SF_TRUST_CERT_FILE: '/nonexistent.pem',
      }),
    ).toThrow(`(example: SF_TRUST_CERT_FILE=./.simulator/${written})`);
  });
});

describe('the interface the bot listens on', () => {
  it('is this machine only without channel authentication, unless HOST says otherwise', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ MicrosoftAppId: 'abc', MicrosoftAppPassword: 'secret', COWORK_SIMULATOR: 'true' }).host).toBe('0.0.0.0');
  });
});
