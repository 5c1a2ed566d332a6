import { CoworkError } from './errors';

/**
 * A configuration value that cannot be used. Its message names the variable, says what is
 * wrong and gives an example, so a person can fix it without reading code.
 */
export class ConfigError extends CoworkError {
  override readonly name: string = 'ConfigError';
  readonly code = 'ERR_COWORK_CONFIG';
  constructor(
    readonly variable: string,
    readonly problem: string,
    readonly example: string,
  ) {
    super(`${variable}: ${problem} (example: ${variable}=${example})`);
  }
}

/**
 * Several configuration errors found in one pass, so a person fixes `.env` once instead of once per
 * start. It is a `ConfigError` (the first one's variable), and `errors` lists them all.
 */
export class ConfigErrors extends ConfigError {
  override readonly name: string = 'ConfigErrors';
  constructor(readonly errors: readonly ConfigError[]) {
    const first = errors[0] ?? new ConfigError('configuration', 'is invalid', '');
    super(first.variable, first.problem, first.example);
    this.message = errors.map((error) => error.message).join('\n');
  }
}

/** Every error of one configuration pass: `attempt` runs a part and keeps going past its error. */
export class ConfigErrorCollector {
  readonly errors: ConfigError[] = [];

  report(error: ConfigError): void {
    this.errors.push(...(error instanceof ConfigErrors ? error.errors : [error]));
  }

  /** `run()`, or `fallback` once its `ConfigError` is recorded (any other error is thrown). */
  attempt<T>(run: () => T, fallback: T): T {
    try {
      return run();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.report(error);
      return fallback;
    }
  }

  /** Throws the one error as it is, or all of them as `ConfigErrors`. */
  throwIfAny(): void {
    if (this.errors.length === 1) throw this.errors[0];
    if (this.errors.length > 1) throw new ConfigErrors(this.errors);
  }
}

/** Environment as read by configuration parsers (never logged: it holds secrets). */
export type Env = Readonly<Record<string, string | undefined>>;
