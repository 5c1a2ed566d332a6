/** The one-stream-per-session baseline in its own process (baselineProcess.ts), ramped up until it fails. */
import { errorMessage } from '../../util/errors';
import type { RunningSimulator } from '../../simulator';
import { Child } from '../child';
import type { BenchOptions } from '../options';
import { mb, progress, round, until, untilAsync } from '../util';
import { ANSWER, EVENT, TOPIC, type BenchCase } from './session';

export interface BaselineStep {
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

export interface BaselineFigures {
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
export async function baseline(sim: RunningSimulator, options: BenchOptions): Promise<BaselineFigures> {
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
      const step: BaselineStep = {
        sessions: size,
        survived: false,
        streams: 0,
        heapBytesPerSession: 0,
        rssBytesPerSession: 0,
        openSeconds: 0,
        eventsPublished: 0,
        eventsMatched: 0,
        deliveries: 0,
        eventSeconds: 0,
        eventsRoutedPerSecond: 0,
        failure: undefined,
      };
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
        step.failure = errorMessage(error);
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
