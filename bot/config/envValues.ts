/**
 * Reading one variable's value: text, a whole number, yes/no, on/off, one of a list, a URL, a list of
 * channel ids; the default, the bounds and the allowed values from its declaration in configVariables.ts
 * (the names are typed from it: a variable read as a type it is not declared with does not compile). Inside a pass of
 * `loadConfig` (`collecting`) a bad value is recorded and the pass goes on with the default, so
 * every error is reported at once; outside one it throws its `ConfigError`.
 */
import { ConfigError, type ConfigErrorCollector, type Env } from '../../util/configError';
import { declarationOf, type ConfigVariable } from '../../util/configVariable';
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

export function channelList(env: Env, name: Declared['name']): string[] {
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

type Declared = (typeof BOT_VARIABLES)[number];
type Named<N extends Declared['name']> = Extract<Declared, { name: N }>;
/** The names of the variables declared with type `T`. */
type NamesOf<T extends Declared['type']> = Extract<Declared, { type: T }>['name'];
/** No fallback when the declaration has a default; the caller's (a default that depends on other variables) otherwise. */
type Fallback<N extends Declared['name'], T> = Named<N> extends { default: unknown } ? [] : [fallback: T];

function declared<N extends Declared['name']>(name: N): Named<N> {
  return declarationOf(BOT_VARIABLES, name);
}

/** The declared default, else the caller's fallback (a programming error when neither is there). */
function defaultOf<T>(declaration: { name: string; default?: T }, fallback: readonly T[]): T {
  const value = declaration.default ?? fallback[0];
  if (value === undefined) throw new Error(`${declaration.name} has no declared default (bot/config/configVariables.ts) and none was given`);
  return value;
}

export function text(env: Env, name: Declared['name']): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A text variable with a declared default. */
export function textOrDefault(env: Env, name: Extract<Declared, { type: 'string'; default: string }>['name']): string {
  return text(env, name) ?? declared(name).default;
}

/** A whole number variable, with the default, bounds and example of its one declaration (configVariables.ts). */
export function integer(env: Env, name: NamesOf<'integer'>): number {
  const spec = declared(name);
  const raw = text(env, name);
  if (raw === undefined) return spec.default;
  if (!/^\d+$/.test(raw)) return invalid(new ConfigError(name, `must be a whole number, got "${raw}"`, spec.example), spec.default);
  const value = Number(raw);
  if (value < spec.min || value > spec.max)
    return invalid(new ConfigError(name, `must be between ${spec.min} and ${spec.max}, got ${value}`, spec.example), spec.default);
  return value;
}

/** true/false (also 1/0, yes/no), the default from the declaration (or `fallback` when it depends on other variables). */
export function bool<N extends NamesOf<'boolean'>>(env: Env, name: N, ...fallback: Fallback<N, boolean>): boolean {
  return yesNo(env, name, defaultOf<boolean>(declared(name), fallback));
}

function yesNo(env: Env, name: NamesOf<'boolean' | 'on-off'>, fallback: boolean): boolean {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (lower === 'true' || lower === '1' || lower === 'yes') return true;
  if (lower === 'false' || lower === '0' || lower === 'no') return false;
  return invalid(new ConfigError(name, `must be true or false, got "${raw}"`, 'true'), fallback);
}

/** on/off (also true/false, 1/0, yes/no), the default from the declaration. */
export function onOff<N extends NamesOf<'on-off'>>(env: Env, name: N, ...fallback: Fallback<N, boolean>): boolean {
  const byDefault = defaultOf<boolean>(declared(name), fallback);
  const raw = text(env, name)?.toLowerCase();
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  if (raw === undefined || ['true', '1', 'yes', 'false', '0', 'no'].includes(raw)) return yesNo(env, name, byDefault);
  return invalid(new ConfigError(name, `must be on or off, got "${text(env, name) ?? ''}"`, 'off'), byDefault);
}

/** The values an enum variable's declaration allows. */
export type AllowedValue<N extends NamesOf<'enum'>> = Extract<Named<N>, { values: readonly string[] }>['values'][number];

/** One of the declared values (compared without case), the default from the declaration (or `fallback` when it depends on other variables). */
export function oneOf<N extends NamesOf<'enum'>>(env: Env, name: N, ...fallback: Fallback<N, AllowedValue<N>>): AllowedValue<N> {
  const spec: ConfigVariable = declared(name);
  if (spec.type !== 'enum') throw new Error(`${name} is read as one of a list but not declared so`);
  const isAllowed = (value: string | undefined): value is AllowedValue<N> => value !== undefined && spec.values.includes(value);
  const byDefault = spec.default ?? fallback[0];
  if (!isAllowed(byDefault)) throw new Error(`${name}'s default is not one of its declared values`);
  const raw = text(env, name);
  if (raw === undefined) return byDefault;
  const found = spec.values.find((candidate) => candidate.toLowerCase() === raw.toLowerCase());
  if (!isAllowed(found))
    return invalid(new ConfigError(name, `must be one of ${spec.values.join(', ')}, got "${raw}"`, spec.values[0] ?? byDefault), byDefault);
  return found;
}

/** An http or https URL (the example from the declaration); undefined when unset. */
export function url(env: Env, name: NamesOf<'url'>): string | undefined {
  const { example } = declared(name);
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
