/**
 * Microsoft 365 Agents Playground in a real browser, for the browser tests: Debian's Chromium
 * driven by playwright-core, the Playground (telemetry off) in front of the bot under test.
 *
 * Needs Chromium (`apt-get install chromium`; CI's .ci/run installs it). Without it the tests are
 * skipped with a message, except under CI, where loading this module fails: a browser test never
 * passes silently. Nothing leaves the machine: the page's requests to anything but loopback are
 * aborted (the Playground's UI asks a CDN for fonts) and listed in `external`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { playgroundEnv } from '../../scripts/playground';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
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
export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium && process.env.CI) {
  throw new Error(`the Agents Playground browser test needs Chromium at ${CHROMIUM} (apt-get install chromium); CI must install it`);
}
if (!hasChromium) {
  console.warn(`SKIPPED: the Agents Playground browser test needs Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).`);
}

/** `describe` where Chromium is installed, `describe.skip` elsewhere (outside CI). */
export const describeWithChromium = hasChromium ? describe : describe.skip;

export { freePort } from './processes';

/** Starts the Playground (Teams look, telemetry off) against the bot and resolves once it listens (bounded). */
export function startPlayground(botUrl: string, port: number, cwd: string): Promise<ChildProcess> {
  const child = spawn(PLAYGROUND_BIN, ['-e', `${botUrl}/api/messages`, '-c', 'msteams', '--dt', '-p', String(port)], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Telemetry, statsbeat and the stand-in xdg-open as `npm run playground` sets them; no browser
    // of the machine's own is opened (the test drives its own Chromium).
    env: playgroundEnv({ ...process.env, PLAYGROUND_BROWSER: 'none' }),
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

export interface PlaygroundBrowser {
  browser: Browser;
  page: Page;
  /** Origins the page tried to reach off the machine (aborted, never sent). */
  external: string[];
}

/** Headless Chromium with one page whose requests leave loopback never (`extraArgs`: e.g. the traffic watcher's proxy). */
export async function openBrowser(extraArgs: readonly string[] = []): Promise<PlaygroundBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS, ...extraArgs] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const external: string[] = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    external.push(url.origin);
    return route.abort();
  });
  return { browser, page, external };
}

/** The Playground's compose box (a Lexical editor). */
export function composeBox(page: Page): Locator {
  return page.locator('div[role=textbox][data-lexical-editor=true]');
}

/** Types `text` into the compose box and sends it. */
export async function type(page: Page, text: string): Promise<void> {
  const compose = composeBox(page);
  await compose.click();
  await compose.pressSequentially(text);
  await page.keyboard.press('Enter');
}

/**
 * In a group chat a message reaches the bot only with an @mention: types `@`, picks the bot
 * ("Test Bot") from the people picker, then `text`, and sends it. The bot receives
 * `<at>Test Bot</at> text` with a `mention` entity.
 */
export async function typeToBot(page: Page, text: string): Promise<void> {
  const compose = composeBox(page);
  await compose.click();
  await compose.pressSequentially('@Test');
  await page.getByRole('menuitem', { name: 'Test Bot' }).first().click();
  await compose.pressSequentially(` ${text}`);
  await page.keyboard.press('Enter');
}

/** Opens one of the Playground's chats in the left rail: "Personal Chat" or "Group Chat". */
export async function openChat(page: Page, name: 'Personal Chat' | 'Group Chat'): Promise<void> {
  await page.getByRole('treeitem', { name }).first().click();
}
