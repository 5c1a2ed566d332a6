/**
 * The whole flow in Microsoft 365 Agents Playground (the archived Emulator's successor), in a real
 * browser: Debian's Chromium driven by playwright-core, the Playground's Teams look, the bot under
 * test with the embedded simulator. `/cowork`, the form card, a click on a choice and on Send, the
 * thank-you, and the form card updated in place to "✅ Saved on Case …".
 *
 * Needs Chromium (`apt-get install chromium`; CI's .ci/run installs it). Without it the test is
 * skipped with a message, except under CI, where it fails: a browser test never passes silently.
 * Nothing leaves the machine: the page's requests to anything but loopback are aborted (the
 * Playground's UI asks a CDN for fonts), the Playground runs with telemetry off, and every process
 * the test starts is watched (test/harness/offMachineTraffic.ts): a check that can fail, and does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, waitUntil } from '../harness/coworkSteps';
import { watchOffMachineTraffic, type OffMachineTraffic } from '../harness/offMachineTraffic';
import { describeWithChromium, freePort, openBrowser, startPlayground } from '../harness/playground';

describeWithChromium('the whole flow in Microsoft 365 Agents Playground, in Chromium', () => {
  let t: BotUnderTest;
  let playground: ChildProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let port: number;
  const workDir = mkdtempSync(path.join(tmpdir(), 'cowork-playground-'));
  let traffic: OffMachineTraffic | undefined;

  beforeAll(async () => {
    // Before anything starts: every process of the test (bot, Playground, Chromium) is watched.
    traffic = await watchOffMachineTraffic();
    t = await startBotUnderTest();
    port = await freePort();
    playground = await startPlayground(t.bot.url, port, workDir);
    ({ browser, page } = await openBrowser(traffic.chromiumArgs));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    playground?.kill('SIGTERM');
    await t?.stop();
    await traffic?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Types `text` in the Playground's compose box and sends it (Enter). */
  async function type(text: string): Promise<void> {
    const compose = page.locator('div[role=textbox][data-lexical-editor=true]');
    await compose.click();
    await compose.pressSequentially(text);
    await page.keyboard.press('Enter');
  }

  /** `/cowork <Case>`, until the form of the Case is in the chat. */
  async function startCowork(caseNumber: string): Promise<void> {
    await type(`/cowork ${caseNumber}`);
    await page.getByText(`Case ${caseNumber}`).first().waitFor({ timeout: 30_000 });
  }

  it('starts a form, sends a choice from the card, thanks, and updates the card in place', async () => {
    const c = oneCase(sim(t).org);
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.getByText('I am the co-work bot').first().waitFor({ timeout: 30_000 });

    await type(`/cowork ${c.caseNumber}`);
    await page.getByText('A form regarding the use of funds must be completed').first().waitFor({ timeout: 30_000 });
    await page.getByText(`Case ${c.caseNumber}`).first().waitFor({ timeout: 30_000 });
    // No connector or relay, but the Salesforce side is on: the Case's panel can take the chat, so the card offers a person.
    expect(await page.getByRole('button', { name: 'Talk to a person' }).count()).toBe(1);

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
    await startCowork(c.caseNumber);
    await type('the last one');
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
    // The Playground never named the form card (no id for the send, the Send was the confirmation
    // card's): it is still live. Pressed, it refuses the second answer and is retired, read-only.
    expect(await page.getByRole('radio').count()).toBeGreaterThan(0);
    await page
      .getByRole('radio', { name: /Education$/ })
      .last()
      .click();
    await page.getByRole('button', { name: 'Send', exact: true }).last().click();
    await page.getByText('We have already received your answer to this form, thank you.').last().waitFor({ timeout: 30_000 });
    await page.getByRole('radio').first().waitFor({ state: 'detached', timeout: 30_000 });
    expect(await page.getByText(`✅ Saved on Case ${c.caseNumber}`).count()).toBe(2);
    expect(sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c).toBe('Other');
  }, 120_000);

  it('answers a question about the choices with buttons to tap, and one live form stays in the chat', async () => {
    const c = oneCase(sim(t).org);
    await startCowork(c.caseNumber);
    // Radios of earlier forms in this chat, if any (a form card is retired once a click names it).
    const radios = await page.getByRole('radio').count();
    await type('what is debt consolidation?');
    await page.getByText('Here is what the choices mean:').last().waitFor({ timeout: 30_000 });
    // The explanation is rendered as markdown (the Playground shows a message with suggested actions
    // as typed, so the choices to tap come in a plain message of their own).
    await page.locator('strong', { hasText: 'Debt Consolidation' }).last().waitFor({ timeout: 30_000 });
    // The Playground gives the bot no activity ids: a second form could never be retired. No new form.
    expect(await page.getByRole('radio').count()).toBe(radios);
    const tap = page.getByRole('button', { name: /Debt Consolidation$/ }).last();
    await tap.waitFor({ timeout: 30_000 });
    await tap.click();
    await page.getByText('Debt Consolidation. Send it?').last().waitFor({ timeout: 30_000 });
    expect(await page.getByRole('radio').count()).toBe(radios);
    await page.screenshot({ path: path.join(workDir, 'playground-question.png') });
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
