/**
 * The process around a host: configuration → logger → the bot (botbuilder's for `npm start`, the
 * Agents SDK's for `npm run start:agents`) → the banner → a graceful stop on SIGTERM / SIGINT.
 */
import 'dotenv/config';
import { ConfigError, ConfigErrors } from '../util/configError';
import type { RunningBot, StartBotOptions } from './startBot';
import { loadConfig } from './config/config';
import { createLogger } from './logger';
import { startupBanner } from './edge/banner';
import { describeUnknown, unknownVariables } from './config/unknownVariables';
import { variablesHelp } from './config/variableDocs';
import { errorMessage } from '../util/errors';

const SHUTDOWN_GRACE_MS = 10_000;

/** Runs the bot `start` starts, as a process: exits 78 on a configuration error, 1 when it cannot start. */
export function runBot(start: (options: Pick<StartBotOptions, 'config' | 'log'>) => Promise<RunningBot>): void {
  main(start).catch((err: unknown) => {
    process.stderr.write(`cowork-bot failed to start: ${errorMessage(err)}\n`);
    process.exit(1);
  });
}

async function main(start: (options: Pick<StartBotOptions, 'config' | 'log'>) => Promise<RunningBot>): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(variablesHelp());
    return;
  }
  let config;
  try {
    config = loadConfig(process.env, { isTty: process.stdout.isTTY === true });
  } catch (err) {
    if (err instanceof ConfigError) {
      const errors = err instanceof ConfigErrors ? err.errors : [err];
      const lines = errors.map((error) => `cowork-bot: configuration error: ${error.message}`).join('\n');
      process.stderr.write(`${lines}\nSee .env.example and the README's configuration table.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger(config.log);
  // A misspelt variable would otherwise be ignored without a word.
  for (const unknown of unknownVariables(process.env)) log.warn({ variable: unknown.name, closest: unknown.closest }, describeUnknown(unknown));
  let bot;
  try {
    bot = await start({ config, log });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(
        `cowork-bot failed to start: port ${config.port} on ${config.host} is already in use (another cowork-bot?): stop it, or set PORT to a free port (example: PORT=3979)\n`,
      );
      process.exit(1);
    }
    throw err;
  }
  process.stdout.write(startupBanner(config, bot));
  log.info({ url: bot.url, salesforce: bot.simulator ? 'simulator' : 'org' }, 'cowork-bot started');

  const shutdown = (signal: string): void => {
    log.info({ signal }, 'shutting down: finishing turns in flight');
    const force = setTimeout(() => {
      log.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    bot.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
