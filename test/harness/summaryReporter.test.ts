/**
 * The plain summary line (test/harness/summaryReporter.js), from a real jest run on fixtures:
 * passed tests are counted, and a suite that fails to load counts as failed.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(__dirname, 'fixtures/summary');
const JEST = path.join(ROOT, 'node_modules/jest/bin/jest.js');

/** Runs jest on the named fixtures with the project's summary reporter; returns its exit code and last line. */
function runJest(...fixtures: string[]): { status: number | null; lastLine: string } {
  const config = {
    rootDir: FIXTURES,
    testMatch: fixtures.map((f) => `<rootDir>/${f}`),
    testEnvironment: 'node',
    reporters: [path.join(ROOT, 'test/harness/summaryReporter.js')],
    cacheDirectory: path.join(ROOT, 'node_modules/.cache/summary-reporter-test'),
  };
  const run = spawnSync(process.execPath, [JEST, '--config', JSON.stringify(config), '--runInBand', '--ci'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const lines = run.stdout.split('\n').filter((line) => line.trim() !== '');
  return { status: run.status, lastLine: lines[lines.length - 1] ?? '' };
}

describe('the summary line', () => {
  it('counts passed and skipped tests of a clean run', () => {
    expect(runJest('passes.fixture.js')).toEqual({ status: 0, lastLine: '2 passed, 0 failed, 1 skipped' });
  });

  it('counts failed tests next to passed ones', () => {
    expect(runJest('passes.fixture.js', 'fails.fixture.js')).toEqual({ status: 1, lastLine: '3 passed, 1 failed, 1 skipped' });
  });

  it('counts a suite that fails to load as failed, alone or among others', () => {
    expect(runJest('doesNotLoad.fixture.js')).toEqual({ status: 1, lastLine: '0 passed, 1 failed' });
    expect(runJest('passes.fixture.js', 'doesNotLoad.fixture.js')).toEqual({ status: 1, lastLine: '2 passed, 1 failed, 1 skipped' });
  });
});
