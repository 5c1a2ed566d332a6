/**
 * The bench judges its own figures: every target is printed with ✓ or ✗ and `--check` makes a
 * miss an exit status (bench/index.ts), so a developer sees at once what regressed.
 */
import { parseOptions } from '../../bench/options';
import type { HostFigures, Report } from '../../bench/report';
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

/** A host's figures as the run reports them under `hosts`; only what the targets read. */
function hostWith(host: string, p99Ms: number, sessionCpuToFloor: number | null): HostFigures {
  return {
    host,
    steadyP99SubmitToThankYouMs: p99Ms,
    sessionsPerSecond: 40,
    restRequestsPerSession: 2,
    storageOpsByKind: { total: 31 },
    ratios: { sessionCpuToFloor },
  } as unknown as HostFigures;
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

  it("judges every other host's figures too, named by the host; the first host's keep their names", () => {
    const report = {
      ...reportWith(12, 450, 10),
      host: 'botbuilder',
      hosts: { botbuilder: hostWith('botbuilder', 12, null), agents: hostWith('agents', 80, 3.3) },
    };
    const list = verdicts(report);
    expect(list.filter((v) => v.figure.startsWith('botbuilder:'))).toEqual([]);
    expect(list.filter((v) => v.figure.startsWith('agents:')).map((v) => [v.figure, v.value, v.met])).toEqual([
      ['agents: steady: submit → thank-you p99 (ms)', 80, false],
      ['agents: at once: sessions/s', 40, false],
      ['agents: economy: REST requests per session', 2, true],
      ['agents: economy: storage operations per session', 31, false],
      ['agents: ratio sessionCpuToFloor', 3.3, false],
    ]);
    expect(renderVerdicts(list)).toMatch(/✗ agents: ratio sessionCpuToFloor\s+3\.3 {2}\(target <= 1\.5\)/);
  });
});
