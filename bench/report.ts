/** The bench's report: ratios between designs and the table printed without `--json`. */
import type { BaselineFigures } from './scenarios/baseline';
import type { FloorFigures } from './scenarios/floor';
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

export type Report = {
  node: string;
  cpu: string;
  roundTrip: { sessionsPerSecond: number; p50Ms: number; p99Ms: number; steady: RoundTripFigures; burst: RoundTripFigures; botCpuMs: number; botPeakRssBytes: number };
  pending: PendingFigures | undefined;
  baseline: BaselineFigures | undefined;
  floor: FloorFigures | undefined;
  ratios: Record<string, unknown>;
};

export function renderTable(report: Report): string {
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
