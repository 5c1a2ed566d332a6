/**
 * Shared set-up for the adapter's tests: a simulator on loopback and `connectSalesforce`
 * pointed at it through the same configuration path a real org uses.
 */
import { MemoryStorage } from 'botbuilder';

import { silentLog } from '../../util/log';
import type { KeyValueStorage } from '../../cowork/ports';
import { connectSalesforce, simulatorConfig, type SalesforceConfig, type SalesforceDeps, type SalesforceOrg } from '../../salesforce';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';

export { silentLog };

/** Fast settings for tests: short backoff, no long handler retries. */
export const FAST: Pick<SalesforceDeps, 'retry' | 'tuning'> = {
  retry: { attempts: 4, initialMs: 10, maxMs: 50 },
  tuning: { reconnectBackoff: { initialMs: 20, maxMs: 200 }, watchdogMs: 5_000, closeTimeoutMs: 2_000 },
};

export function startTestSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ host: '127.0.0.1', restPort: 0, pubSubPort: 0, keepaliveIntervalMs: 200, ...options });
}

export async function connect(
  sim: RunningSimulator,
  options: { config?: Partial<SalesforceConfig>; storage?: KeyValueStorage; deps?: Partial<SalesforceDeps> } = {},
): Promise<SalesforceOrg> {
  return connectSalesforce(simulatorConfig(sim, options.config), {
    storage: options.storage ?? new MemoryStorage(),
    log: silentLog,
    ...FAST,
    ...options.deps,
  });
}

/** Polls `condition` every 10 ms until it holds, failing after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Total REST requests the simulator served. */
export function restRequests(sim: RunningSimulator): number {
  return Object.values(sim.org.requestCounts()).reduce((sum, n) => sum + n, 0);
}
