/**
 * Reading one variable's value: text, a whole number (its default and bounds from its declaration in
 * configVariables.ts), yes/no, on/off, one of a list, a URL, a list of channel ids. Inside a pass of
 * `loadConfig` (`collecting`) a bad value is recorded and the pass goes on with the default, so
 * every error is reported at once; outside one it throws its `ConfigError`.
 */
import { ConfigError, type ConfigErrorCollector, type Env } from '../../util/configError';
import { BOT_VARIABLES } from './configVariables';

/** The pass of `loadConfig` in progress: the value helpers below record their errors in it and go on. */
let active: ConfigErrorCollector | undefined;

/** Records `error` in the pass in progress and goes on with `fallback` (throws it outside a pass). */
function invalid<T>(error: ConfigError, fallback: T): T {
  if (active === undefined) throw error;
  active.report(error);
  return fallback;
}

/** Runs `read` as one pass: the value readers record their errors in `problems` and go on. */
export function collecting<T>(problems: ConfigErrorCollector, read: () => T): T {
  const outer = active;
  active = problems;
  try {
    return read();
  } finally {
    active = outer;
  }
}

export function channelList(env: Env, name: string): string[] {
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

export function text(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

const NUMBERS = new Map(
  BOT_VARIABLES.flatMap((variable) => (variable.integer ? [[variable.name, { ...variable.integer, example: variable.example }] as const] : [])),
);

/** A whole number variable, with the default, bounds and example of its one declaration (configVariables.ts). */
export function integer(env: Env, name: string): number {
  const spec = NUMBERS.get(name);
  if (!spec) throw new Error(`${name} is read as a number but bot/config/configVariables.ts declares no default and bounds for it`);
  const raw = text(env, name);
  if (raw === undefined) return spec.default;
  if (!/^\d+$/.test(raw)) return invalid(new ConfigError(name, `must be a whole number, got "${raw}"`, spec.example), spec.default);
  const value = Number(raw);
  if (value < spec.min || value > spec.max)
    return invalid(new ConfigError(name, `must be between ${spec.min} and ${spec.max}, got ${value}`, spec.example), spec.default);
  return value;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (lower === 'true' || lower === '1' || lower === 'yes') return true;
  if (lower === 'false' || lower === '0' || lower === 'no') return false;
  return invalid(new ConfigError(name, `must be true or false, got "${raw}"`, 'true'), fallback);
}

/** on/off (also true/false, 1/0, yes/no). */
export function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  if (raw === undefined || ['true', '1', 'yes', 'false', '0', 'no'].includes(raw)) return bool(env, name, fallback);
  return invalid(new ConfigError(name, `must be on or off, got "${text(env, name) ?? ''}"`, 'off'), fallback);
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const found = allowed.find((candidate) => candidate.toLowerCase() === raw.toLowerCase());
  if (!found) return invalid(new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`, allowed[0] ?? fallback), fallback);
  return found;
}

export function url(env: Env, name: string, example: string): string | undefined {
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
