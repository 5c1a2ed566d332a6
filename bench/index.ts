/**
 * `npm run bench`: end-to-end co-work throughput and latency, pending-session scale, and the
 * one-stream-per-session baseline, everything on loopback. It reports; it does not assert.
 *
 *   bench process: the simulator (REST + Pub/Sub over TLS), the Emulator-like channel, the
 *                  customers, the Case-updated observer (scenarios/session.ts)
 *   bot process:   the real bot on each host of --host (botbuilder: restify + CloudAdapter; agents:
 *                  the Microsoft 365 Agents SDK's AgentApplication), Salesforce adapter, see botProcess.ts
 *   floor bots:    each host's own SDK's bare turn on the same edge, see (agents)floorBotProcess.ts
 *   baseline:      one Pub/Sub client per waiting session, see baselineProcess.ts
 *
 * Scenarios are in scenarios/, the table and ratios in report.ts. Progress goes to stderr; the
 * table (or `--json`) to stdout. See docs/BENCHMARKS.md.
 */
import 'dotenv/config';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator } from '../simulator';
import { simulatorEnv } from '../salesforce';
import { BenchChannel } from './channel';
import { Child } from './child';
import { parseOptions, USAGE, type BenchHost, type BenchStorage } from './options';
import { startAzurite, type Azurite } from '../test/harness/processes';
import { economyReport, floorRatios, hostFigures, ratiosOf, renderTable, storeFigures, type HostFigures, type StoreFigures } from './report';
import { renderVerdicts, verdicts } from './verdicts';
import { baseline } from './scenarios/baseline';
import { floor, type FloorFigures } from './scenarios/floor';
import { instancesOverAzurite } from './scenarios/instances';
import { pendingScale } from './scenarios/pending';
import { economyOf, orgCounters, settledStats } from './scenarios/economy';
import { burstRoundTrip, steadyRoundTrip } from './scenarios/roundTrip';
import { CaseUpdates, customerSession, TOPIC, type Context } from './scenarios/session';
import { progress, round, until } from './util';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  progress(`hosts: ${options.hosts.join(', ')}; storage: ${options.storages.join(', ')}`);
  progress(
    `sizes: steady ${options.steady.rate === undefined ? 'half the at-once rate' : `${options.steady.rate}/s`} for ${options.steady.seconds} s, ${options.burst} at once, ${options.pending.sessions} pending, baseline up to ${options.baseline.sizes.join('/')}`,
  );
  // Throughput is measured, not the org's allocations (daily API requests, event deliveries).
  const sim = await startSimulator({
    host: '127.0.0.1',
    seed: false,
    dailyApiRequests: Number.MAX_SAFE_INTEGER,
    deliveryAllocationPerDay: Number.MAX_SAFE_INTEGER,
  });
  const channel = await BenchChannel.start();
  const cases = new CaseUpdates(sim);
  const baseEnv = { ...simulatorEnv(sim), SF_EVENT_TOPIC: TOPIC };
  const env = baseEnv;
  let bot: Child | undefined;
  const azurites: Azurite[] = [];
  try {
    /** The bot on one host and store, with the round trips (warm-up, at once, steady) and their economy. */
    const runOn = async (host: BenchHost, storage: BenchStorage, profArgs: string[]) => {
      let storageEnv: Record<string, string> = {};
      if (storage !== 'memory') {
        // Azurite's blob or table service, loopback, in memory, telemetry off (the tests' harness).
        const azurite = await startAzurite(storage);
        azurites.push(azurite);
        storageEnv =
          storage === 'blob'
            ? { STORAGE: 'blob', AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: 'bench' }
            : { STORAGE: 'table', AZURE_TABLES_CONNECTION_STRING: azurite.connectionString, AZURE_TABLES_TABLE: 'bench' };
      }
      const started = await Child.start(`${host} bot`, 'botProcess.ts', { ...baseEnv, ...storageEnv, BENCH_HOST: host }, options.maxOldSpaceMb, profArgs);
      bot = started.child;
      if (!started.url) throw new Error('the bot did not report its URL');
      const botUrl = started.url;
      if (!(await until(() => sim.org.openStreamCount() >= 1, 30_000))) throw new Error('the bot did not open its Pub/Sub stream within 30 s');
      progress(`${host} bot pid ${bot.pid} at ${botUrl} on ${storage} storage; simulator at ${sim.loginUrl}, Pub/Sub ${sim.pubSubEndpoint}`);
      const ctx: Context = { sim, channel, bot, botUrl, cases, options };
      // A short warm-up so JIT and connection set-up do not count against the first customers.
      await Promise.all(sim.org.createCases(options.warmup, { subjectPrefix: 'Bench warm-up' }).map((c) => customerSession(ctx, c)));
      const economyBefore = { bot: await settledStats(bot), org: orgCounters(sim) };
      // At once first: the steady phase runs, unless --rate says otherwise, at half the throughput measured here.
      const burst = await burstRoundTrip(ctx);
      progress(`  ${burst.completed}/${burst.sessions} done in ${(burst.wallMs / 1000).toFixed(1)} s: ${burst.sessionsPerSecond} sessions/s`);
      const steady = await steadyRoundTrip(ctx, options.steady.rate ?? Math.max(1, Math.round(burst.sessionsPerSecond / 2)));
      progress(
        `  ${steady.completed}/${steady.sessions} done; submit→thank-you p50 ${steady.submitToThankYou.p50Ms} ms, p99 ${steady.submitToThankYou.p99Ms} ms`,
      );
      const economy = economyOf(
        burst.sessions + steady.sessions,
        { before: economyBefore.org, after: orgCounters(sim) },
        { before: economyBefore.bot, after: await settledStats(bot) },
      );
      // The bot's totals after the round trips (before the pending phase), comparable between hosts.
      const botFinal = await bot.stats();
      return { ctx, bot, burst, steady, economy, botFinal };
    };
    const [mainStorage = 'memory', ...otherStorages] = options.storages;
    const [mainHost = 'botbuilder', ...otherHosts] = options.hosts;
    /** --bot-cpu-prof: the first host's profiles in DIR (its floor's in DIR/floor), another host's in DIR/HOST. */
    const profileDir = (host: BenchHost): string | undefined =>
      options.botCpuProf === undefined ? undefined : host === mainHost ? path.resolve(options.botCpuProf) : path.resolve(options.botCpuProf, host);
    const profArgs = (host: BenchHost): string[] => {
      const dir = profileDir(host);
      return dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
    };
    const first = await runOn(mainHost, mainStorage, profArgs(mainHost));
    const { ctx, burst, steady } = first;
    const roundTripEconomy = first.economy;
    const pending = options.pending.sessions > 0 ? await pendingScale(ctx) : undefined;
    const botFinal = await first.bot.stats();
    await first.bot.stop();
    bot = undefined;
    // The other stores: the same round trips on the first host, each on a bot of its own, in the same run.
    const stores: StoreFigures[] = [storeFigures(mainStorage, first)];
    for (const storage of otherStorages) {
      const other = await runOn(mainHost, storage, []);
      await other.bot.stop();
      bot = undefined;
      stores.push(storeFigures(storage, other));
    }
    // The other hosts: the same round trips on the first store, each on a bot of its own.
    const hostRuns: Array<{ host: BenchHost; run: Awaited<ReturnType<typeof runOn>> }> = [{ host: mainHost, run: first }];
    for (const host of otherHosts) {
      const other = await runOn(host, mainStorage, profArgs(host));
      await other.bot.stop();
      bot = undefined;
      hostRuns.push({ host, run: other });
    }
    const base = options.baseline.sizes.length > 0 ? await baseline(sim, options) : undefined;
    // Each host against its own SDK's bare turn.
    const floors = new Map<BenchHost, FloorFigures>();
    if (options.floorTurns > 0) {
      for (const { host } of hostRuns) {
        const dir = profileDir(host);
        floors.set(host, await floor(channel, options, host, dir === undefined ? undefined : path.join(dir, 'floor')));
      }
    }
    const floorFigures = floors.get(mainHost);
    const hosts: Record<string, HostFigures> = {};
    for (const { host, run } of hostRuns) hosts[host] = hostFigures(host, mainStorage, run, floors.get(host));
    const instances = options.azuriteSessions > 0 ? await instancesOverAzurite(sim, channel, cases, { ...env, BENCH_HOST: mainHost }, options) : undefined;

    const report = {
      node: process.version,
      cpu: `${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}`,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      memoryTotalBytes: os.totalmem(),
      date: new Date().toISOString(),
      sizes: {
        steadyRate: steady.offeredRate,
        steadySeconds: options.steady.seconds,
        burst: options.burst,
        pending: options.pending.sessions,
        pendingConcurrency: options.pending.concurrency,
        eventBurst: options.pending.eventBurst,
        baselineSizes: options.baseline.sizes,
        baselineEvents: options.baseline.events,
        quick: options.quick,
        medium: options.medium,
      },
      roundTrip: {
        sessionsPerSecond: burst.sessionsPerSecond,
        p50Ms: steady.submitToThankYou.p50Ms,
        p90Ms: steady.submitToThankYou.p90Ms,
        p99Ms: steady.submitToThankYou.p99Ms,
        maxMs: steady.submitToThankYou.maxMs,
        completed: steady.completed + burst.completed,
        failed: steady.failed + burst.failed,
        steady,
        burst,
        botCpuMs: round(botFinal.cpuMs),
        botPeakRssBytes: botFinal.peakRssBytes,
      },
      pending,
      baseline: base,
      floor: floorFigures,
      instances,
      storage: mainStorage,
      stores,
      host: mainHost,
      hosts,
      economy: economyReport(roundTripEconomy, pending, base),
      ratios: { ...floorRatios(steady, burst, floorFigures), ...ratiosOf(pending, base) },
    };
    const judged = verdicts(report);
    const json = JSON.stringify({ ...report, verdicts: judged }, null, 2);
    if (options.out) writeFileSync(path.resolve(options.out), `${json}\n`);
    process.stdout.write(options.json ? `${json}\n` : `${renderTable(report)}${renderVerdicts(judged)}`);
    const missed = judged.filter((v) => !v.met);
    if (options.check && missed.length > 0) {
      process.stderr.write(
        `[bench] --check: ${missed.length} target(s) missed: ${missed.map((v) => `${v.figure} ${v.value} (target ${v.target})`).join('; ')}\n`,
      );
      process.exitCode = 2;
    }
  } finally {
    await (bot as Child | undefined)?.stop().catch(() => undefined);
    await Promise.all(azurites.map((azurite) => azurite.stop()));
    cases.stop();
    await channel.stop();
    await sim.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
