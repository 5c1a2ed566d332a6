/**
 * The bench judges itself: each figure that has a target (docs/BENCHMARKS.md) is compared with it,
 * printed with ✓ or ✗, and `npm run bench -- --check` exits non-zero when one is missed.
 */
import type { Report } from './report';

export interface Verdict {
  figure: string;
  value: number;
  target: string;
  met: boolean;
}

type Rule = { figure: string; target: string; value: (r: Report) => number | null | undefined; met: (v: number) => boolean };

/** Every target, with where its figure is in the report. A figure the run did not measure is not judged. */
const RULES: readonly Rule[] = [
  { figure: 'steady: submit → thank-you p99 (ms)', target: '< 50', value: (r) => r.roundTrip.steady.submitToThankYou.p99Ms, met: (v) => v < 50 },
  { figure: 'at once: sessions/s', target: '>= 300', value: (r) => r.roundTrip.burst.sessionsPerSecond, met: (v) => v >= 300 },
  { figure: 'economy: REST requests per session', target: '<= 2', value: (r) => r.economy.restRequestsPerSession, met: (v) => v <= 2 },
  { figure: 'economy: publishes per session', target: '1', value: (r) => r.economy.publishesPerSession, met: (v) => v === 1 },
  { figure: 'economy: deliveries per answer', target: '1 per instance', value: (r) => r.economy.deliveriesPerAnswer, met: (v) => v === 1 },
  { figure: 'economy: storage operations per session', target: '<= 12', value: (r) => r.economy.storageOpsByKind.total, met: (v) => v <= 12 },
  { figure: 'pending: bot heap per session (B)', target: '< 2048', value: (r) => r.pending?.heapBytesPerSession, met: (v) => v < 2048 },
  { figure: 'ratio sessionCpuToFloor', target: '<= 1.5', value: (r) => num(r.ratios.sessionCpuToFloor), met: (v) => v <= 1.5 },
  { figure: 'ratio baselineHeapPerSessionToOurs', target: '>= 10', value: (r) => num(r.ratios.baselineHeapPerSessionToOurs), met: (v) => v >= 10 },
  {
    figure: 'ratio baselineHeapPerSessionToOursWithStorage',
    target: '>= 10',
    value: (r) => num(r.ratios.baselineHeapPerSessionToOursWithStorage),
    met: (v) => v >= 10,
  },
];

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function verdicts(report: Report): Verdict[] {
  return RULES.flatMap((rule) => {
    const value = rule.value(report);
    return typeof value === 'number' && Number.isFinite(value) ? [{ figure: rule.figure, value, target: rule.target, met: rule.met(value) }] : [];
  });
}

/** One line per target: "✓ figure  value  (target …)". */
export function renderVerdicts(list: readonly Verdict[]): string {
  if (list.length === 0) return '';
  const width = Math.max(...list.map((v) => v.figure.length));
  const lines = list.map((v) => `${v.met ? '✓' : '✗'} ${v.figure.padEnd(width)}  ${String(v.value).padStart(8)}  (target ${v.target})`);
  const missed = list.filter((v) => !v.met).length;
  return `\ntargets: ${list.length - missed} of ${list.length} met\n${lines.join('\n')}\n`;
}
