/**
 * A benchmark child process (the bot, or the baseline subscribers) run with tsx, `--expose-gc`
 * (heap figures are taken after a full GC) and a large heap, talked to over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { FromChild, ProcessStats, ToChild } from './ipc';

type Reply = Exclude<FromChild, { type: 'ready' } | { type: 'fatal' }>;
type Request = ToChild extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

export class Child {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: Reply) => void; reject: (e: Error) => void }>();
  private exitInfo: string | undefined;

  private constructor(
    readonly name: string,
    private readonly process: ChildProcess,
  ) {
    process.on('message', (message: FromChild) => {
      if (message.type === 'ready' || message.type === 'fatal') return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      waiter?.resolve(message);
    });
    process.on('exit', (code, signal) => {
      this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${name} ${this.exitInfo}`));
      this.pending.clear();
    });
  }

  /** Starts `script` (relative to bench/) and waits for its `ready` message. */
  static start(
    name: string,
    script: string,
    env: Record<string, string>,
    maxOldSpaceMb: number,
    extraArgs: string[] = [],
    timeoutMs = 60_000,
  ): Promise<{ child: Child; url: string | undefined }> {
    const proc = fork(path.join(__dirname, script), [], {
      execArgv: ['--import', 'tsx', '--expose-gc', `--max-old-space-size=${maxOldSpaceMb}`, ...extraArgs],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child = new Child(name, proc);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms`)), timeoutMs);
      proc.on('message', (message: FromChild) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve({ child, url: message.url });
        } else if (message.type === 'fatal') {
          clearTimeout(timer);
          reject(new Error(`${name} failed to start: ${message.error}`));
        }
      });
      proc.on('exit', () => {
        clearTimeout(timer);
        reject(new Error(`${name} ${child.exitInfo ?? 'exited'} before it was ready`));
      });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Why the process ended, or undefined while it runs. */
  get exited(): string | undefined {
    return this.exitInfo;
  }

  request(message: Request, timeoutMs = 600_000): Promise<Reply> {
    if (this.exitInfo) return Promise.reject(new Error(`${this.name} ${this.exitInfo}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name} did not answer ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.process.send({ ...message, id } as ToChild);
    });
  }

  /** The child's figures; `light` skips the full GC and the Storage walk (for polling while it works). */
  async stats(light = false): Promise<ProcessStats> {
    const reply = await this.request({ type: 'stats', light });
    if (reply.type !== 'stats') throw new Error(`${this.name}: unexpected ${reply.type}`);
    return reply.stats;
  }

  /** Asks the child to stop; kills it (by its own pid) if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.exitInfo) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    await this.request({ type: 'stop' }, timeoutMs).catch(() => undefined);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
