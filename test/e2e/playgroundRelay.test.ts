/**
 * A person takes over in Microsoft 365 Agents Playground, in a real browser (headless Chromium,
 * the Playground's Teams look, the bot under test with the embedded simulator and the agent relay):
 * the customer in Personal Chat asks for a person; the agent in Group Chat — where a message reaches
 * the bot only with an @mention — logs in, lists, takes over; both talk; the agent answers the form
 * (`/agent answer`) and hands back. The Playground refuses bot-sent event activities, so the relay
 * is told directly and no `handoff.initiate` is sent. The customer is thanked once, the Case saved once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase, thanks, waitUntil } from '../harness/coworkSteps';
import { describeWithChromium, freePort, openBrowser, openChat, startPlayground, type, typeToBot } from '../harness/playground';

const AGENT_KEY = 'playground-relay-agent-key';
const WAIT = { timeout: 30_000 };

function caseWrites(t: BotUnderTest): number {
  return Object.entries(sim(t).org.requestCounts())
    .filter(([route]) => route.startsWith('PATCH'))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** How many of the open chat's messages show `text` (not the left rail's preview of the last one). */
async function inMessages(page: Page, text: string): Promise<number> {
  const found = await page.getByText(text).evaluateAll((elements) => elements.map((el) => el.closest('[role=treeitem]') === null));
  return found.filter(Boolean).length;
}

describeWithChromium('a person takes over through the agent relay in Agents Playground, in Chromium', () => {
  let t: BotUnderTest;
  let playground: ChildProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let port: number;
  let external: string[] = [];
  const workDir = mkdtempSync(path.join(tmpdir(), 'cowork-playground-relay-'));

  beforeAll(async () => {
    t = await startBotUnderTest({ env: { COWORK_AGENT_KEY: AGENT_KEY } });
    port = await freePort();
    playground = await startPlayground(t.bot.url, port, workDir);
    ({ browser, page, external } = await openBrowser());
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    playground?.kill('SIGTERM');
    await t?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('customer in Personal Chat, agent in Group Chat: take over, talk, answer the form, hand back', async () => {
    const c = oneCase(sim(t).org);
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.getByText('I am the co-work bot').first().waitFor(WAIT);

    // The customer, in Personal Chat: a form, then a request for a person.
    await type(page, `/cowork ${c.caseNumber}`);
    await page.getByText(`Case ${c.caseNumber}`).first().waitFor(WAIT);
    await type(page, 'I want to talk to a human');
    await page.getByText('I am asking a person to join this chat').first().waitFor(WAIT);
    expect(await page.getByText('something went wrong').count()).toBe(0);

    // The agent, in Group Chat, always @mentioning the bot.
    await openChat(page, 'Group Chat');
    await typeToBot(page, `/agent login ${AGENT_KEY}`);
    await page.getByText('Logged in as agent').first().waitFor(WAIT);
    await typeToBot(page, '/agent list');
    await page.getByText('Customers waiting for a person (1–1 of 1)').first().waitFor(WAIT);
    await typeToBot(page, '/agent take 1');
    await page.getByText('You are now talking to').first().waitFor(WAIT);
    await typeToBot(page, 'Hello, this is Ada from support.');

    await openChat(page, 'Personal Chat');
    await page.getByText('Hello, this is Ada from support.').first().waitFor(WAIT);
    await type(page, 'Hi Ada, it is for the roof.');

    await openChat(page, 'Group Chat');
    await page.getByText('Hi Ada, it is for the roof.').first().waitFor(WAIT);
    const writesBefore = caseWrites(t);
    await typeToBot(page, '/agent answer renovation');
    await page.getByText(`Published for Case ${c.caseNumber}`).first().waitFor(WAIT);
    await page.getByText(`The answer arrived for Case ${c.caseNumber}`).first().waitFor(WAIT);
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Renovation Work', 'the Case update', 30_000);
    await typeToBot(page, '/agent done');
    await page.getByText('Handed back to the bot').first().waitFor(WAIT);

    await openChat(page, 'Personal Chat');
    await page.getByText('You are back with the co-work bot.').first().waitFor(WAIT);
    const thankYou = thanks('🛠 Renovation Work').replace(/^.*?, /, '');
    await page.getByText(thankYou).first().waitFor(WAIT);
    await page.screenshot({ path: path.join(workDir, 'playground-relay.png') });
    expect(await inMessages(page, thankYou)).toBe(1);
    expect(await page.getByText('something went wrong').count()).toBe(0);
    expect(caseWrites(t) - writesBefore).toBe(1);
    const events = sim(t)
      .org.publishedEvents('Use_of_Funds__e')
      .filter((e) => e.payload.Correlation_Id__c === c.caseId);
    expect(events).toHaveLength(1);
  }, 240_000);

  it('sent nothing off the machine', () => {
    expect(external.every((origin) => !origin.includes('127.0.0.1'))).toBe(true);
  });
});
