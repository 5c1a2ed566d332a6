/**
 * `npm run playground`: Microsoft 365 Agents Playground pointed at the bot, with the same `.env` as
 * the bot (its PORT), telemetry off. PLAYGROUND_CHANNEL (msteams, webchat, emulator, directline)
 * and PLAYGROUND_PORT (56150) pick its look and its own port; PLAYGROUND_BROWSER=none keeps it from
 * opening a browser. Extra arguments go to agentsplayground.
 */
import 'dotenv/config';
import { spawn } from 'node:child_process';
import path from 'node:path';

/** The folder of the stand-in `xdg-open` (see scripts/no-browser/xdg-open). */
export const NO_BROWSER_DIR = path.join(__dirname, 'no-browser');

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

/**
 * The Playground's environment. `--dt` turns its telemetry off, not its Application Insights SDK's
 * "statsbeat", which looks up an Azure host and the Azure metadata address:
 * APPLICATION_INSIGHTS_NO_STATSBEAT does. On Linux the stand-in xdg-open goes first on PATH: without
 * a desktop opener the Playground exits right after it starts listening.
 */
export function playgroundEnv(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const withoutStatsbeat = { ...env, APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' };
  if (platform !== 'linux') return withoutStatsbeat;
  return { ...withoutStatsbeat, PATH: [NO_BROWSER_DIR, env.PATH].filter(Boolean).join(path.delimiter) };
}

/** The page's address, from the Playground's "Listening on <port>" (it takes a random port if its own is taken). */
export function pageAddress(output: string): string | undefined {
  const port = /Listening on (\d+)/.exec(output)?.[1];
  return port ? `http://localhost:${port}` : undefined;
}

if (require.main === module) {
  const bin = path.join(__dirname, '..', 'node_modules', '.bin', 'agentsplayground');
  const args = playgroundArgs(process.env, process.argv.slice(2));
  process.stderr.write(`agentsplayground --dt ${args.join(' ')}\n`);
  const child = spawn(bin, ['--dt', ...args], { stdio: ['inherit', 'pipe', 'inherit'], env: playgroundEnv(process.env) });
  let told = false;
  let seen = '';
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (told) return;
    seen = (seen + chunk.toString()).slice(-200);
    const address = pageAddress(seen);
    if (!address) return;
    told = true;
    process.stdout.write(`Agents Playground is ready: open ${address} in a browser\n`);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
