/**
 * The panel tests' setup: bot instances over one storage and one simulated org, the test channel,
 * and a real Pub/Sub client standing in for the coworkPanel (panel.ts), started in the file's
 * beforeAll and stopped in its afterAll (`panelInstances()` registers both).
 */
import { MemoryStorage, type Storage } from 'botbuilder';
import { startBot, type RunningBot } from '../../bot/startBot';
import { loadConfig } from '../../bot/config/config';
import { simulatorEnv } from '../../salesforce';
import { startSimulator, type RunningSimulator } from '../../simulator';
import type { Log } from '../../util/log';
import { EmulatorChannel } from './emulatorChannel';
import { closePanel, openPanel, type Panel } from './panel';
import { RecordingLog } from './recordingLog';

export interface PanelInstances {
  readonly simulator: RunningSimulator;
  readonly channel: EmulatorChannel;
  readonly panel: Panel;
  readonly storage: Storage;
  /** The instances running now (a test may stop some and start others: all are stopped at the end). */
  readonly running: RunningBot[];
  /** Starts one more instance on the same storage and org, with `env` added to the simulator's variables and the dev command. */
  start(env?: Record<string, string>, log?: Log): Promise<RunningBot>;
}

/**
 * `instances`: the extra variables of each instance started before the tests (one entry per
 * instance); `deadlineIntervalMs`: how often their timed work runs; `storage`: the one they share (MemoryStorage by default).
 */
export function panelInstances(
  instances: ReadonlyArray<Record<string, string>>,
  options: { deadlineIntervalMs?: number; storage?: Storage } = {},
): PanelInstances {
  const storage = options.storage ?? new MemoryStorage();
  const running: RunningBot[] = [];
  let simulator: RunningSimulator | undefined;
  let channel: EmulatorChannel | undefined;
  let panel: Panel | undefined;
  const required = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the panel instances start in beforeAll');
    return value;
  };
  const start = (env: Record<string, string> = {}, log: Log = new RecordingLog()): Promise<RunningBot> => {
    const org = required(simulator);
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...simulatorEnv(org), COWORK_DEV_COMMANDS: 'true', ...env });
    return startBot({ config: { ...config, publicUrl: 'http://127.0.0.1' }, log, storage, deadlineIntervalMs: options.deadlineIntervalMs });
  };

  beforeAll(async () => {
    simulator = await startSimulator({ keepaliveIntervalMs: 500 });
    channel = await EmulatorChannel.start();
    for (const env of instances) running.push(await start(env));
    panel = await openPanel(simulator);
  });
  afterAll(async () => {
    await closePanel(simulator, panel);
    await Promise.all(running.map((bot) => bot.stop()));
    await channel?.stop();
    await simulator?.stop();
  });

  return {
    get simulator() {
      return required(simulator);
    },
    get channel() {
      return required(channel);
    },
    get panel() {
      return required(panel);
    },
    storage,
    running,
    start,
  };
}
