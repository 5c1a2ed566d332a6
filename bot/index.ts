/**
 * Composition root for `npm start`: configuration → logger → the bot. Wiring only.
 */
import 'dotenv/config';
import { ConfigError } from '../util/configError';
import { startBot } from './app';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { startupBanner } from './banner';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, { isTty: process.stdout.isTTY === true });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`cowork-bot: configuration error: ${err.message}\nSee .env.example and the README's configuration table.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger(config.log);
  const bot = await startBot({ config, log });
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

main().catch((err: unknown) => {
  process.stderr.write(`cowork-bot failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
