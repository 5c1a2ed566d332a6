/**
 * A misspelt variable is otherwise silently ignored (`COWORK_SESION_TTL_MINUTES=5` would leave the
 * default in force). At start the bot warns about every `COWORK_*`, `SF_*`, `SIMULATOR_*` and
 * `STORAGE*` name in its environment (and so in `.env`) that nothing reads, with the closest known
 * name. Known = the declared configuration (`ALL_VARIABLES`: a variable added there is known) and
 * the variables the tools read; `test/bot/unknownVariables.test.ts` checks that every such name in
 * the source is one of them.
 */
import type { Env } from '../../util/configError';
import { SIMULATOR_VARIABLES } from '../../simulator/variables';
import { ALL_VARIABLES } from './config';

/** Read by tools, not by the bot's configuration: `npm run sf:configure` (scripts/sfConfigure.ts) and `npm run simulator`. */
export const TOOL_VARIABLES: readonly string[] = ['COWORK_SFDX_PROJECT_DIR', ...Object.values(SIMULATOR_VARIABLES)];

export const WATCHED_PREFIXES = /^(COWORK_|SF_|SIMULATOR_|STORAGE)/;

export function knownVariables(): ReadonlySet<string> {
  return new Set([...ALL_VARIABLES.map((variable) => variable.name), ...TOOL_VARIABLES]);
}

export interface UnknownVariable {
  name: string;
  /** The known name closest to it, when one is close enough to be a likely typo. */
  closest: string | undefined;
}

export function unknownVariables(env: Env, known: ReadonlySet<string> = knownVariables()): UnknownVariable[] {
  return Object.keys(env)
    .filter((name) => WATCHED_PREFIXES.test(name) && !known.has(name))
    .sort()
    .map((name) => ({ name, closest: closestName(name, known) }));
}

/** One line per unknown variable, for the log. */
export function describeUnknown(variable: UnknownVariable): string {
  return variable.closest === undefined
    ? `${variable.name} is not a cowork-bot variable and is ignored (see .env.example)`
    : `${variable.name} is not a cowork-bot variable and is ignored: did you mean ${variable.closest}?`;
}

function closestName(name: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(name.toUpperCase(), candidate.toUpperCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Farther than a third of the name is another word, not a typo.
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
