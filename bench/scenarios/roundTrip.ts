/** Whole customer sessions: at a steady arrival rate (latency) and all at once (throughput). */
import type { ProcessStats } from '../ipc';
import { latencySummary, type LatencySummary } from '../stats';
import { progress, round, sleep } from '../util';
import { economyOf, orgCounters, settledStats, type Economy, type OrgCounters } from './economy';
import { customerSession, type BenchCase, type Context, type SessionResult } from './session';

export interface RoundTripFigures {
  sessions: number;
  /** Arrivals per second offered (steady), or undefined (all at once). */
  offeredRate: number | undefined;
  completed: number;
  failed: number;
  firstError: string | undefined;
  wallMs: number;
  sessionsPerSecond: number;
  submitToThankYou: LatencySummary;
  submitToCaseUpdated: LatencySummary;
  botCpuMs: number;
  botCpuPerSessionMs: number;
  /** CPU of the bench process over the same phase: the simulator, the channel and the customers share the machine with the bot. */
  rigCpuPerSessionMs: number;
  /** REST requests, publishes, deliveries and storage operations per session in this phase. */
  economy: Economy;
}

/** User + system CPU of this process (simulator, channel, customers) so far, in ms. */
export function rigCpuMs(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

function roundTripFigures(
  ctx: Context,
  offeredRate: number | undefined,
  results: SessionResult[],
  wallMs: number,
  before: { bot: ProcessStats; org: OrgCounters; rigCpuMs: number },
  after: ProcessStats,
  settled: ProcessStats,
): RoundTripFigures {
  const ok = results.filter((r) => r.ok);
  const cpu = after.cpuMs - before.bot.cpuMs;
  const rigCpu = rigCpuMs() - before.rigCpuMs;
  return {
    sessions: results.length,
    offeredRate,
    completed: ok.length,
    failed: results.length - ok.length,
    firstError: results.find((r) => !r.ok)?.error,
    wallMs: round(wallMs),
    sessionsPerSecond: round((ok.length / wallMs) * 1000),
    submitToThankYou: latencySummary(ok.map((r) => r.thanksMs ?? 0)),
    submitToCaseUpdated: latencySummary(ok.map((r) => r.caseMs ?? 0)),
    botCpuMs: round(cpu),
    botCpuPerSessionMs: round(cpu / Math.max(1, results.length)),
    rigCpuPerSessionMs: round(rigCpu / Math.max(1, results.length)),
    economy: economyOf(results.length, { before: before.org, after: orgCounters(ctx.sim) }, { before: before.bot, after: settled }),
  };
}

/** Customers arriving at a steady rate: latency at a load the bot can carry. */
export async function steadyRoundTrip(ctx: Context, rate: number): Promise<RoundTripFigures> {
  const { seconds } = ctx.options.steady;
  const total = Math.max(1, Math.round(rate * seconds));
  const cases = ctx.sim.org.createCases(total, { subjectPrefix: 'Bench steady' });
  progress(`round trip, steady: ${total} customers at ${rate}/s`);
  const before = { bot: await settledStats(ctx.bot), org: orgCounters(ctx.sim), rigCpuMs: rigCpuMs() };
  const started = performance.now();
  const runs: Array<Promise<SessionResult>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    runs.push(customerSession(ctx, cases[i] as BenchCase));
  }
  const results = await Promise.all(runs);
  const wallMs = performance.now() - started;
  const after = await ctx.bot.stats();
  return roundTripFigures(ctx, rate, results, wallMs, before, after, await settledStats(ctx.bot));
}

/** N customers at once: sustained whole sessions per second. */
export async function burstRoundTrip(ctx: Context): Promise<RoundTripFigures> {
  const total = ctx.options.burst;
  const cases = ctx.sim.org.createCases(total, { subjectPrefix: 'Bench burst' });
  progress(`round trip, at once: ${total} customers`);
  const before = { bot: await settledStats(ctx.bot), org: orgCounters(ctx.sim), rigCpuMs: rigCpuMs() };
  const started = performance.now();
  const results = await Promise.all(cases.map((c) => customerSession(ctx, c)));
  const wallMs = performance.now() - started;
  const after = await ctx.bot.stats();
  return roundTripFigures(ctx, undefined, results, wallMs, before, after, await settledStats(ctx.bot));
}
