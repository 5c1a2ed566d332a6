/**
 * `cowork.start` tokens over HTTP: an expiry is required, a lifetime above
 * COWORK_START_TOKEN_MAX_MINUTES is refused, and a token is bound to one conversation, so a
 * replay elsewhere starts nothing (and costs Salesforce nothing).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { mintStartToken, START_TOKEN_AUDIENCE } from '../../bot/turn/startToken';
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';
import { oneCase } from '../harness/coworkSteps';

const SECRET = 'test-start-secret-0123456789-abcdefghij';
const INTRO = 'A form regarding the use of funds must be completed';
const ROOT = path.resolve(__dirname, '../..');

function totalRequests(t: BotUnderTest): number {
  return Object.values(sim(t).org.requestCounts()).reduce((sum, n) => sum + n, 0);
}

describe('cowork.start tokens', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({ env: { COWORK_START_SECRET: SECRET } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses a token without exp, and one valid for longer than the maximum', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation('cust-exp');
    const noExp = jwt.sign({ caseId: c.caseId, conv: chat.id }, SECRET, { algorithm: 'HS256', subject: 'cust-exp', audience: START_TOKEN_AUDIENCE });
    await chat.sendEvent('cowork.start', { token: noExp });
    await chat.waitForText('has no expiry');
    const yearLong = jwt.sign({ caseId: c.caseId, conv: chat.id }, SECRET, {
      algorithm: 'HS256',
      subject: 'cust-exp',
      audience: START_TOKEN_AUDIENCE,
      expiresIn: '365d',
    });
    await chat.sendEvent('cowork.start', { token: yearLong });
    await chat.waitForText('valid for too long');
    // Sixteen minutes from a backdated iat is refused too; fifteen is accepted.
    const now = Math.floor(Date.now() / 1000);
    const backdated = jwt.sign({ caseId: c.caseId, conv: chat.id, iat: now - 600, exp: now + 360 }, SECRET, {
      algorithm: 'HS256',
      subject: 'cust-exp',
      audience: START_TOKEN_AUDIENCE,
    });
    await chat.sendEvent('cowork.start', { token: backdated });
    await chat.waitFor((a) => a.type === 'message' && chat.texts.filter((x) => x.includes('valid for too long')).length === 2, 10_000, 'a second refusal');
    expect(chat.cards).toHaveLength(0);
    await chat.sendEvent('cowork.start', { token: mintStartToken(SECRET, { caseId: c.caseId, userId: 'cust-exp', conversationId: chat.id }, 15 * 60) });
    await chat.waitForText(INTRO);
  });

  it('refuses a valid token replayed in another conversation, before any Salesforce call', async () => {
    const c = oneCase(sim(t).org);
    const first = t.conversation('cust-replay');
    const token = mintStartToken(SECRET, { caseId: c.caseId, userId: 'cust-replay', conversationId: first.id });
    await first.sendEvent('cowork.start', { token });
    await first.waitForCard(1);

    const other = t.conversation('cust-replay');
    const before = totalRequests(t);
    await other.sendEvent('cowork.start', { token });
    await other.waitForText('issued for another conversation');
    expect(other.cards).toHaveLength(0);
    expect(totalRequests(t)).toBe(before);
  });

  // Each of these would start a form if the check it names were missing (seen: the audience check
  // removed, every other start-token test passed).
  it.each([
    [
      'another audience',
      (claims: object, sub: string) => jwt.sign(claims, SECRET, { algorithm: 'HS256', subject: sub, audience: 'another-bot', expiresIn: 300 }),
    ],
    ['no audience', (claims: object, sub: string) => jwt.sign(claims, SECRET, { algorithm: 'HS256', subject: sub, expiresIn: 300 })],
    [
      'another algorithm (HS512)',
      (claims: object, sub: string) => jwt.sign(claims, SECRET, { algorithm: 'HS512', subject: sub, audience: START_TOKEN_AUDIENCE, expiresIn: 300 }),
    ],
    ['alg none', (claims: object, sub: string) => jwt.sign(claims, '', { algorithm: 'none', subject: sub, audience: START_TOKEN_AUDIENCE, expiresIn: 300 })],
    [
      'another secret',
      (claims: object, sub: string) =>
        jwt.sign(claims, `${SECRET}-other`, { algorithm: 'HS256', subject: sub, audience: START_TOKEN_AUDIENCE, expiresIn: 300 }),
    ],
  ])('refuses a token of %s, before any Salesforce call', async (name, sign) => {
    const c = oneCase(sim(t).org);
    const user = `cust-${name.replace(/\W+/g, '-')}`;
    const chat = t.conversation(user);
    const before = totalRequests(t);
    await chat.sendEvent('cowork.start', { token: sign({ caseId: c.caseId, conv: chat.id }, user) });
    await chat.waitForText('start token is not valid');
    expect(chat.cards).toHaveLength(0);
    expect(totalRequests(t)).toBe(before);
    // The same claims, minted as the host must, start the form: only the refused property differed.
    await chat.sendEvent('cowork.start', { token: mintStartToken(SECRET, { caseId: c.caseId, userId: user, conversationId: chat.id }) });
    await chat.waitForText(INTRO);
  });

  it('refuses a token without a conversation', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation('cust-noconv');
    const noConv = jwt.sign({ caseId: c.caseId }, SECRET, { algorithm: 'HS256', subject: 'cust-noconv', audience: START_TOKEN_AUDIENCE, expiresIn: 300 });
    await chat.sendEvent('cowork.start', { token: noConv });
    await chat.waitForText('lacks its claims');
    expect(chat.cards).toHaveLength(0);
  });

  it('npm run token binds the conversation and caps the lifetime', () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/token.ts', ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', DOTENV_CONFIG_PATH: '/nonexistent', COWORK_START_SECRET: SECRET, ...env },
        encoding: 'utf8',
        timeout: 20_000,
      });
    const caseId = '500000000000001AAA';
    const ok = run([caseId, '--user', 'u1', '--conversation', 'conv-1']);
    expect(ok.stderr).toBe('');
    const claims = jwt.verify(ok.stdout.trim(), SECRET, { audience: START_TOKEN_AUDIENCE }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: 'u1', conv: 'conv-1' });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
    const noConversation = run([caseId, '--user', 'u1']);
    expect(noConversation.status).toBe(2);
    expect(noConversation.stderr).toContain('--conversation is required');
    const tooLong = run([caseId, '--user', 'u1', '--conversation', 'c', '--ttl', '3600']);
    expect(tooLong.status).toBe(2);
    expect(tooLong.stderr).toContain('between 1 and 900');
    expect(run([caseId, '--user', 'u1', '--conversation', 'c', '--ttl', '3600'], { COWORK_START_TOKEN_MAX_MINUTES: '60' }).status).toBe(0);
  });
});
