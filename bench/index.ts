/**
 * `npm run bench`: end-to-end co-work throughput and latency, pending-session scale, and the
 * one-stream-per-session baseline, everything on loopback. It reports; it does not assert.
 *
 *   bench process: the simulator (REST + Pub/Sub over TLS), the Emulator-like channel, the
 *                  customers, the Case-updated hook
 *   bot process:   the real bot (restify + CloudAdapter + Salesforce adapter), see botProcess.ts
 *   baseline:      one Pub/Sub client per waiting session, see baselineProcess.ts
 *
 * Progress goes to stderr; the table (or `--json`) to stdout. See docs/BENCHMARKS.md.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalizeId } from '../cowork/salesforceId';
import { startSimulator, type RunningSimulator } from '../simulator';
import { simulatorEnv } from '../salesforce';
import { BenchChannel } from './channel';
import { Child } from './child';
import type { ProcessStats } from './ipc';
import { parseOptions, USAGE, type BenchOptions } from './options';
import { latencySummary, type LatencySummary } from './stats';

const EVENT = 'Use_of_Funds__e';
const TOPIC = `/event/${EVENT}`;
const ANSWER = 'Renovation Work';

const progress = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds or `timeoutMs` passes; says which. */
async function until(condition: () => boolean, timeoutMs: number, every = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(every);
  }
  return true;
}

/** Runs `work` over `items` with at most `concurrency` at once. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(workers);
}

interface BenchCase {
  caseId: string;
  caseNumber: string;
}

/** When each Case got its Use_of_Funds__c (a hook on the simulated org's update, not a poll). */
class CaseUpdates {
  private readonly at = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();

  constructor(sim: RunningSimulator) {
    const org = sim.org;
    const original = org.updateRecord.bind(org);
    org.updateRecord = (objectName, id, fields) => {
      const record = original(objectName, id, fields);
      if (objectName.toLowerCase() === 'case' && 'Use_of_Funds__c' in fields) {
        const now = performance.now();
        const key = normalizeId(record.Id) ?? record.Id;
        this.at.set(key, now);
        const waiter = this.waiters.get(key);
        this.waiters.delete(key);
        waiter?.(now);
      }
      return record;
    };
  }

  get count(): number {
    return this.at.size;
  }

  wait(caseId: string, timeoutMs: number): Promise<number | undefined> {
    const key = normalizeId(caseId) ?? caseId;
    const done = this.at.get(key);
    if (done !== undefined) return Promise.resolve(done);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(key, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }
}

interface SessionResult {
  ok: boolean;
  thanksMs?: number;
  caseMs?: number;
  error?: string;
}

let conversationCounter = 0;

/** One customer's whole session: /cowork, the form card, the submit, the thank-you, the Case update. */
async function customerSession(ctx: Context, kase: BenchCase): Promise<SessionResult> {
  const conversationId = `bench-${++conversationCounter}`;
  const { channel, botUrl, options } = ctx;
  channel.open(conversationId);
  try {
    const started = await channel.post(botUrl, conversationId, { type: 'message', text: `/cowork ${kase.caseNumber}`, textFormat: 'plain' });
    if (started !== 200) throw new Error(`/cowork answered HTTP ${started}`);
    const card = await channel.waitForCard(conversationId, options.timeoutMs);
    const thanks = channel.waitForThanks(conversationId, options.timeoutMs);
    const caseUpdated = ctx.cases.wait(kase.caseId, options.timeoutMs);
    const submittedAt = performance.now();
    const submitted = await channel.post(botUrl, conversationId, { type: 'message', value: { cowork: 'submit', formToken: card.formToken, useOfFunds: ANSWER }, channelData: { postBack: true } });
    if (submitted !== 200) throw new Error(`submit answered HTTP ${submitted}`);
    const thanked = await thanks;
    const updated = await caseUpdated;
    if (updated === undefined) throw new Error(`Case ${kase.caseId} not updated within ${options.timeoutMs} ms`);
    return { ok: true, thanksMs: thanked.at - submittedAt, caseMs: updated - submittedAt };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    channel.forget(conversationId);
  }
}

interface Context {
  sim: RunningSimulator;
  channel: BenchChannel;
  bot: Child;
  botUrl: string;
  cases: CaseUpdates;
  options: BenchOptions;
}

interface RoundTripFigures {
  sessions: number;
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
}

/** User + system CPU of this process (simulator, channel, customers) so far, in ms. */
function rigCpuMs(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

function roundTripFigures(results: SessionResult[], wallMs: number, before: ProcessStats, after: ProcessStats, rigCpuBefore: number): RoundTripFigures {
  const ok = results.filter((r) => r.ok);
  const cpu = after.cpuMs - before.cpuMs;
  const rigCpu = rigCpuMs() - rigCpuBefore;
  return {
    sessions: results.length,
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
  };
}

/** Customers arriving at a steady rate: latency at a load the bot can carry. */
async function steadyRoundTrip(ctx: Context): Promise<RoundTripFigures> {
  const { rate, seconds } = ctx.options.steady;
  const total = Math.max(1, Math.round(rate * seconds));
  const cases = ctx.sim.org.createCases(total, { subjectPrefix: 'Bench steady' });
  progress(`round trip, steady: ${total} customers at ${rate}/s`);
  const before = await ctx.bot.stats();
  const rigBefore = rigCpuMs();
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
  return roundTripFigures(results, wallMs, before, await ctx.bot.stats(), rigBefore);
}

/** N customers at once: sustained whole sessions per second. */
async function burstRoundTrip(ctx: Context): Promise<RoundTripFigures> {
  const total = ctx.options.burst;
  const cases = ctx.sim.org.createCases(total, { subjectPrefix: 'Bench burst' });
  progress(`round trip, at once: ${total} customers`);
  const before = await ctx.bot.stats();
  const rigBefore = rigCpuMs();
  const started = performance.now();
  const results = await Promise.all(cases.map((c) => customerSession(ctx, c)));
  const wallMs = performance.now() - started;
  return roundTripFigures(results, wallMs, before, await ctx.bot.stats(), rigBefore);
}

interface PendingFigures {
  sessions: number;
  created: number;
  createFailed: number;
  createFirstError: string | undefined;
  createSeconds: number;
  sessionsCreatedPerSecond: number;
  heapBytesPerSession: number;
  storageBytesPerSession: number;
  rssBytesPerSession: number;
  storageEntriesPerSession: number;
  botHeapBytes: number;
  botRssBytes: number;
  streams: number;
  eventBurst: number;
  eventsPublished: number;
  eventSeconds: number;
  eventsRoutedPerSecond: number;
  publishToThankYou: LatencySummary;
  completed: number;
  completedExactlyOnce: number;
  duplicates: number;
  missing: number;
  casesUpdated: number;
  botCpuMs: number;
  /** Our memory per waiting session when `sessions` were waiting: compared with the baseline at the same size. */
  atSizes: Array<{ sessions: number; heapBytesPerSession: number; storageBytesPerSession: number; rssBytesPerSession: number }>;
}

/** Many sessions waiting at once (created through /cowork), then their events published in bursts. */
async function pendingScale(ctx: Context): Promise<PendingFigures> {
  const { sessions: size, concurrency, eventBurst } = ctx.options.pending;
  const { channel, botUrl, sim } = ctx;
  const cases = sim.org.createCases(size, { subjectPrefix: 'Bench pending' });
  const conversations = cases.map((_, i) => `pending-${i + 1}`);
  const before = await ctx.bot.stats();
  progress(`pending scale: creating ${size} waiting sessions through /cowork (${concurrency} at a time)`);
  let created = 0;
  let failed = 0;
  let firstError: string | undefined;
  // Snapshots on the way up, at the baseline's sizes, so ratios compare equal sizes.
  const snapshotSizes = ctx.options.baseline.sizes.filter((n) => n < size);
  const snapshots: Array<Promise<PendingFigures['atSizes'][number]>> = [];
  const snapshot = (): Promise<PendingFigures['atSizes'][number]> =>
    ctx.bot.stats().then((stats) => {
      const sessions = Math.max(1, created);
      const storage = stats.storageBytes - before.storageBytes;
      return {
        sessions,
        heapBytesPerSession: round((stats.heapUsedBytes - before.heapUsedBytes - storage) / sessions),
        storageBytesPerSession: round(storage / sessions),
        rssBytesPerSession: round((stats.rssBytes - before.rssBytes) / sessions),
      };
    });
  const createStart = performance.now();
  const ticker = setInterval(() => progress(`  ${created} sessions waiting, ${failed} failed`), 2000);
  await pool(cases, concurrency, async (kase, i) => {
    const conversationId = conversations[i] as string;
    channel.open(conversationId);
    try {
      const status = await channel.post(botUrl, conversationId, { type: 'message', text: `/cowork ${kase.caseNumber}`, textFormat: 'plain' });
      if (status !== 200) throw new Error(`/cowork answered HTTP ${status}`);
      await channel.waitForCard(conversationId, ctx.options.timeoutMs);
      created++;
      if (snapshotSizes.includes(created)) snapshots.push(snapshot());
    } catch (error) {
      failed++;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  });
  clearInterval(ticker);
  const createSeconds = (performance.now() - createStart) / 1000;
  const atSizes = await Promise.all(snapshots);
  const waiting = await ctx.bot.stats();
  const streams = sim.org.openStreamCount();
  const n = Math.max(1, created);
  const storageDelta = waiting.storageBytes - before.storageBytes;
  progress(`  ${created} waiting after ${createSeconds.toFixed(1)} s; bot heap ${mb(waiting.heapUsedBytes)}, storage ${mb(waiting.storageBytes)}, RSS ${mb(waiting.rssBytes)}; ${streams} stream(s) open`);

  progress(`pending scale: publishing ${size} events as an agent's flow would (Case Id only), ${eventBurst} per burst`);
  const latencies: number[] = [];
  const eventStart = performance.now();
  let published = 0;
  for (let from = 0; from < cases.length; from += eventBurst) {
    const burst = cases.slice(from, from + eventBurst);
    const waits = burst.map((kase, j) => {
      const conversationId = conversations[from + j] as string;
      const publishedAt = performance.now();
      sim.org.publishEvent(EVENT, { Correlation_Id__c: kase.caseId, Use_of_Fund_Reason__c: ANSWER });
      published++;
      return channel.waitForThanks(conversationId, ctx.options.timeoutMs).then(
        (r) => void latencies.push(r.at - publishedAt),
        () => undefined,
      );
    });
    await Promise.all(waits);
    if ((from / eventBurst) % 10 === 9) progress(`  ${from + burst.length} events routed`);
  }
  const eventSeconds = (performance.now() - eventStart) / 1000;
  await until(() => ctx.cases.count >= created + ctx.options.burst + Math.round(ctx.options.steady.rate * ctx.options.steady.seconds), 30_000, 50);
  // Late duplicates would arrive within moments: give them a bounded chance to show.
  await sleep(500);
  let exactlyOnce = 0;
  let duplicates = 0;
  let completed = 0;
  let casesUpdated = 0;
  for (let i = 0; i < conversations.length; i++) {
    const thanks = channel.thanksOf(conversations[i] as string);
    if (thanks >= 1) completed++;
    if (thanks === 1) exactlyOnce++;
    if (thanks > 1) duplicates++;
    if (sim.org.getRecord('Case', (cases[i] as BenchCase).caseId)?.Use_of_Funds__c === ANSWER) casesUpdated++;
  }
  for (const id of conversations) channel.forget(id);
  const after = await ctx.bot.stats();
  return {
    sessions: size,
    created,
    createFailed: failed,
    createFirstError: firstError,
    createSeconds: round(createSeconds),
    sessionsCreatedPerSecond: round(created / createSeconds),
    heapBytesPerSession: round((waiting.heapUsedBytes - before.heapUsedBytes - storageDelta) / n),
    storageBytesPerSession: round(storageDelta / n),
    rssBytesPerSession: round((waiting.rssBytes - before.rssBytes) / n),
    storageEntriesPerSession: round((waiting.storageEntries - before.storageEntries) / n),
    botHeapBytes: waiting.heapUsedBytes,
    botRssBytes: waiting.rssBytes,
    streams,
    eventBurst,
    eventsPublished: published,
    eventSeconds: round(eventSeconds),
    eventsRoutedPerSecond: round(latencies.length / eventSeconds),
    publishToThankYou: latencySummary(latencies),
    completed,
    completedExactlyOnce: exactlyOnce,
    duplicates,
    missing: size - completed,
    casesUpdated,
    botCpuMs: round(after.cpuMs - before.cpuMs),
    atSizes: [
      ...atSizes,
      {
        sessions: created,
        heapBytesPerSession: round((waiting.heapUsedBytes - before.heapUsedBytes - storageDelta) / n),
        storageBytesPerSession: round(storageDelta / n),
        rssBytesPerSession: round((waiting.rssBytes - before.rssBytes) / n),
      },
    ],
  };
}

/** Our figures at the waiting-session count nearest to `sessions` (snapshots are taken at the baseline's sizes). */
function oursAt(pending: PendingFigures, sessions: number): PendingFigures['atSizes'][number] | undefined {
  return [...pending.atSizes].sort((a, b) => Math.abs(a.sessions - sessions) - Math.abs(b.sessions - sessions))[0];
}

interface BaselineStep {
  sessions: number;
  survived: boolean;
  streams: number;
  heapBytesPerSession: number;
  rssBytesPerSession: number;
  openSeconds: number;
  eventsPublished: number;
  eventsMatched: number;
  deliveries: number;
  eventSeconds: number;
  eventsRoutedPerSecond: number;
  failure: string | undefined;
}

interface BaselineFigures {
  sessions: number;
  heapBytesPerSession: number;
  rssBytesPerSession: number;
  streams: number;
  failed: number;
  failedAt: number | undefined;
  failure: string | undefined;
  eventsRoutedPerSecond: number;
  steps: BaselineStep[];
}

/** One client stream per waiting session, ramped up until it fails or reaches the largest size. */
async function baseline(sim: RunningSimulator, options: BenchOptions): Promise<BaselineFigures> {
  const env = {
    BASELINE_TOPIC: TOPIC,
    BASELINE_ACCESS_TOKEN: sim.org.authority.issueToken(),
    BASELINE_INSTANCE_URL: sim.instanceUrl,
    BASELINE_ORG_ID: sim.orgId,
    BASELINE_PUBSUB_ENDPOINT: sim.pubSubEndpoint,
  };
  const { child } = await Child.start('baseline', 'baselineProcess.ts', env, options.maxOldSpaceMb);
  const steps: BaselineStep[] = [];
  const streamsBefore = sim.org.openStreamCount();
  try {
    const start = await child.stats();
    const sizes = options.baseline.sizes;
    const cases = sim.org.createCases(sizes[sizes.length - 1] ?? 0, { subjectPrefix: 'Bench baseline', withChatSession: false });
    let opened = 0;
    let published = 0;
    for (const size of sizes) {
      progress(`baseline: ${size} sessions, one stream each`);
      const step: BaselineStep = { sessions: size, survived: false, streams: 0, heapBytesPerSession: 0, rssBytesPerSession: 0, openSeconds: 0, eventsPublished: 0, eventsMatched: 0, deliveries: 0, eventSeconds: 0, eventsRoutedPerSecond: 0, failure: undefined };
      steps.push(step);
      try {
        const openStart = performance.now();
        const ids = cases.slice(opened, size).map((c) => c.caseId);
        const answer = await child.request({ type: 'subscribe', correlationIds: ids }, options.baseline.stepTimeoutMs);
        if (answer.type !== 'subscribed') throw new Error(`unexpected ${answer.type}`);
        opened += answer.opened;
        if (answer.failed > 0) throw new Error(`${answer.failed} clients could not be built: ${answer.error ?? ''}`);
        const all = await until(() => sim.org.openStreamCount() - streamsBefore >= size || child.exited !== undefined, options.baseline.stepTimeoutMs, 50);
        step.openSeconds = round((performance.now() - openStart) / 1000);
        step.streams = sim.org.openStreamCount() - streamsBefore;
        if (child.exited) throw new Error(`the baseline process ${child.exited}`);
        if (!all) throw new Error(`only ${step.streams} of ${size} streams open after ${options.baseline.stepTimeoutMs / 1000} s`);
        const stats = await child.stats();
        step.heapBytesPerSession = round((stats.heapUsedBytes - start.heapUsedBytes) / size);
        step.rssBytesPerSession = round((stats.rssBytes - start.rssBytes) / size);
        progress(`  ${step.streams} streams open in ${step.openSeconds} s; heap ${mb(stats.heapUsedBytes)}, RSS ${mb(stats.rssBytes)}`);

        // Events for some of the waiting sessions: every stream receives every event and filters it.
        const events = Math.min(size, options.baseline.events);
        const before = await progressOf(child);
        const eventStart = performance.now();
        for (let i = 0; i < events; i++) {
          const kase = cases[published++ % size] as BenchCase;
          sim.org.publishEvent(EVENT, { Correlation_Id__c: kase.caseId, Use_of_Fund_Reason__c: ANSWER });
        }
        let latest = before;
        const routed = await untilAsync(async () => {
          latest = await progressOf(child);
          return latest.matched - before.matched >= events;
        }, options.baseline.stepTimeoutMs);
        step.eventSeconds = round((performance.now() - eventStart) / 1000);
        step.eventsPublished = events;
        step.eventsMatched = latest.matched - before.matched;
        step.deliveries = latest.received - before.received;
        step.eventsRoutedPerSecond = round(step.eventsMatched / Math.max(0.001, step.eventSeconds));
        if (latest.errors > 0) throw new Error(`${latest.errors} stream errors (${latest.firstError ?? 'no detail'})`);
        if (!routed) throw new Error(`only ${step.eventsMatched} of ${events} events reached their session within ${options.baseline.stepTimeoutMs / 1000} s`);
        step.survived = true;
        progress(`  ${events} events routed in ${step.eventSeconds} s (${step.deliveries} deliveries to filter)`);
      } catch (error) {
        step.failure = error instanceof Error ? error.message : String(error);
        progress(`  baseline failed at ${size}: ${step.failure}`);
        break;
      }
    }
  } finally {
    await child.stop(10_000);
  }
  const survived = steps.filter((s) => s.survived);
  const largest = survived[survived.length - 1];
  const failedStep = steps.find((s) => !s.survived);
  return {
    sessions: largest?.sessions ?? 0,
    heapBytesPerSession: largest?.heapBytesPerSession ?? 0,
    rssBytesPerSession: largest?.rssBytesPerSession ?? 0,
    streams: largest?.streams ?? 0,
    failed: failedStep ? failedStep.sessions - (largest?.sessions ?? 0) : 0,
    failedAt: failedStep?.sessions,
    failure: failedStep?.failure,
    eventsRoutedPerSecond: largest?.eventsRoutedPerSecond ?? 0,
    steps,
  };
}

async function progressOf(child: Child): Promise<{ matched: number; received: number; errors: number; firstError?: string }> {
  const reply = await child.request({ type: 'progress' }, 30_000);
  if (reply.type !== 'progress') throw new Error(`unexpected ${reply.type}`);
  return reply;
}

async function untilAsync(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 100) / 100 : 0;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function ratio(a: number, b: number): number | null {
  return b > 0 && a > 0 ? round(a / b) : null;
}

interface FloorFigures {
  turns: number;
  failed: number;
  botCpuPerTurnMs: number;
  /** Turns a co-work session takes: the start, the submit, the proactive thank-you. */
  turnsPerSession: number;
}

/**
 * The CPU floor of a turn on this machine: the floor bot (bench/floorBotProcess.ts) answers
 * `turns` messages, 50 in flight, after a warm-up. Whatever a co-work session costs beyond
 * `turnsPerSession` times this is co-work's own work (Salesforce, storage, dialogs, cards).
 */
async function floor(channel: BenchChannel, options: BenchOptions): Promise<FloorFigures> {
  progress(`floor: ${options.floorTurns} bare turns (same edge and adapter, state, one reply)`);
  const { child, url } = await Child.start('floor bot', 'floorBotProcess.ts', {}, options.maxOldSpaceMb);
  try {
    if (!url) throw new Error('the floor bot did not report its URL');
    const conversations = Array.from({ length: 200 }, (_, i) => `floor-${i + 1}`);
    let failed = 0;
    const turn = async (_: unknown, i: number): Promise<void> => {
      const status = await channel.post(url, conversations[i % conversations.length] as string, { type: 'message', text: 'hello', textFormat: 'plain' }).catch(() => 0);
      if (status !== 200) failed++;
    };
    await pool(Array.from({ length: Math.min(500, options.floorTurns) }), 50, turn);
    failed = 0;
    const before = await child.stats();
    await pool(Array.from({ length: options.floorTurns }), 50, turn);
    const after = await child.stats();
    return { turns: options.floorTurns, failed, botCpuPerTurnMs: round((after.cpuMs - before.cpuMs) / options.floorTurns), turnsPerSession: 3 };
  } finally {
    await child.stop(10_000);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  progress(`sizes: steady ${options.steady.rate}/s for ${options.steady.seconds} s, ${options.burst} at once, ${options.pending.sessions} pending, baseline up to ${options.baseline.sizes.join('/')}`);
  const sim = await startSimulator({ host: '127.0.0.1', seed: false, deliveryAllocationPerDay: Number.MAX_SAFE_INTEGER /* throughput is measured, not the org's allocation */ });
  const channel = await BenchChannel.start();
  const cases = new CaseUpdates(sim);
  const env = { ...simulatorEnv(sim), SF_EVENT_TOPIC: TOPIC };
  let bot: Child | undefined;
  try {
    const profArgs = options.botCpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.botCpuProf)}`] : [];
    const started = await Child.start('bot', 'botProcess.ts', env, options.maxOldSpaceMb, profArgs);
    bot = started.child;
    if (!started.url) throw new Error('the bot did not report its URL');
    const botUrl = started.url;
    if (!(await until(() => sim.org.openStreamCount() >= 1, 30_000))) throw new Error('the bot did not open its Pub/Sub stream within 30 s');
    progress(`bot pid ${bot.pid} at ${botUrl}; simulator at ${sim.loginUrl}, Pub/Sub ${sim.pubSubEndpoint}`);
    const ctx: Context = { sim, channel, bot, botUrl, cases, options };

    // A short warm-up so JIT and connection set-up do not count against the first customers.
    await Promise.all(sim.org.createCases(options.warmup, { subjectPrefix: 'Bench warm-up' }).map((c) => customerSession(ctx, c)));
    const steady = await steadyRoundTrip(ctx);
    progress(`  ${steady.completed}/${steady.sessions} done; submit→thank-you p50 ${steady.submitToThankYou.p50Ms} ms, p99 ${steady.submitToThankYou.p99Ms} ms`);
    const burst = await burstRoundTrip(ctx);
    progress(`  ${burst.completed}/${burst.sessions} done in ${(burst.wallMs / 1000).toFixed(1)} s: ${burst.sessionsPerSecond} sessions/s`);
    const pending = options.pending.sessions > 0 ? await pendingScale(ctx) : undefined;
    const botFinal = await bot.stats();
    await bot.stop();
    bot = undefined;
    const base = options.baseline.sizes.length > 0 ? await baseline(sim, options) : undefined;
    const floorFigures = options.floorTurns > 0 ? await floor(channel, options) : undefined;

    const report = {
      node: process.version,
      cpu: `${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}`,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      memoryTotalBytes: os.totalmem(),
      date: new Date().toISOString(),
      sizes: {
        steadyRate: options.steady.rate,
        steadySeconds: options.steady.seconds,
        burst: options.burst,
        pending: options.pending.sessions,
        pendingConcurrency: options.pending.concurrency,
        eventBurst: options.pending.eventBurst,
        baselineSizes: options.baseline.sizes,
        baselineEvents: options.baseline.events,
        quick: options.quick,
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
      ratios: ratiosOf(pending, base),
    };
    const json = JSON.stringify(report, null, 2);
    if (options.out) writeFileSync(path.resolve(options.out), `${json}\n`);
    process.stdout.write(options.json ? `${json}\n` : renderTable(report));
  } finally {
    await bot?.stop().catch(() => undefined);
    await channel.stop();
    await sim.stop();
  }
}

/**
 * Baseline figures as ratios to ours at the same number of waiting sessions (the baseline's
 * largest surviving size); streams and events/s compare the two designs at their largest sizes.
 */
function ratiosOf(pending: PendingFigures | undefined, base: BaselineFigures | undefined): Record<string, unknown> {
  if (!pending || !base) return {};
  const same = oursAt(pending, base.sessions);
  return {
    baselineHeapPerSessionToOurs: same ? ratio(base.heapBytesPerSession, same.heapBytesPerSession) : null,
    baselineHeapPerSessionToOursWithStorage: same ? ratio(base.heapBytesPerSession, same.heapBytesPerSession + same.storageBytesPerSession) : null,
    baselineRssPerSessionToOurs: same ? ratio(base.rssBytesPerSession, same.rssBytesPerSession) : null,
    baselineStreamsToOurs: ratio(base.streams, pending.streams),
    oursEventsPerSecondToBaseline: ratio(pending.eventsRoutedPerSecond, base.eventsRoutedPerSecond),
    comparedAt: { memory: { ours: same?.sessions ?? null, baseline: base.sessions }, streamsAndEvents: { ours: pending.created, baseline: base.sessions } },
  };
}

type Report = {
  node: string;
  cpu: string;
  roundTrip: { sessionsPerSecond: number; p50Ms: number; p99Ms: number; steady: RoundTripFigures; burst: RoundTripFigures; botCpuMs: number; botPeakRssBytes: number };
  pending: PendingFigures | undefined;
  baseline: BaselineFigures | undefined;
  floor: FloorFigures | undefined;
  ratios: Record<string, unknown>;
};

function renderTable(report: Report): string {
  const rows: Array<[string, string, string]> = [];
  const { steady, burst } = report.roundTrip;
  const lat = (l: LatencySummary) => `p50 ${l.p50Ms} / p90 ${l.p90Ms} / p99 ${l.p99Ms} / max ${l.maxMs} ms`;
  rows.push(['steady: sessions completed / failed', `${steady.completed} / ${steady.failed}`, `${steady.sessionsPerSecond}/s offered rate held`]);
  rows.push(['steady: submit → thank-you', lat(steady.submitToThankYou), 'target p99 < 50 ms']);
  rows.push(['steady: submit → Case updated', lat(steady.submitToCaseUpdated), '']);
  rows.push(['steady: CPU per session, bot / rest', `${steady.botCpuPerSessionMs} / ${steady.rigCpuPerSessionMs} ms`, 'rest = simulator + channel + customers']);
  rows.push([`at once (${burst.sessions}): sessions/s`, `${burst.sessionsPerSecond} (${burst.completed} ok, ${burst.failed} failed)`, 'target >= 300/s']);
  rows.push(['at once: submit → thank-you', lat(burst.submitToThankYou), '']);
  rows.push(['at once: submit → Case updated', lat(burst.submitToCaseUpdated), '']);
  rows.push(['at once: CPU per session, bot / rest', `${burst.botCpuPerSessionMs} / ${burst.rigCpuPerSessionMs} ms`, '']);
  rows.push(['bot CPU total / peak RSS', `${(report.roundTrip.botCpuMs / 1000).toFixed(1)} s / ${mb(report.roundTrip.botPeakRssBytes)}`, '']);
  const p = report.pending;
  if (p) {
    rows.push([`pending: sessions waiting`, `${p.created} of ${p.sessions} (${p.sessionsCreatedPerSecond}/s to create)`, '']);
    rows.push(['pending: bot heap per session (outside Storage)', `${p.heapBytesPerSession} B`, 'target < 2048 B']);
    rows.push(['pending: Storage per session (MemoryStorage JSON)', `${p.storageBytesPerSession} B in ${p.storageEntriesPerSession} entries`, '']);
    rows.push(['pending: bot RSS per session (incl. Storage)', `${p.rssBytesPerSession} B`, '']);
    rows.push(['pending: Pub/Sub streams open', String(p.streams), 'target 1 per topic']);
    rows.push(['pending: events routed', `${p.eventsRoutedPerSecond}/s (${p.eventBurst} per burst)`, '']);
    rows.push(['pending: publish → thank-you', lat(p.publishToThankYou), '']);
    rows.push(['pending: completed exactly once', `${p.completedExactlyOnce} (duplicates ${p.duplicates}, missing ${p.missing}, Cases updated ${p.casesUpdated})`, '']);
  }
  const b = report.baseline;
  if (b) {
    for (const s of b.steps) {
      rows.push([
        `baseline ${s.sessions}: ${s.survived ? 'survived' : 'FAILED'}`,
        s.survived ? `${s.streams} streams, heap ${s.heapBytesPerSession} B/session, RSS ${s.rssBytesPerSession} B/session, ${s.eventsRoutedPerSecond} events/s` : (s.failure ?? ''),
        '',
      ]);
    }
  }
  const f = report.floor;
  if (f) {
    const floorPerSession = f.botCpuPerTurnMs * f.turnsPerSession;
    rows.push([
      'floor: bot CPU per bare turn',
      `${f.botCpuPerTurnMs} ms (${f.turns} turns, ${f.failed} failed); ${f.turnsPerSession} turns = ${round(floorPerSession)} ms`,
      `a whole session (at once): ${round(burst.botCpuPerSessionMs / Math.max(0.001, floorPerSession))}x that`,
    ]);
  }
  for (const [name, value] of Object.entries(report.ratios)) rows.push([`ratio ${name}`, JSON.stringify(value), name.startsWith('baselineHeap') ? 'target >= 10' : '']);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i as 0 | 1 | 2].length)));
  const line = (r: [string, string, string]) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return `\ncowork-bot benchmark — Node ${report.node}, ${report.cpu}\n\n${rows.map(line).join('\n')}\n`;
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
