/**
 * The bench judges its own figures: every target is printed with ✓ or ✗ and `--check` makes a
 * miss an exit status (bench/index.ts), so a developer sees at once what regressed.
 */
import { parseOptions } from '../../bench/options';
import type { Report } from '../../bench/report';
import { renderVerdicts, verdicts } from '../../bench/verdicts';

/** The figures the targets read, as a run reports them; everything else is left out. */
function reportWith(p99Ms: number, sessionsPerSecond: number, storageOps: number): Report {
  return {
    roundTrip: { steady: { submitToThankYou: { p99Ms } }, burst: { sessionsPerSecond } },
    economy: { restRequestsPerSession: 2, publishesPerSession: 1, deliveriesPerAnswer: 1, storageOpsByKind: { total: storageOps } },
    pending: undefined,
    ratios: { sessionCpuToFloor: null },
  } as unknown as Report;
}

describe('bench verdicts', () => {
  it('marks each figure against its target, and only the figures the run measured', () => {
    const list = verdicts(reportWith(12, 450, 30));
    expect(list.map((v) => [v.figure, v.met])).toEqual([
      ['steady: submit → thank-you p99 (ms)', true],
      ['at once: sessions/s', true],
      ['economy: REST requests per session', true],
      ['economy: publishes per session', true],
      ['economy: deliveries per answer', true],
      ['economy: storage operations per session', false],
    ]);
    const text = renderVerdicts(list);
    expect(text).toContain('targets: 5 of 6 met');
    expect(text).toMatch(/✗ economy: storage operations per session\s+30 {2}\(target <= 12\)/);
    expect(text).toMatch(/✓ at once: sessions\/s\s+450 {2}\(target >= 300\)/);
  });

  it('a slow round trip is a miss', () => {
    expect(
      verdicts(reportWith(80, 450, 10))
        .filter((v) => !v.met)
        .map((v) => v.figure),
    ).toEqual(['steady: submit → thank-you p99 (ms)']);
  });

  it('--check is an option (exit status 2 on a miss), off by default', () => {
    expect(parseOptions(['--quick', '--check']).check).toBe(true);
    expect(parseOptions(['--quick']).check).toBe(false);
  });
});
