/**
 * The README's promises, run as written: the commands on its first screen and in "Try it", the curl
 * of the agent's side and the Azurite commands of "Durable sessions". A command the README adds
 * without a run here fails the first test. Real processes, 127.0.0.1 only.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EmulatorChannel } from '../harness/emulatorChannel';
import { freePort } from '../harness/processes';
import { npm, ROOT, type NpmProcess } from '../harness/npmProcess';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BANNER = 'cowork-bot is running';
const START_MS = 180_000;
const run = promisify(execFile);

/** The text of a README section, from its heading to the next one. */
function section(heading: string): string {
  const start = README.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const end = README.indexOf('\n## ', start + 3);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The commands of a section: lines of its bash blocks (comments cut) and its inline `npm …` commands. */
function commands(text: string): string[] {
  const found: string[] = [];
  for (const block of text.matchAll(/```bash\n([\s\S]*?)```/g)) {
    for (const line of (block[1] ?? '').split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command && !command.startsWith('#')) found.push(command);
    }
  }
  for (const inline of text.replace(/```[\s\S]*?```/g, '').matchAll(/`(npm (?:ci|start|test|run) [^`]*|npm (?:ci|start|test))`/g)) found.push(inline[1] ?? '');
  return [...new Set(found)];
}

const firstScreen = README.slice(0, README.indexOf('\n## '));

/** The commands of "Take the customer's chat over from the Case" after its `npm start` (run in one shell, in order). */
function takeoverBlock(): string[] {
  const text = section("Try it from the agent's side (the Case in Salesforce)");
  const start = text.indexOf("### Take the customer's chat over from the Case");
  if (start < 0) throw new Error('README has no takeover subsection');
  return commands(text.slice(start)).filter((command) => command !== 'npm start');
}

const running: NpmProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

function started(args: string[], env: Record<string, string>): NpmProcess {
  const p = npm(args, env);
  running.push(p);
  return p;
}

describe("the README's commands", () => {
  it('are exactly the ones this file (and CI) runs', () => {
    expect(commands(firstScreen)).toEqual(['npm ci && npm start', 'npm test', 'npm ci', 'npm start']);
    expect(commands(section('Try it in Microsoft 365 Agents Playground'))).toEqual(['npm ci && npm start', 'npm run playground']);
    expect(commands(section("Try it from the agent's side (the Case in Salesforce)"))).toEqual([
      'npm start',
      expect.stringMatching(/^curl --cacert \.simulator\/simulator-ca\.pem .*__simulator\/events\/Cowork_Request__e$/),
      ...takeoverBlock(),
    ]);
    expect(commands(section('Durable sessions and several instances'))).toEqual([
      'npm run azurite',
      'STORAGE=blob AZURE_STORAGE_CONNECTION_STRING=UseDevelopmentStorage=true npm start',
      'STORAGE=table AZURE_TABLES_CONNECTION_STRING=UseDevelopmentStorage=true npm start',
      'npm run storage:migrate -- --from blob --to table',
    ]);
    // `npm ci` and `npm test` are CI's own steps (.ci/run), and this suite runs in `npm test`.
    const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  it("npm start, then the agent side's curl as written, and npm run playground on the bot's PORT", async () => {
    const port = await freePort();
    const bot = started(['start'], { PORT: String(port), LOG_FORMAT: 'json' });
    const banner = await bot.waitFor(BANNER, START_MS);
    const simulatorPort = banner.match(/embedded simulator at https:\/\/127\.0\.0\.1:(\d+)/)?.[1];
    const caseId = banner.match(/^\s+0000\d+\s+(500\w+)\s/m)?.[1];
    expect(simulatorPort).toBeDefined();
    expect(caseId).toBeDefined();

    const curl = commands(section("Try it from the agent's side (the Case in Salesforce)"))[1] ?? '';
    const command = curl.replace('<Case Id>', caseId ?? '').replace('<simulator port>', simulatorPort ?? '');
    const result = await run('sh', ['-c', `${command} -s -w '\\n%{http_code}'`], { cwd: ROOT, timeout: 20_000 });
    expect(result.stdout.trim().split('\n').pop()).toMatch(/^20\d$/);

    const playgroundPort = await freePort();
    // PLAYGROUND_BROWSER=none, as README says for a machine without a desktop (CI, a container).
    const playground = started(['run', 'playground'], { PORT: String(port), PLAYGROUND_PORT: String(playgroundPort), PLAYGROUND_BROWSER: 'none' });
    await playground.waitFor(`agentsplayground --dt -e http://127.0.0.1:${port}/api/messages -c msteams -p ${playgroundPort}`, 60_000);
    // The address to open, said once the page is served (without the stand-in xdg-open, on a machine
    // without one, the Playground printed "Listening on" and exited 1 with no word).
    await playground.waitFor(`Agents Playground is ready: open http://localhost:${playgroundPort} in a browser`, 60_000);
    const deadline = Date.now() + 60_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = await fetch(`http://127.0.0.1:${playgroundPort}/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
    expect(playground.child.exitCode).toBeNull();
  }, 300_000);

  it("npm start, then the takeover's curls as written: the agent's message reaches the linked chat, the bot is back after the hand back", async () => {
    const port = await freePort();
    const bot = started(['start'], { PORT: String(port), LOG_FORMAT: 'json' });
    const banner = await bot.waitFor(BANNER, START_MS);
    const simulatorPort = banner.match(/embedded simulator at https:\/\/127\.0\.0\.1:(\d+)/)?.[1] ?? '';
    const caseId = banner.match(/^\s+00001026\s+(500\w+)\s/m)?.[1] ?? '';
    expect(simulatorPort).not.toBe('');
    expect(caseId).not.toBe('');
    // "Emulator: type /cowork 00001026 once (this chat is now linked to that Case), then hello"
    const channel = await EmulatorChannel.start();
    try {
      const chat = channel.conversation(`http://127.0.0.1:${port}`, { id: 'readme-customer', name: 'Customer' });
      await chat.say('/cowork 00001026');
      await chat.waitForCard();
      await chat.say('hello');
      const script = takeoverBlock()
        .map((command) => command.replaceAll('<Case Id>', caseId).replaceAll('<simulator port>', simulatorPort))
        .map((command) => (command.startsWith('curl ') ? `${command} -s -f -o /dev/null` : command))
        .join('\n');
      await run('sh', ['-e', '-c', script], { cwd: ROOT, timeout: 60_000 });
      await chat.waitForText('Hello, I am Ana', 30_000);
      await chat.waitForText('You are back with the co-work bot', 30_000);
    } finally {
      await channel.stop();
    }
  }, 300_000);

  it('npm run azurite, then the bot on it with STORAGE=blob and with STORAGE=table', async () => {
    const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
    const location = mkdtempSync(path.join(os.tmpdir(), 'cowork-azurite-'));
    try {
      // As written, with its ports and folder moved off the developer's 10000-10002 and .azurite/.
      const azurite = started(['run', 'azurite'], {
        AZURITE_BLOB_PORT: String(blobPort),
        AZURITE_QUEUE_PORT: String(queuePort),
        AZURITE_TABLE_PORT: String(tablePort),
        AZURITE_LOCATION: location,
      });
      await azurite.waitFor(`Table service is successfully listening at http://127.0.0.1:${tablePort}`, 60_000);
      await azurite.waitFor(`Blob service is successfully listening at http://127.0.0.1:${blobPort}`, 60_000);
      expect(azurite.output()).toContain('--disableTelemetry');
      // UseDevelopmentStorage=true is 127.0.0.1:10000: the same account on the moved port.
      const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
      const bot = started(['start'], {
        PORT: String(await freePort()),
        LOG_FORMAT: 'json',
        STORAGE: 'blob',
        AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};BlobEndpoint=http://127.0.0.1:${blobPort}/devstoreaccount1;`,
      });
      const banner = await bot.waitFor(BANNER, START_MS);
      expect(banner).toContain('Storage: Azure Blob Storage, container cowork-bot');
      const onTable = started(['start'], {
        PORT: String(await freePort()),
        LOG_FORMAT: 'json',
        STORAGE: 'table',
        AZURE_TABLES_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};TableEndpoint=http://127.0.0.1:${tablePort}/devstoreaccount1;`,
      });
      expect(await onTable.waitFor(BANNER, START_MS)).toContain('Storage: Azure Table storage, table coworkbot');
    } finally {
      await Promise.all(running.splice(0).map((p) => p.stop()));
      // Azurite may still flush its last file as its process group ends: a bounded retry (ENOTEMPTY seen in CI).
      rmSync(location, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    }
  }, 300_000);
});
