/**
 * Real processes for durability tests: Azurite (the Azure Storage emulator) and the bot itself
 * (`bot/index.ts` run by tsx, exactly as `npm run dev`), so a test can stop one with SIGTERM or
 * SIGKILL and start it again. Loopback only; every wait is bounded.
 */
import { testHost } from './testHost';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
// tsx as a loader in the bot's own process (not its CLI, which runs the script in a child that a
// SIGKILL of the parent would leave running).
const TSX_LOADER = ['--import', 'tsx'];

/**
 * A free port on 127.0.0.1 for a process a test starts, taken from below Linux's ephemeral range
 * (32768-60999): a port the kernel handed out for `listen(0)` and then released can be handed out
 * again to the next `listen(0)` (the simulator's Pub/Sub endpoint, Azurite), so the bot told to use
 * it found it taken (a CI run failed so). Bounded: 200 tries.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1 after 200 tries');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Azurite's command line: blob service on 127.0.0.1, in-memory persistence (nothing on disk) and
 * no telemetry (without `--disableTelemetry` Azurite 3.35 reports to Application Insights).
 */
export function azuriteArgs(port: number): string[] {
  return ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--skipApiVersionCheck', '--silent', '--loose', '--disableTelemetry'];
}

/** Azurite's table service: the same, on its own port (`azurite-table`). */
export function azuriteTableArgs(port: number): string[] {
  return [
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(port),
    '--inMemoryPersistence',
    '--skipApiVersionCheck',
    '--silent',
    '--loose',
    '--disableTelemetry',
  ];
}

export interface Azurite {
  connectionString: string;
  /** The operating system's process id, to check what the process was given. */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Azurite's blob (or table) service on 127.0.0.1 with in-memory persistence (nothing on disk) and no telemetry (nothing leaves the machine). */
export async function startAzurite(service: 'blob' | 'table' = 'blob'): Promise<Azurite> {
  const port = await freePort();
  const main = path.join(path.dirname(require.resolve('azurite/package.json')), `dist/src/${service}/main.js`);
  const child = spawn(process.execPath, [main, ...(service === 'blob' ? azuriteArgs(port) : azuriteTableArgs(port))], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`azurite exited: ${stderr}`);
      return new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
    },
    'azurite to listen',
    20_000,
  );
  const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};${service === 'blob' ? 'BlobEndpoint' : 'TableEndpoint'}=http://127.0.0.1:${port}/devstoreaccount1;`,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

export interface BotProcess {
  url: string;
  output(): string;
  /** Sends a signal and resolves when the process has exited, with how long that took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/** Starts `bot/index.ts` (`bot/agents/start.ts` on the Agents host: COWORK_TEST_HOST) in its own process and resolves once /healthz answers 200. */
export async function startBotProcess(env: Record<string, string>): Promise<BotProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...TSX_LOADER, testHost() === 'agents' ? 'bot/agents/start.ts' : 'bot/index.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DOTENV_CONFIG_PATH: '/nonexistent',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      PUBLIC_URL: 'http://127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the bot exited with ${child.exitCode}: ${output}`);
        try {
          return (await fetch(`${url}/healthz`)).status === 200;
        } catch {
          return false;
        }
      },
      'the bot to be healthy',
      30_000,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    output: () => output,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      const started = Date.now();
      child.kill(signal);
      const result = await exited(child);
      return { ...result, ms: Date.now() - started };
    },
  };
}
