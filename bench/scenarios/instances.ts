/**
 * One bot instance against two over shared Azure Blob Storage (Azurite on loopback), in the same
 * run: whole sessions at once, spread over the instances, with the counted storage requests.
 * Both instances subscribe to the topic (one stream each) and race for each event's claim.
 */
import { startAzurite } from '../../test/harness/processes';
import type { RunningSimulator } from '../../simulator';
import type { BenchChannel } from '../channel';
import { Child } from '../child';
import type { ProcessStats } from '../ipc';
import type { BenchOptions } from '../options';
import { progress, round, until } from '../util';
import { economyOf, orgCounters, settledStats, type Economy } from './economy';
import { customerSession, type CaseUpdates } from './session';

export interface InstancesStep {
  instances: number;
  sessions: number;
  completed: number;
  failed: number;
  firstError: string | undefined;
  sessionsPerSecond: number;
  /** Bot CPU of all instances together, per session. */
  botCpuPerSessionMs: number;
  economy: Economy;
}

export interface InstancesFigures {
  steps: InstancesStep[];
  /** Sessions/s of two instances over one. */
  twoToOne: number | null;
}

export async function instancesOverAzurite(
  sim: RunningSimulator,
  channel: BenchChannel,
  cases: CaseUpdates,
  env: Record<string, string>,
  options: BenchOptions,
): Promise<InstancesFigures> {
  const azurite = await startAzurite();
  const steps: InstancesStep[] = [];
  try {
    for (const instances of [1, 2]) {
      progress(`instances over Azurite: ${instances}, ${options.azuriteSessions} customers at once`);
      const streamsBefore = sim.org.openStreamCount();
      const blobEnv = {
        ...env,
        STORAGE: 'blob',
        AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
        AZURE_STORAGE_CONTAINER: `bench-instances-${instances}`,
      };
      const bots = await Promise.all(
        Array.from({ length: instances }, (_, i) => Child.start(`bot ${i + 1} of ${instances}`, 'botProcess.ts', blobEnv, options.maxOldSpaceMb)),
      );
      try {
        const urls = bots.map((b) => b.url ?? '');
        if (!(await until(() => sim.org.openStreamCount() >= streamsBefore + instances, 30_000))) throw new Error('the instances did not open their streams');
        const ctx = (i: number) => ({ channel, cases, options, botUrl: urls[i % instances] as string });
        // Warm-up: connections, JIT, the container and the in-flight shards.
        await Promise.all(sim.org.createCases(20 * instances, { subjectPrefix: 'Bench instances warm-up' }).map((c, i) => customerSession(ctx(i), c)));
        const kases = sim.org.createCases(options.azuriteSessions, { subjectPrefix: `Bench ${instances} instances` });
        const before: ProcessStats[] = await Promise.all(bots.map((b) => settledStats(b.child)));
        const orgBefore = orgCounters(sim);
        const started = performance.now();
        const results = await Promise.all(kases.map((c, i) => customerSession(ctx(i), c)));
        const wallMs = performance.now() - started;
        const after: ProcessStats[] = await Promise.all(bots.map((b) => settledStats(b.child)));
        const ok = results.filter((r) => r.ok).length;
        const sum = (stats: ProcessStats[]): ProcessStats =>
          stats.reduce((a, b) => ({ ...a, cpuMs: a.cpuMs + b.cpuMs, storageOps: addCounts(a.storageOps, b.storageOps) }));
        steps.push({
          instances,
          sessions: results.length,
          completed: ok,
          failed: results.length - ok,
          firstError: results.find((r) => !r.ok)?.error,
          sessionsPerSecond: round((ok / wallMs) * 1000),
          botCpuPerSessionMs: round((sum(after).cpuMs - sum(before).cpuMs) / Math.max(1, results.length)),
          economy: economyOf(results.length, { before: orgBefore, after: orgCounters(sim) }, { before: sum(before), after: sum(after) }),
        });
        progress(`  ${ok}/${results.length} done: ${steps[steps.length - 1]?.sessionsPerSecond} sessions/s`);
      } finally {
        await Promise.all(bots.map((b) => b.child.stop(10_000)));
      }
    }
  } finally {
    await azurite.stop();
  }
  const [one, two] = steps;
  return { steps, twoToOne: one && two && one.sessionsPerSecond > 0 ? round(two.sessionsPerSecond / one.sessionsPerSecond) : null };
}

function addCounts(a: ProcessStats['storageOps'], b: ProcessStats['storageOps']): ProcessStats['storageOps'] {
  const byKind = { ...a.byKind };
  for (const [k, n] of Object.entries(b.byKind)) byKind[k] = (byKind[k] ?? 0) + n;
  return { reads: a.reads + b.reads, writes: a.writes + b.writes, deletes: a.deletes + b.deletes, calls: a.calls + b.calls, byKind };
}
