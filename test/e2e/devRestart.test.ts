/**
 * `npm run dev` restarts the bot on every change (issue 28, item 1), the README's way: the script
 * as package.json has it, in a copy of the project (the checkout's own sources are never edited, so
 * a test that dies half-way leaves nothing changed behind). The copy's banner is edited: the bot
 * stops, starts again and says the new text, on the same port; the edit undone, it says the old
 * one again. Real processes on 127.0.0.1, every wait bounded.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../harness/processes';
import { npm, ROOT, type NpmProcess } from '../harness/npmProcess';

const BANNER = 'cowork-bot is running';
const EDITED = 'cowork-bot is running, edited while it ran';
const START_MS = 120_000;
/** What `npm run dev` needs from the project: its sources and configuration, not its outputs or tests. */
const LEFT_OUT = new Set(['node_modules', '.git', 'dist', 'reports', 'test', '.simulator', '.azurite', '.stryker-tmp', 'coverage', 'bench']);

let copy: string | undefined;
let dev: NpmProcess | undefined;
afterAll(async () => {
  await dev?.stop();
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('npm run dev', () => {
  it(
    'restarts on a change to a source file, with the changed behaviour, and again when it is undone',
    async () => {
      copy = mkdtempSync(path.join(os.tmpdir(), 'cowork-dev-'));
      cpSync(ROOT, copy, { recursive: true, filter: (source) => source === ROOT || !LEFT_OUT.has(path.relative(ROOT, source).split(path.sep)[0] ?? '') });
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
      const banner = path.join(copy, 'bot', 'edge', 'banner.ts');
      const original = readFileSync(banner, 'utf8');
      expect(original).toContain(`'${BANNER}'`);

      const port = await freePort();
      dev = npm(['run', 'dev'], { PORT: String(port) }, copy);
      await dev.waitFor(BANNER, START_MS);
      expect(dev.output()).not.toContain(EDITED);
      expect((await fetch(`http://127.0.0.1:${port}/api/messages`, { method: 'HEAD' })).status).toBe(200);

      writeFileSync(banner, original.replace(`'${BANNER}'`, `'${EDITED}'`));
      await dev.waitFor(EDITED, START_MS);
      // The restarted bot (not the first one) answers on the same port.
      expect((await fetch(`http://127.0.0.1:${port}/api/messages`, { method: 'HEAD' })).status).toBe(200);
      expect(dev.output()).not.toMatch(/EADDRINUSE|already in use/);

      writeFileSync(banner, original);
      // The old banner again, after the edited one.
      await dev.waitFor(new RegExp(`${EDITED}[\\s\\S]*${BANNER}\\n`), START_MS);
      expect((await fetch(`http://127.0.0.1:${port}/api/messages`, { method: 'HEAD' })).status).toBe(200);
      expect(dev.child.exitCode).toBeNull();
    },
    3 * START_MS,
  );
});
