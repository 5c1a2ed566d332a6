/**
 * The whole flow in Microsoft 365 Agents Playground (the archived Emulator's successor), in a real
 * browser: Debian's Chromium driven by playwright-core, the Playground's Teams look, the bot under
 * test with the embedded simulator. `/cowork`, the form card, a click on a choice and on Send, the
 * thank-you, and the form card updated in place to "✅ Saved on Case …".
 *
 * Needs Chromium (`apt-get install chromium`; CI's .ci/run installs it). Without it the test is
 * skipped with a message, except under CI, where it fails: a browser test never passes silently.
 * Nothing leaves the machine: the page's requests to anything but loopback are aborted (the
 * Playground's UI asks a CDN for fonts), and the Playground runs with telemetry off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, waitUntil } from '../harness/coworkSteps';
import { watchOffMachineTraffic, type OffMachineTraffic } from '../harness/offMachineTraffic';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PLAYGROUND_BIN = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'agentsplayground');
const hasChromium = existsSync(CHROMIUM);

if (!hasChromium && process.env.CI) {
  throw new Error(`the Agents Playground browser test needs Chromium at ${CHROMIUM} (apt-get install chromium); CI must install it`);
}
if (!hasChromium) {
  console.warn(`SKIPPED: the Agents Playground browser test needs Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).`);
}

const describeWithChromium = hasChromium ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the Playground against the bot and resolves once it listens (bounded). */
function startPlayground(botUrl: string, port: number, cwd: string): Promise<ChildProcess> {
  const child = spawn(PLAYGROUND_BIN, ['-e', `${botUrl}/api/messages`, '-c', 'msteams', '--dt', '-p', String(port)], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    // --dt turns the Playground's telemetry off, not its Application Insights SDK's own "statsbeat",
    // which resolves westus-0.in.applicationinsights.azure.com and asks the Azure metadata service
    // (169.254.169.254) where it runs: seen by the off-machine check below.
    env: { ...process.env, APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' },
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the Playground did not start within 30 s: ${output}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(`Listening on ${port}`)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Playground exited (${String(code)}): ${output}`));
    });
  });
}

describeWithChromium('the whole flow in Microsoft 365 Agents Playground, in Chromium', () => {
  let t: BotUnderTest;
  let playground: ChildProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let port: number;
  const workDir = mkdtempSync(path.join(tmpdir(), 'cowork-playground-'));
  const external: string[] = [];
  let traffic: OffMachineTraffic | undefined;

  beforeAll(async () => {
    // Before anything starts: every process of the test (bot, Playground, Chromium) is watched.
    traffic = await watchOffMachineTraffic();
    t = await startBotUnderTest();
    port = await freePort();
    playground = await startPlayground(t.bot.url, port, workDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS, ...traffic.chromiumArgs] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
      external.push(url.origin);
      return route.abort();
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    playground?.kill('SIGTERM');
    await t?.stop();
    await traffic?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('starts a form, sends a choice from the card, thanks, and updates the card in place', async () => {
    const c = oneCase(sim(t).org);
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.getByText('I am the co-work bot').first().waitFor({ timeout: 30_000 });

    const compose = page.locator('div[role=textbox][data-lexical-editor=true]');
    await compose.click();
    await compose.pressSequentially(`/cowork ${c.caseNumber}`);
    await page.keyboard.press('Enter');
    await page.getByText('A form regarding the use of funds must be completed').first().waitFor({ timeout: 30_000 });
    await page.getByText(`Case ${c.caseNumber}`).first().waitFor({ timeout: 30_000 });
    // No handoff target is configured: the card offers no person.
    expect(await page.getByRole('button', { name: 'Talk to a person' }).count()).toBe(0);

    await page.getByRole('radio', { name: /Education$/ }).click();
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByText('Thank you, your answer has been sent.').first().waitFor({ timeout: 30_000 });
    await page.getByText('we have noted that the use of funds concerns').first().waitFor({ timeout: 30_000 });
    // The form card itself now reads as saved, with nothing left to press or choose.
    await page.getByText(`✅ Saved on Case ${c.caseNumber}`).first().waitFor({ timeout: 30_000 });
    expect(await page.getByRole('radio').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Send', exact: true }).count()).toBe(0);
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    await page.screenshot({ path: path.join(workDir, 'playground.png') });
  }, 120_000);

  it('takes a typed answer only once confirmed', async () => {
    const c = oneCase(sim(t).org);
    const compose = page.locator('div[role=textbox][data-lexical-editor=true]');
    await compose.click();
    await compose.pressSequentially(`/cowork ${c.caseNumber}`);
    await page.keyboard.press('Enter');
    await page.getByText(`Case ${c.caseNumber}`).first().waitFor({ timeout: 30_000 });
    await compose.click();
    await compose.pressSequentially('the last one');
    await page.keyboard.press('Enter');
    await page.getByText('You chose').last().waitFor({ timeout: 30_000 });
    expect(await page.getByText('Other. Send it?').count()).toBeGreaterThan(0);
    expect(
      sim(t)
        .org.publishedEvents('Use_of_Funds__e')
        .filter((e) => e.payload.Correlation_Id__c === c.caseId),
    ).toHaveLength(0);
    await page.getByRole('button', { name: 'Send', exact: true }).last().click();
    await page.getByText(`✅ Saved on Case ${c.caseNumber}`).first().waitFor({ timeout: 30_000 });
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Other', 'the Case update');
  }, 120_000);

  it('sent nothing off the machine, from any of its processes', () => {
    // The page's requests to a CDN (fonts) were aborted by the route, so they are not attempts.
    expect(traffic?.attemptsBeyondChromiumServices()).toEqual([]);
  });

  it('would have said so: a page request to a documentation address (192.0.2.1) is caught and refused', async () => {
    const probe = await browser?.newPage();
    try {
      await expect(probe?.goto('http://192.0.2.1/probe', { timeout: 15_000 })).resolves.toBeDefined();
      // The check fails for it (the probe and the page's favicon request), and the proxy answered 403: nothing was sent.
      const seen = traffic?.attemptsBeyondChromiumServices() ?? [];
      expect(seen).toContain('proxy GET http://192.0.2.1/probe');
      expect(seen.every((line) => line.includes('192.0.2.1'))).toBe(true);
    } finally {
      await probe?.close();
    }
  });
});
