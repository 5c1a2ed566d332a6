/**
 * The shape of one configuration variable's declaration, shared by the bot's variables
 * (bot/config/configVariables.ts) and Salesforce's (salesforce/config.ts): its name, its type with
 * its default and allowed values or bounds, an example and a description. The parsers read the
 * default and the allowed values from it; `.env.example`, the README table and `--help` print them
 * from it (`documented`). A variable whose default depends on another one declares no `default`:
 * its description says how it is chosen.
 */

/** What a variable holds. `default` absent: none, or one that depends on other variables (said in the description). */
export type VariableType =
  /** A whole number from `min` to `max`. */
  | { readonly type: 'integer'; readonly default: number; readonly min: number; readonly max: number }
  /** One of `values` (compared without case). */
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly default?: string }
  /** true or false (also 1/0, yes/no). */
  | { readonly type: 'boolean'; readonly default?: boolean }
  /** on or off (also true/false, 1/0, yes/no). */
  | { readonly type: 'on-off'; readonly default?: boolean }
  /** Free text (a secret, an id, a name, a list). */
  | { readonly type: 'string'; readonly default?: string }
  /** A URL (the parser says which schemes). */
  | { readonly type: 'url'; readonly default?: string };

export type ConfigVariable = {
  readonly name: string;
  /** What it does, without its default or allowed values (`documented` adds them; after an enum's or a boolean's values it starts in lower case). */
  readonly description: string;
  readonly example: string;
  readonly secret: boolean;
} & VariableType;

/** The default as the documents and the parsers write it: `on`/`off` for an on-off, the text otherwise. */
export function defaultText(variable: ConfigVariable): string | undefined {
  if (variable.default === undefined) return undefined;
  if (variable.type === 'on-off') return variable.default ? 'on' : 'off';
  return String(variable.default);
}

/**
 * The description as the docs print it: the allowed values before it (a description that follows
 * them starts in lower case), the default (and a number's bounds) after it, a secret marked.
 */
export function documented(variable: ConfigVariable): string {
  const allowed =
    variable.type === 'enum'
      ? `One of ${variable.values.join(', ')}: `
      : variable.type === 'boolean'
        ? 'true or false: '
        : variable.type === 'on-off'
          ? 'on or off: '
          : '';
  const byDefault = defaultText(variable);
  const bounds = variable.type === 'integer' ? ` (${variable.min} to ${variable.max})` : '';
  const fallback = byDefault === undefined ? '' : ` Default ${byDefault}${bounds}.`;
  return `${allowed}${variable.description}${fallback}${variable.secret ? ' [secret]' : ''}`;
}

/** The declaration of `name` in `variables` (a programming error, not a configuration one, when it is missing). */
export function declarationOf<L extends readonly ConfigVariable[], N extends L[number]['name']>(variables: L, name: N): Extract<L[number], { name: N }> {
  const found = variables.find((variable): variable is Extract<L[number], { name: N }> => variable.name === name);
  if (found === undefined) throw new Error(`${name} is read but not declared`);
  return found;
}
