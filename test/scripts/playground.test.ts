/**
 * `npm run playground` on a machine without a desktop: the Playground opens its page with xdg-open
 * and, without one, exits 1 right after "Listening on". The stand-in on PATH (scripts/no-browser)
 * hands over to a real xdg-open, or does nothing when there is none or PLAYGROUND_BROWSER=none.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { NO_BROWSER_DIR, pageAddress, playgroundEnv } from '../../scripts/playground';

const run = promisify(execFile);
const SHIM = path.join(NO_BROWSER_DIR, 'xdg-open');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'xdg-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fake desktop opener in `dir` that records the address it was asked to open. */
function fakeOpener(): string {
  const marker = path.join(dir, 'opened');
  writeFileSync(path.join(dir, 'xdg-open'), `#!/bin/sh\necho "$1" > '${marker}'\n`);
  chmodSync(path.join(dir, 'xdg-open'), 0o755);
  return marker;
}

describe('npm run playground without a desktop', () => {
  it('puts the stand-in xdg-open first on PATH on Linux, and turns statsbeat off everywhere', () => {
    const linux = playgroundEnv({ PATH: '/usr/bin' }, 'linux');
    expect(linux.PATH).toBe(`${NO_BROWSER_DIR}${path.delimiter}/usr/bin`);
    expect(linux.APPLICATION_INSIGHTS_NO_STATSBEAT).toBe('true');
    const mac = playgroundEnv({ PATH: '/usr/bin' }, 'darwin');
    expect(mac.PATH).toBe('/usr/bin');
    expect(mac.APPLICATION_INSIGHTS_NO_STATSBEAT).toBe('true');
  });

  it('the stand-in succeeds when the machine has no xdg-open', async () => {
    await expect(run(SHIM, ['http://localhost:56150'], { env: { PATH: `${NO_BROWSER_DIR}:${dir}` } })).resolves.toBeDefined();
  });

  it('never calls itself, however PATH names its folder', async () => {
    const path2 = `${NO_BROWSER_DIR}:${NO_BROWSER_DIR}/.:${path.join(NO_BROWSER_DIR, '..', 'no-browser')}:${dir}`;
    await expect(run(SHIM, ['http://localhost:56150'], { env: { PATH: path2 }, timeout: 10_000 })).resolves.toBeDefined();
  });

  it("hands the address to the machine's own xdg-open", async () => {
    const marker = fakeOpener();
    await run(SHIM, ['http://localhost:56150'], { env: { PATH: `${NO_BROWSER_DIR}:${dir}` } });
    expect(existsSync(marker)).toBe(true);
  });

  it('opens nothing with PLAYGROUND_BROWSER=none', async () => {
    const marker = fakeOpener();
    await run(SHIM, ['http://localhost:56150'], { env: { PATH: `${NO_BROWSER_DIR}:${dir}`, PLAYGROUND_BROWSER: 'none' } });
    expect(existsSync(marker)).toBe(false);
  });

  it("reads the page's address from the Playground's own line (it moves to a random port when 56150 is taken)", () => {
    expect(pageAddress('Listening on 41234\n')).toBe('http://localhost:41234');
    expect(pageAddress('starting')).toBeUndefined();
  });
});
