/**
 * What the tests of durable storage with real processes run against, started once per test file:
 * the simulator (keepalives every 500 ms), Azurite's blob and table services and the test channel;
 * and the bot processes a test starts, on blob or table storage, killed at the end if still running.
 * `durableStorage()` registers the file's beforeAll and afterAll.
 */
import { simulatorEnv } from '../../salesforce';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { EmulatorChannel } from './emulatorChannel';
import { startAzurite, startBotProcess, type Azurite, type BotProcess } from './processes';

export type DurableKind = 'blob' | 'table';

export interface DurableStorage {
  readonly sim: RunningSimulator;
  readonly blob: Azurite;
  readonly table: Azurite;
  readonly channel: EmulatorChannel;
  /**
   * A bot's environment: the simulator as a real org (so the dev command on), `kind` storage in the
   * container `container` (a table of the same name without its dashes), an effects lease of 2 s and
   * no republish within a test (what completes a session after a restart is its own event, replayed).
   */
  botEnv(kind: DurableKind, container: string, extra?: Record<string, string>): Record<string, string>;
  /** Starts a bot process; it is killed at the end of the file unless stopped. */
  startBot(env: Record<string, string>): Promise<BotProcess>;
  stopBot(bot: BotProcess, signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/** The table that goes with a container name (Azure table names have no dashes). */
export function tableName(container: string): string {
  return container.replace(/-/g, 'x');
}

export function durableStorage(): DurableStorage {
  let started: { sim: RunningSimulator; blob: Azurite; table: Azurite; channel: EmulatorChannel } | undefined;
  const running = new Set<BotProcess>();
  const get = () => {
    if (!started) throw new Error('the durable storage rig starts in beforeAll');
    return started;
  };

  beforeAll(async () => {
    const [sim, blob, table, channel] = await Promise.all([
      startSimulator({ keepaliveIntervalMs: 500 }),
      startAzurite('blob'),
      startAzurite('table'),
      EmulatorChannel.start(),
    ]);
    started = { sim, blob, table, channel };
  });

  afterAll(async () => {
    await Promise.all([...running].map((bot) => bot.stop('SIGKILL')));
    await started?.channel.stop();
    await started?.sim.stop();
    await Promise.all([started?.blob.stop(), started?.table.stop()]);
  });

  return {
    get sim() {
      return get().sim;
    },
    get blob() {
      return get().blob;
    },
    get table() {
      return get().table;
    },
    get channel() {
      return get().channel;
    },
    botEnv(kind, container, extra = {}) {
      const { sim, blob, table } = get();
      return {
        ...simulatorEnv(sim),
        COWORK_DEV_COMMANDS: 'true',
        ...(kind === 'blob'
          ? { STORAGE: 'blob', AZURE_STORAGE_CONNECTION_STRING: blob.connectionString, AZURE_STORAGE_CONTAINER: container }
          : { STORAGE: 'table', AZURE_TABLES_CONNECTION_STRING: table.connectionString, AZURE_TABLES_TABLE: tableName(container) }),
        COWORK_EFFECTS_LEASE_SECONDS: '2',
        COWORK_EVENT_TIMEOUT_SECONDS: '3600',
        ...extra,
      };
    },
    async startBot(env) {
      const bot = await startBotProcess(env);
      running.add(bot);
      return bot;
    },
    async stopBot(bot, signal = 'SIGTERM') {
      const result = await bot.stop(signal);
      running.delete(bot);
      return result;
    },
  };
}
