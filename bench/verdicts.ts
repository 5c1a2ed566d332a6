/**
 * The bench judges itself: each figure that has a target (docs/BENCHMARKS.md) is compared with it,
 * printed with ✓ or ✗, and `npm run bench -- --check` exits non-zero when one is missed.
 */
import type { HostFigures, Report } from './report';

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

type HostRule = { figure: string; target: string; value: (h: HostFigures) => number | null | undefined; met: (v: number) => boolean };

/** The targets a host's own figures are judged by (`report.hosts`), for every host after the first (whose are above). */
const HOST_RULES: readonly HostRule[] = [
  { figure: 'steady: submit → thank-you p99 (ms)', target: '< 50', value: (h) => h.steadyP99SubmitToThankYouMs, met: (v) => v < 50 },
  { figure: 'at once: sessions/s', target: '>= 300', value: (h) => h.sessionsPerSecond, met: (v) => v >= 300 },
  { figure: 'economy: REST requests per session', target: '<= 2', value: (h) => h.restRequestsPerSession, met: (v) => v <= 2 },
  { figure: 'economy: storage operations per session', target: '<= 12', value: (h) => h.storageOpsByKind.total, met: (v) => v <= 12 },
  { figure: 'ratio sessionCpuToFloor', target: '<= 1.5', value: (h) => num(h.ratios.sessionCpuToFloor), met: (v) => v <= 1.5 },
];

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The first host's figures under their own names; every other host's (`report.hosts`) prefixed by the host, e.g. `agents: ratio sessionCpuToFloor`. */
export function verdicts(report: Report): Verdict[] {
  const judge = (figure: string, target: string, value: number | null | undefined, met: (v: number) => boolean): Verdict[] =>
    typeof value === 'number' && Number.isFinite(value) ? [{ figure, value, target, met: met(value) }] : [];
  const first = RULES.flatMap((rule) => judge(rule.figure, rule.target, rule.value(report), rule.met));
  const others = Object.values(report.hosts ?? {})
    .filter((h) => h.host !== report.host)
    .flatMap((h) => HOST_RULES.flatMap((rule) => judge(`${h.host}: ${rule.figure}`, rule.target, rule.value(h), rule.met)));
  return [...first, ...others];
}

/** One line per target: "✓ figure  value  (target …)". */
export function renderVerdicts(list: readonly Verdict[]): string {
  if (list.length === 0) return '';
  const width = Math.max(...list.map((v) => v.figure.length));
  const lines = list.map((v) => `${v.met ? '✓' : '✗'} ${v.figure.padEnd(width)}  ${String(v.value).padStart(8)}  (target ${v.target})`);
  const missed = list.filter((v) => !v.met).length;
  return `\ntargets: ${list.length - missed} of ${list.length} met\n${lines.join('\n')}\n`;
}
