/**
 * A configuration value that cannot be used. Its message names the variable, says what is
 * wrong and gives an example, so a person can fix it without reading code.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly problem: string,
    readonly example: string,
  ) {
    super(`${variable}: ${problem} (example: ${variable}=${example})`);
  }
}

/** Environment as read by configuration parsers (never logged: it holds secrets). */
export type Env = Readonly<Record<string, string | undefined>>;
