/**
 * `npm run simulator`: the org on fixed ports (REST 8443, Pub/Sub 7443; override with
 * SIMULATOR_REST_PORT / SIMULATOR_PUBSUB_PORT), printing how to connect and writing the
 * same to `.simulator/connection.json` for the bot and tools. Stops on SIGINT/SIGTERM.
 * SIMULATOR_KEEPALIVE_SECONDS (default 5; a real org: up to 270), SIMULATOR_IDLE_CLOSE_SECONDS
 * (default 60) and SIMULATOR_DELIVERY_ALLOCATION (default 50000 a day) tune the event stream.
 * SIMULATOR_MESSAGING=off: an org without Messaging (see envOptions.ts).
 */
import { errorMessage } from '../util/errors';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { ConfigError } from '../util/configError';
import { simulatorEnvOptions } from './envOptions';
import { DEFAULT_DATA_DIR, startSimulator } from './index';
import { SIMULATOR_VARIABLES as V } from './variables';

function port(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new ConfigError(variable, `"${raw}" is not a TCP port (1-65535)`, String(fallback));
  return value;
}

function whole(variable: string, fallback: number, min: number, max: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(variable, `"${raw}" is not a whole number from ${min} to ${max}`, String(fallback));
  return value;
}

async function main(): Promise<void> {
  const log = pino({ name: 'simulator' });
  const simulator = await startSimulator({
    restPort: port(V.restPort, 8443),
    pubSubPort: port(V.pubSubPort, 7443),
    keepaliveIntervalMs: whole(V.keepaliveSeconds, 5, 1, 270) * 1000,
    idleStreamTimeoutMs: whole(V.idleCloseSeconds, 60, 1, 600) * 1000,
    deliveryAllocationPerDay: whole(V.deliveryAllocation, 50_000, 0, 1_000_000_000),
    ...simulatorEnvOptions(process.env),
    log,
  });
  const connection = {
    loginUrl: simulator.loginUrl,
    instanceUrl: simulator.instanceUrl,
    clientId: simulator.clientId,
    clientSecret: simulator.clientSecret,
    pubSubEndpoint: simulator.pubSubEndpoint,
    caCertFile: simulator.caCertFile,
  };
  const connectionFile = path.join(DEFAULT_DATA_DIR, 'connection.json');
  writeFileSync(connectionFile, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
  // Printed for a developer at a terminal (a local, throwaway org): not logged through pino.
  const lines = [
    'Salesforce org simulator running',
    `  login URL / instance URL : ${simulator.loginUrl}`,
    `  client id                : ${simulator.clientId}`,
    `  client secret            : ${simulator.clientSecret}`,
    `  username / password      : ${simulator.username} / ${simulator.password}`,
    `  Pub/Sub endpoint         : ${simulator.pubSubEndpoint}`,
    `  CA certificate           : ${simulator.caCertFile}`,
    `  connection file          : ${connectionFile}`,
    `  org id / user id         : ${simulator.orgId} / ${simulator.userId}`,
    '  seed Cases:',
    ...simulator.seed.cases.map(
      (c) => `    ${c.caseNumber}  ${c.id}  ${c.chatSession ? `${c.chatSession.objectType} ${c.chatSession.id}` : 'no chat (Messaging off)'}  "${c.subject}"`,
    ),
    '  fault injection          : ' + `${simulator.loginUrl}/__simulator/ (see docs/SIMULATOR.md)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const shutdown = (signal: string): void => {
    log.info({ signal }, 'stopping simulator');
    simulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'simulator did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
});
