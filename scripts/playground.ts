/**
 * `npm run playground`: Microsoft 365 Agents Playground pointed at the bot, with the same `.env` as
 * the bot (its PORT), telemetry off. PLAYGROUND_CHANNEL (msteams, webchat, emulator, directline)
 * and PLAYGROUND_PORT (56150) pick its look and its own port. Extra arguments go to agentsplayground.
 */
import 'dotenv/config';
import { spawn } from 'node:child_process';
import path from 'node:path';

export function playgroundArgs(env: NodeJS.ProcessEnv, extra: readonly string[] = []): string[] {
  const port = env.PORT?.trim() || '3978';
  return [
    '-e',
    `http://127.0.0.1:${port}/api/messages`,
    '-c',
    env.PLAYGROUND_CHANNEL?.trim() || 'msteams',
    '-p',
    env.PLAYGROUND_PORT?.trim() || '56150',
    ...extra,
  ];
}

if (require.main === module) {
  const bin = path.join(__dirname, '..', 'node_modules', '.bin', 'agentsplayground');
  const args = playgroundArgs(process.env, process.argv.slice(2));
  process.stderr.write(`agentsplayground --dt ${args.join(' ')}\n`);
  // --dt: telemetry off, always. It does not stop its Application Insights SDK's "statsbeat", which
  // looks up an Azure host and the Azure metadata address: APPLICATION_INSIGHTS_NO_STATSBEAT does.
  const child = spawn(bin, ['--dt', ...args], { stdio: 'inherit', env: { ...process.env, APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' } });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
