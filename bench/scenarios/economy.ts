/**
 * What a phase cost, counted, not estimated: REST requests by route and events published and
 * delivered (the simulator's own counters), storage operations (the bot's counting wrapper).
 */
import type { RunningSimulator } from '../../simulator';
import { countsBetween, type StorageOpCounts } from '../countingStorage';
import type { Child } from '../child';
import type { ProcessStats } from '../ipc';
import { round, sleep } from '../util';
import { TOPIC } from './session';

const STATUS_TOPIC = '/event/Cowork_Status__e';

/** The simulator's counters at one moment. */
export interface OrgCounters {
  rest: Record<string, number>;
  /** Events appended to the topic, whatever the route (Pub/Sub Publish or REST). */
  published: number;
  /** Cowork_Status__e events appended (the agent's panel; COWORK_STATUS_EVENTS). */
  statusPublished: number;
  /** Events written to Subscribe streams (one event to N streams counts N). */
  delivered: number;
  /** Pub/Sub `Publish` calls (one call may carry several events: the statuses are batched). */
  publishCalls: number;
}

export function orgCounters(sim: RunningSimulator): OrgCounters {
  return {
    rest: { ...sim.org.requestCounts() },
    published: sim.org.bus.topic(TOPIC)?.endPosition() ?? 0,
    statusPublished: sim.org.bus.topic(STATUS_TOPIC)?.endPosition() ?? 0,
    delivered: sim.org.deliveredEventCount(),
    publishCalls: sim.org.pubSubCallCounts().Publish ?? 0,
  };
}

export interface StoragePerSession {
  reads: number;
  writes: number;
  deletes: number;
  total: number;
  /** Per-key operations per session, by operation and kind of key. */
  byKind: Record<string, number>;
}

export interface Economy {
  sessions: number;
  restRequestsPerSession: number;
  /** REST requests per session by route (only routes the phase used). */
  restRequestsByRoute: Record<string, number>;
  publishesPerSession: number;
  /** Cowork_Status__e publishes per session (each counts against the org's publishing allocation too). */
  statusPublishesPerSession: number;
  /** Pub/Sub `Publish` calls per session: the answer's, and the statuses' (batched, so fewer than the statuses under load). */
  publishCallsPerSession: number;
  deliveriesPerAnswer: number;
  /** Storage operations (reads + writes + deletes) per session. */
  storageOpsPerSession: number;
  /** The same, by operation and by kind of key. */
  storageOpsByKind: StoragePerSession;
}

export function economyOf(sessions: number, org: { before: OrgCounters; after: OrgCounters }, bot: { before: ProcessStats; after: ProcessStats }): Economy {
  const n = Math.max(1, sessions);
  const byRoute: Record<string, number> = {};
  let rest = 0;
  for (const [route, count] of Object.entries(org.after.rest)) {
    const d = count - (org.before.rest[route] ?? 0);
    if (d === 0) continue;
    rest += d;
    byRoute[route] = round(d / n);
  }
  const published = org.after.published - org.before.published;
  const storage = countsBetween(bot.before.storageOps, bot.after.storageOps);
  const perSessionStorage = perSession(storage, n);
  return {
    sessions,
    restRequestsPerSession: round(rest / n),
    restRequestsByRoute: byRoute,
    publishesPerSession: round(published / n),
    statusPublishesPerSession: round((org.after.statusPublished - org.before.statusPublished) / n),
    publishCallsPerSession: round((org.after.publishCalls - org.before.publishCalls) / n),
    deliveriesPerAnswer: round((org.after.delivered - org.before.delivered) / Math.max(1, published)),
    storageOpsPerSession: perSessionStorage.total,
    storageOpsByKind: perSessionStorage,
  };
}

function perSession(counts: StorageOpCounts, n: number): StoragePerSession {
  const byKind = Object.fromEntries(
    Object.entries(counts.byKind)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, count]) => [kind, round(count / n)]),
  );
  return {
    reads: round(counts.reads / n),
    writes: round(counts.writes / n),
    deletes: round(counts.deletes / n),
    total: round((counts.reads + counts.writes + counts.deletes) / n),
    byKind,
  };
}

/**
 * The bot's stats once its work for the phase is over: a session's last storage writes (state
 * `done`, out of the in-flight index) follow the Case update the customer waits for. Idle means no
 * write or delete for 300 ms (the timed sweep only reads); bounded by `timeoutMs`.
 */
export async function settledStats(bot: Child, timeoutMs = 10_000): Promise<ProcessStats> {
  const deadline = Date.now() + timeoutMs;
  // Light stats: a full GC per poll would be the bench's CPU counted as the bot's.
  let last = await bot.stats(true);
  for (;;) {
    await sleep(300);
    const now = await bot.stats(true);
    const changed = now.storageOps.writes !== last.storageOps.writes || now.storageOps.deletes !== last.storageOps.deletes;
    last = now;
    if (!changed || Date.now() > deadline) return now;
  }
}
