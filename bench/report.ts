/** The bench's report: ratios between designs and the table printed without `--json`. */
import type { BaselineFigures } from './scenarios/baseline';
import type { Economy } from './scenarios/economy';
import type { FloorFigures } from './scenarios/floor';
import type { InstancesFigures } from './scenarios/instances';
import { oursAt, type PendingFigures } from './scenarios/pending';
import type { RoundTripFigures } from './scenarios/roundTrip';
import type { LatencySummary } from './stats';
import { mb, ratio, round } from './util';

/**
 * Baseline figures as ratios to ours at the same number of waiting sessions (the baseline's
 * largest surviving size); streams and events/s compare the two designs at their largest sizes.
 */
export function ratiosOf(pending: PendingFigures | undefined, base: BaselineFigures | undefined): Record<string, unknown> {
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

/**
 * Bot CPU of a whole session against the floor: the bare turns it contains (start, submit, the
 * proactive thank-you), each costing what the floor bot measured in the same run.
 */
export function floorRatios(steady: RoundTripFigures, burst: RoundTripFigures, floor: FloorFigures | undefined): Record<string, number | null> {
  if (!floor) return {};
  const floorPerSession = floor.botCpuPerTurnMs * floor.turnsPerSession;
  return { sessionCpuToFloor: ratio(burst.botCpuPerSessionMs, floorPerSession), sessionCpuToFloorSteady: ratio(steady.botCpuPerSessionMs, floorPerSession) };
}

export interface EconomyReport extends Economy {
  /** Stream deliveries per event while the pending phase had every session waiting (ours: one stream per topic). */
  deliveriesPerAnswerWithAllWaiting: number | null;
  /** The baseline's deliveries per event at its largest surviving size: one per waiting session. */
  baselineDeliveriesPerAnswer: number | null;
  baselineDeliveriesComparedAt: number | null;
}

/** The round trip's counted costs per session, with the deliveries of the pending phase and the baseline beside them. */
export function economyReport(roundTrip: Economy, pending: PendingFigures | undefined, base: BaselineFigures | undefined): EconomyReport {
  const step = base?.steps.filter((s) => s.survived).pop();
  return {
    ...roundTrip,
    deliveriesPerAnswerWithAllWaiting: pending?.deliveriesPerAnswer ?? null,
    baselineDeliveriesPerAnswer: step && step.eventsPublished > 0 ? round(step.deliveries / step.eventsPublished) : null,
    baselineDeliveriesComparedAt: step?.sessions ?? null,
  };
}

/** One store's round trips (`--storage`), side by side in the same run. */
export interface StoreFigures {
  storage: string;
  sessionsPerSecond: number;
  steadyP99SubmitToThankYouMs: number;
  botCpuPerSessionMsAtOnce: number;
  botCpuPerSessionMsSteady: number;
  storageOpsPerSession: number;
  storageOpsByKind: Economy['storageOpsByKind'];
  failed: number;
}

export function storeFigures(storage: string, run: { burst: RoundTripFigures; steady: RoundTripFigures; economy: Economy }): StoreFigures {
  return {
    storage,
    sessionsPerSecond: run.burst.sessionsPerSecond,
    steadyP99SubmitToThankYouMs: run.steady.submitToThankYou.p99Ms,
    botCpuPerSessionMsAtOnce: run.burst.botCpuPerSessionMs,
    botCpuPerSessionMsSteady: run.steady.botCpuPerSessionMs,
    storageOpsPerSession: run.economy.storageOpsPerSession,
    storageOpsByKind: run.economy.storageOpsByKind,
    failed: run.burst.failed + run.steady.failed,
  };
}

/**
 * One host's figures (`--host`), side by side in the same run: its round trips on the first store,
 * counted through the storage that host uses, against its own SDK's bare-turn floor.
 */
export interface HostFigures {
  host: string;
  storage: string;
  sessionsPerSecond: number;
  burst: number;
  steadyRate: number | undefined;
  steadySubmitToThankYou: LatencySummary;
  steadyP99SubmitToThankYouMs: number;
  botCpuPerSessionMsAtOnce: number;
  botCpuPerSessionMsSteady: number;
  storageOpsPerSession: number;
  storageOpsByKind: Economy['storageOpsByKind'];
  restRequestsPerSession: number;
  botCpuMs: number;
  botPeakRssBytes: number;
  failed: number;
  /** The host's own SDK's bare turns, measured in the same run (absent with --floor-turns 0). */
  floor: FloorFigures | undefined;
  /** `sessionCpuToFloor` / `sessionCpuToFloorSteady` against that floor. */
  ratios: Record<string, number | null>;
}

export function hostFigures(
  host: string,
  storage: string,
  run: { burst: RoundTripFigures; steady: RoundTripFigures; economy: Economy; botFinal: { cpuMs: number; peakRssBytes: number } },
  floor: FloorFigures | undefined,
): HostFigures {
  return {
    host,
    storage,
    sessionsPerSecond: run.burst.sessionsPerSecond,
    burst: run.burst.sessions,
    steadyRate: run.steady.offeredRate,
    steadySubmitToThankYou: run.steady.submitToThankYou,
    steadyP99SubmitToThankYouMs: run.steady.submitToThankYou.p99Ms,
    botCpuPerSessionMsAtOnce: run.burst.botCpuPerSessionMs,
    botCpuPerSessionMsSteady: run.steady.botCpuPerSessionMs,
    storageOpsPerSession: run.economy.storageOpsPerSession,
    storageOpsByKind: run.economy.storageOpsByKind,
    restRequestsPerSession: run.economy.restRequestsPerSession,
    botCpuMs: round(run.botFinal.cpuMs),
    botPeakRssBytes: run.botFinal.peakRssBytes,
    failed: run.burst.failed + run.steady.failed,
    floor,
    ratios: floorRatios(run.steady, run.burst, floor),
  };
}

/** The hosts side by side: one row per figure, one column per host. */
export function renderHosts(hosts: Readonly<Record<string, HostFigures>>): string {
  const list = Object.values(hosts);
  if (list.length === 0) return '';
  const cell = (f: (h: HostFigures) => string) => list.map(f);
  const lat = (l: LatencySummary) => `${l.p50Ms} / ${l.p99Ms} ms`;
  const floorCell = (h: HostFigures) =>
    h.floor
      ? `${h.floor.botCpuPerTurnMs} ms (${h.floor.turnsPerSession} = ${round(h.floor.botCpuPerTurnMs * h.floor.turnsPerSession)} ms)${h.floor.failed > 0 ? `, ${h.floor.failed} failed` : ''}`
      : '-';
  const num = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));
  const rows: string[][] = [
    ['', ...cell((h) => h.host)],
    ['storage', ...cell((h) => h.storage)],
    ['sessions/s at once', ...cell((h) => `${h.sessionsPerSecond} (${h.burst} at once)`)],
    ['steady: submit → thank-you p50 / p99', ...cell((h) => `${lat(h.steadySubmitToThankYou)} at ${h.steadyRate ?? '?'}/s`)],
    ['bot CPU per session, at once / steady', ...cell((h) => `${h.botCpuPerSessionMsAtOnce} / ${h.botCpuPerSessionMsSteady} ms`)],
    ['floor: bot CPU per bare turn (own SDK)', ...cell(floorCell)],
    ['floor: storage operations per bare turn', ...cell((h) => (h.floor ? String(h.floor.storageOpsPerTurn) : '-'))],
    ['ratio sessionCpuToFloor, at once / steady', ...cell((h) => `${num(h.ratios.sessionCpuToFloor)} / ${num(h.ratios.sessionCpuToFloorSteady)}`)],
    [
      'storage operations per session',
      ...cell((h) => `${h.storageOpsByKind.total} (r ${h.storageOpsByKind.reads}, w ${h.storageOpsByKind.writes}, d ${h.storageOpsByKind.deletes})`),
    ],
    ['REST requests per session', ...cell((h) => String(h.restRequestsPerSession))],
    ['bot CPU total / peak RSS', ...cell((h) => `${(h.botCpuMs / 1000).toFixed(1)} s / ${mb(h.botPeakRssBytes)}`)],
    ['sessions failed', ...cell((h) => String(h.failed))],
  ];
  const kinds = [...new Set(list.flatMap((h) => Object.keys(h.storageOpsByKind.byKind)))];
  for (const kind of kinds) rows.push([`  ${kind}`, ...cell((h) => num(h.storageOpsByKind.byKind[kind] ?? 0))]);
  const columns = rows[0]?.length ?? 0;
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `\nhosts side by side (the round trips on the first store, each against its own SDK's floor)\n\n${rows.map(line).join('\n')}\n`;
}

export type Report = {
  node: string;
  cpu: string;
  roundTrip: {
    sessionsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    steady: RoundTripFigures;
    burst: RoundTripFigures;
    botCpuMs: number;
    botPeakRssBytes: number;
  };
  pending: PendingFigures | undefined;
  baseline: BaselineFigures | undefined;
  floor: FloorFigures | undefined;
  instances: InstancesFigures | undefined;
  storage?: string;
  stores?: StoreFigures[];
  /** Which host the top-level figures are (the first of `--host`). */
  host?: string;
  /** Every host's figures, keyed by host (`--host`), the first one's included. */
  hosts?: Record<string, HostFigures>;
  economy: EconomyReport;
  ratios: Record<string, unknown>;
};

export function renderTable(report: Report): string {
  const rows: Array<[string, string, string]> = [];
  const { steady, burst } = report.roundTrip;
  const lat = (l: LatencySummary) => `p50 ${l.p50Ms} / p90 ${l.p90Ms} / p99 ${l.p99Ms} / max ${l.maxMs} ms`;
  rows.push([
    `steady (${steady.offeredRate ?? '?'}/s): sessions completed / failed`,
    `${steady.completed} / ${steady.failed}`,
    `${steady.sessionsPerSecond}/s held`,
  ]);
  rows.push(['steady: submit → thank-you', lat(steady.submitToThankYou), 'target p99 < 50 ms at half the at-once sessions/s']);
  rows.push(['steady: submit → Case updated', lat(steady.submitToCaseUpdated), '']);
  rows.push([
    'steady: CPU per session, bot / rest',
    `${steady.botCpuPerSessionMs} / ${steady.rigCpuPerSessionMs} ms`,
    'rest = simulator + channel + customers',
  ]);
  rows.push([`at once (${burst.sessions}): sessions/s`, `${burst.sessionsPerSecond} (${burst.completed} ok, ${burst.failed} failed)`, 'target >= 300/s']);
  rows.push(['at once: submit → thank-you', lat(burst.submitToThankYou), '']);
  rows.push(['at once: submit → Case updated', lat(burst.submitToCaseUpdated), '']);
  rows.push(['at once: CPU per session, bot / rest', `${burst.botCpuPerSessionMs} / ${burst.rigCpuPerSessionMs} ms`, '']);
  rows.push(['bot CPU total / peak RSS', `${(report.roundTrip.botCpuMs / 1000).toFixed(1)} s / ${mb(report.roundTrip.botPeakRssBytes)}`, '']);
  const e = report.economy;
  const st = e.storageOpsByKind;
  rows.push([`economy (${e.sessions} sessions): REST requests per session`, String(e.restRequestsPerSession), 'target <= 2']);
  for (const [route, n] of Object.entries(e.restRequestsByRoute)) rows.push([`  ${route}`, String(n), '']);
  rows.push(['economy: publishes per session / deliveries per answer', `${e.publishesPerSession} / ${e.deliveriesPerAnswer}`, 'target 1 / 1 per instance']);
  rows.push(['economy: Cowork_Status__e publishes per session', String(e.statusPublishesPerSession), 'the panel; COWORK_STATUS_EVENTS=off: 0']);
  rows.push(['economy: Pub/Sub Publish calls per session', String(e.publishCallsPerSession), 'the answer and the statuses, batched']);
  if (e.deliveriesPerAnswerWithAllWaiting !== null || e.baselineDeliveriesPerAnswer !== null) {
    rows.push([
      'economy: deliveries per answer, all waiting / baseline',
      `${e.deliveriesPerAnswerWithAllWaiting ?? '-'} / ${e.baselineDeliveriesPerAnswer ?? '-'} (baseline at ${e.baselineDeliveriesComparedAt ?? '-'})`,
      '',
    ]);
  }
  rows.push(['economy: storage operations per session', `${st.total} (reads ${st.reads}, writes ${st.writes}, deletes ${st.deletes})`, 'target <= 12']);
  for (const [kind, n] of Object.entries(st.byKind)) rows.push([`  ${kind}`, String(n), '']);
  const p = report.pending;
  if (p) {
    rows.push([`pending: sessions waiting`, `${p.created} of ${p.sessions} (${p.sessionsCreatedPerSecond}/s to create)`, '']);
    rows.push(['pending: bot heap per session (outside Storage)', `${p.heapBytesPerSession} B`, 'target < 2048 B']);
    rows.push(['pending: Storage per session (MemoryStorage JSON)', `${p.storageBytesPerSession} B in ${p.storageEntriesPerSession} entries`, '']);
    rows.push(['pending: bot RSS per session (incl. Storage)', `${p.rssBytesPerSession} B`, '']);
    rows.push(['pending: Pub/Sub streams open', String(p.streams), 'target 1 per topic']);
    rows.push(['pending: events routed', `${p.eventsRoutedPerSecond}/s (${p.eventBurst} per burst)`, '']);
    rows.push(['pending: publish → thank-you', lat(p.publishToThankYou), '']);
    rows.push([
      'pending: completed exactly once',
      `${p.completedExactlyOnce} (duplicates ${p.duplicates}, missing ${p.missing}, Cases updated ${p.casesUpdated})`,
      '',
    ]);
  }
  const b = report.baseline;
  if (b) {
    for (const s of b.steps) {
      rows.push([
        `baseline ${s.sessions}: ${s.survived ? 'survived' : 'FAILED'}`,
        s.survived
          ? `${s.streams} streams, heap ${s.heapBytesPerSession} B/session, RSS ${s.rssBytesPerSession} B/session, ${s.eventsRoutedPerSecond} events/s`
          : (s.failure ?? ''),
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
  for (const step of report.instances?.steps ?? []) {
    const st = step.economy.storageOpsByKind;
    rows.push([
      `${step.instances} instance(s) over Azurite, ${step.sessions} at once`,
      `${step.sessionsPerSecond} sessions/s (${step.failed} failed); bot CPU ${step.botCpuPerSessionMs} ms, storage requests ${st.total}, deliveries ${step.economy.deliveriesPerAnswer} per session`,
      step.firstError ?? '',
    ]);
  }
  if (report.instances) rows.push(['instances: two over one, sessions/s', String(report.instances.twoToOne), '']);
  for (const store of report.stores ?? [])
    rows.push([
      `storage ${store.storage}: sessions/s at once, p99 submit → thank-you, bot CPU per session, storage ops per session`,
      `${store.sessionsPerSecond}/s, ${store.steadyP99SubmitToThankYouMs} ms, ${store.botCpuPerSessionMsAtOnce} ms, ${store.storageOpsPerSession}`,
      store.failed > 0 ? `${store.failed} failed` : '',
    ]);
  const targets: Record<string, string> = {
    sessionCpuToFloor: 'target <= 1.5',
    baselineHeapPerSessionToOurs: 'target >= 10',
    baselineHeapPerSessionToOursWithStorage: 'target >= 10',
  };
  for (const [name, value] of Object.entries(report.ratios)) rows.push([`ratio ${name}`, JSON.stringify(value), targets[name] ?? '']);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i as 0 | 1 | 2].length)));
  const line = (r: [string, string, string]) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const host = report.host ? ` (${report.host} host)` : '';
  return `\ncowork-bot benchmark${host} — Node ${report.node}, ${report.cpu}\n\n${rows.map(line).join('\n')}\n${renderHosts(report.hosts ?? {})}`;
}
