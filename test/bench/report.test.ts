/**
 * The bench reports the hosts side by side (`--host`): one column per host, each host's session
 * CPU against its own SDK's floor, its storage operations by kind and its p99, so a reader compares
 * botbuilder and the Agents SDK at a glance, in the text and in the JSON (`hosts`, keyed by host).
 */
import { hostFigures, renderHosts } from '../../bench/report';
import type { Economy } from '../../bench/scenarios/economy';
import type { FloorFigures } from '../../bench/scenarios/floor';
import type { RoundTripFigures } from '../../bench/scenarios/roundTrip';

function roundTrip(botCpuPerSessionMs: number, p99Ms: number, sessionsPerSecond: number): RoundTripFigures {
  return {
    sessions: 100,
    completed: 100,
    failed: 0,
    offeredRate: 20,
    sessionsPerSecond,
    botCpuPerSessionMs,
    submitToThankYou: { count: 100, p50Ms: p99Ms / 4, p90Ms: p99Ms / 2, p99Ms, maxMs: p99Ms, meanMs: p99Ms / 4 },
  } as unknown as RoundTripFigures;
}

function economy(reads: number, writes: number, byKind: Record<string, number>): Economy {
  return {
    restRequestsPerSession: 2,
    storageOpsPerSession: reads + writes,
    storageOpsByKind: { reads, writes, deletes: 0, total: reads + writes, byKind },
  } as unknown as Economy;
}

function floor(host: FloorFigures['host'], botCpuPerTurnMs: number): FloorFigures {
  return { host, turns: 300, failed: 0, botCpuPerTurnMs, storageOpsPerTurn: 2, turnsPerSession: 3 };
}

describe('bench hosts side by side', () => {
  const botbuilder = hostFigures(
    'botbuilder',
    'memory',
    {
      burst: roundTrip(15, 60, 37.5),
      steady: roundTrip(21, 40, 30),
      economy: economy(20, 12, { 'read cowork/handoff/*': 3 }),
      botFinal: { cpuMs: 5000, peakRssBytes: 300 * 1024 * 1024 },
    },
    floor('botbuilder', 1.25),
  );
  const agents = hostFigures(
    'agents',
    'memory',
    {
      burst: roundTrip(24, 80, 31),
      steady: roundTrip(30, 70, 25),
      economy: economy(20, 11, { 'read cowork/handoff/*': 3, 'write salesforce-replay-id:*': 1 }),
      botFinal: { cpuMs: 7000, peakRssBytes: 290 * 1024 * 1024 },
    },
    floor('agents', 2.5),
  );

  it("rates each host's session CPU against its own SDK's floor, not the other's", () => {
    // 15 ms over 3 × 1.25 ms; 24 ms over 3 × 2.5 ms.
    expect(botbuilder.ratios.sessionCpuToFloor).toBe(4);
    expect(agents.ratios.sessionCpuToFloor).toBe(3.2);
    expect(agents.ratios.sessionCpuToFloorSteady).toBe(4);
    expect(agents.floor?.host).toBe('agents');
  });

  it('prints one column per host, row by row', () => {
    const text = renderHosts({ botbuilder, agents });
    const row = (start: string) => text.split('\n').find((line) => line.startsWith(start)) ?? '';
    expect(row('  ')).toMatch(/^\s+botbuilder\s+agents$/);
    expect(row('ratio sessionCpuToFloor')).toMatch(/4 \/ 5\.6\s+3\.2 \/ 4$/);
    expect(row('steady: submit → thank-you p50 / p99')).toMatch(/10 \/ 40 ms at 20\/s\s+17\.5 \/ 70 ms at 20\/s$/);
    expect(row('floor: bot CPU per bare turn')).toMatch(/1\.25 ms \(3 = 3\.75 ms\)\s+2\.5 ms \(3 = 7\.5 ms\)$/);
    expect(row('storage operations per session')).toMatch(/32 \(r 20, w 12, d 0\)\s+31 \(r 20, w 11, d 0\)$/);
    // A kind only one host asked for is 0 on the other.
    expect(row('  write salesforce-replay-id:*')).toMatch(/\s0\s+1$/);
  });

  it('prints nothing without hosts (a report of an earlier run)', () => {
    expect(renderHosts({})).toBe('');
  });
});
