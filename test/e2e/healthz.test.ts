/**
 * `/healthz` over HTTP says only what an operator needs: to anyone the status per dependency and
 * 200 / 503; the instance URL, auth type, error texts and figures only with the bearer token
 * `HEALTHZ_TOKEN`, or on loopback directly (a request relayed by a proxy is not "loopback").
 */
import { sim, startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';

const TOKEN = 'health-token-0123456789-abcdef';
const OUTSIDE = { 'x-forwarded-for': '203.0.113.7' };

async function health(
  t: BotUnderTest,
  headers: Record<string, string>,
  status: number,
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await fetch(`${t.bot.url}/healthz`, { headers });
    const text = await response.text();
    if (response.status === status) return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
    if (Date.now() > deadline) throw new Error(`/healthz kept answering ${response.status}, expected ${status}: ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('/healthz', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({ env: { HEALTHZ_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('tells an outside caller the status per dependency, nothing more', async () => {
    const { body, text } = await health(t, OUTSIDE, 200);
    expect(body).toEqual({ ok: true, salesforce: { ok: true }, pubsub: { ok: true }, storage: { ok: true } });
    expect(text).not.toContain(sim(t).instanceUrl);
    // A wrong token is an outside caller too.
    expect((await health(t, { ...OUTSIDE, authorization: 'Bearer not-the-token-at-all' }, 200)).body).toEqual(body);
  });

  it('shows the details with the bearer token, and on loopback directly', async () => {
    const withToken = await health(t, { ...OUTSIDE, authorization: `Bearer ${TOKEN}` }, 200);
    expect(withToken.text).toContain(sim(t).instanceUrl);
    // One stream per topic: the answers, the agents' requests, the messages of a chat taken over from the Case.
    expect(withToken.body.pubsub).toMatchObject({ streams: [0, 1, 2].map(() => expect.objectContaining({ connected: true })) });
    const local = await health(t, {}, 200);
    expect(local.text).toContain(sim(t).instanceUrl);
  });

  it('answers 503 to an outside caller with no error text when a dependency is down', async () => {
    await sim(t).stop();
    const { body } = await health(t, OUTSIDE, 503);
    expect(body).toMatchObject({ ok: false, pubsub: { ok: false } });
    for (const value of Object.values(body)) if (typeof value === 'object' && value !== null) expect(Object.keys(value)).toEqual(['ok']);
    const detailed = await health(t, { authorization: `Bearer ${TOKEN}` }, 503);
    expect(JSON.stringify(detailed.body.pubsub)).toContain('lastError');
  });
});
