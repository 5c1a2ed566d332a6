/**
 * How a property-based test runs: seeded and bounded, `COWORK_PBT_SEED` (default: random) and `COWORK_PBT_RUNS`
 * (default 8, CI's), the seed printed so a failing run can be replayed.
 */
export function propertyRuns(name: string): { seed: number; numRuns: number } {
  const seed = process.env.COWORK_PBT_SEED ? Number(process.env.COWORK_PBT_SEED) : Math.floor(Math.random() * 2 ** 31);
  const numRuns = process.env.COWORK_PBT_RUNS ? Number(process.env.COWORK_PBT_RUNS) : 8;
  process.stderr.write(`[${name}] fast-check seed ${seed}, ${numRuns} runs (COWORK_PBT_SEED, COWORK_PBT_RUNS)\n`);
  return { seed, numRuns };
}
