/** Many sessions waiting at once (created through /cowork), then their events published in bursts. */
import { errorMessage } from '../../util/errors';
import type { LatencySummary } from '../stats';
import { latencySummary } from '../stats';
import { mb, pool, progress, round, sleep, until } from '../util';
import { orgCounters } from './economy';
import { ANSWER, EVENT, type BenchCase, type Context } from './session';

export interface PendingFigures {
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
  /** Stream deliveries per event published, with every session waiting (1 per instance: one stream per topic). */
  deliveriesPerAnswer: number;
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
export async function pendingScale(ctx: Context): Promise<PendingFigures> {
  const { sessions: size, concurrency, eventBurst } = ctx.options.pending;
  const { channel, botUrl, sim } = ctx;
  const cases = sim.org.createCases(size, { subjectPrefix: 'Bench pending' });
  const casesUpdatedBefore = ctx.cases.count;
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
      firstError ??= errorMessage(error);
    }
  });
  clearInterval(ticker);
  const createSeconds = (performance.now() - createStart) / 1000;
  const atSizes = await Promise.all(snapshots);
  const waiting = await ctx.bot.stats();
  const streams = sim.org.openStreamCount();
  const n = Math.max(1, created);
  const storageDelta = waiting.storageBytes - before.storageBytes;
  progress(
    `  ${created} waiting after ${createSeconds.toFixed(1)} s; bot heap ${mb(waiting.heapUsedBytes)}, storage ${mb(waiting.storageBytes)}, RSS ${mb(waiting.rssBytes)}; ${streams} stream(s) open`,
  );

  progress(`pending scale: publishing ${size} events as an agent's flow would (Case Id only), ${eventBurst} per burst`);
  const latencies: number[] = [];
  const eventStart = performance.now();
  const orgBefore = orgCounters(sim);
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
  const orgAfter = orgCounters(sim);
  await until(() => ctx.cases.count >= casesUpdatedBefore + created, 30_000, 50);
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
    deliveriesPerAnswer: round((orgAfter.delivered - orgBefore.delivered) / Math.max(1, orgAfter.published - orgBefore.published)),
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
export function oursAt(pending: PendingFigures, sessions: number): PendingFigures['atSizes'][number] | undefined {
  return [...pending.atSizes].sort((a, b) => Math.abs(a.sessions - sessions) - Math.abs(b.sessions - sessions))[0];
}
