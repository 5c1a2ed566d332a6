/**
 * The project's own commands as a person runs them (`npm start`, `npm run playground`,
 * `npm run azurite`): npm in its own process group, so stopping it stops what it started.
 * Loopback only; every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export interface NpmProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once `text` appears in it; rejects if the process exits first or after `timeoutMs`. */
  waitFor(text: string | RegExp, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code (the process ends on its own). */
  exited(timeoutMs: number): Promise<number | null>;
  stop(): Promise<void>;
}

/** `npm <args>` from the project root (or `cwd`, a copy of it), with only the given environment (a developer's `.env` left out). */
export function npm(args: readonly string[], env: Record<string, string>, cwd: string = ROOT): NpmProcess {
  const child = spawn('npm', [...args], {
    cwd,
    detached: true,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      // The developer's .env is not the test's: dotenv reads this path instead.
      DOTENV_CONFIG_PATH: '/nonexistent',
      ...(process.env.CI ? { CI: process.env.CI } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let ended = false;
  void done.then(() => (ended = true));

  const matches = (text: string | RegExp): boolean => (typeof text === 'string' ? output.includes(text) : text.test(output));
  return {
    child,
    output: () => output,
    waitFor: (text, timeoutMs) =>
      new Promise<string>((resolve, reject) => {
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(output);
        };
        const check = (): void => {
          if (matches(text)) finish();
        };
        const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${String(text)} in:\n${output}`)), timeoutMs);
        listeners.add(check);
        void done.then((code) => {
          if (!matches(text)) finish(new Error(`npm ${args.join(' ')} exited with ${code} before ${String(text)}:\n${output}`));
        });
        check();
      }),
    exited: (timeoutMs) =>
      Promise.race([
        done,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`npm ${args.join(' ')} still running after ${timeoutMs} ms:\n${output}`)), timeoutMs).unref(),
        ),
      ]),
    stop: async () => {
      if (ended || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** The local address (`127.0.0.1`, `0.0.0.0`, …) a TCP port listens on, read from /proc (no traffic); undefined elsewhere. */
export function listeningAddress(port: number, readFile: (file: string) => string): string | undefined {
  let table: string;
  try {
    table = readFile('/proc/net/tcp');
  } catch {
    return undefined;
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of table.split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (state !== '0A' || !local?.endsWith(`:${hexPort}`)) continue; // 0A: LISTEN
    const hex = local.split(':')[0] ?? '';
    return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  }
  return undefined;
}
