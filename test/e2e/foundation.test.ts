/**
 * The bot as the Emulator sees it: greeting, help, bad requests, channel authentication.
 */
import { APOLOGY } from '../../bot/edge/adapter';
import { startBotUnderTest, type BotUnderTest } from '../harness/botUnderTest';

describe('the bot over HTTP, as the Emulator talks to it', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('greets a user who joins, and says how to start a co-work session', async () => {
    const chat = t.conversation();
    const response = await chat.join();
    expect(response.status).toBe(200);
    const greeting = await chat.waitForText('Hello!');
    expect(greeting.text).toContain('/cowork');
    expect(greeting.replyToId).toBeDefined();
  });

  it('answers help, and explains itself for anything it does not understand', async () => {
    const chat = t.conversation();
    await chat.say('help');
    await chat.waitForText('I am the co-work bot');
    await chat.say('what is the weather like?');
    await chat.channel.waitFor((a) => a.conversationId === chat.id && chat.texts.length >= 2, 10_000, 'a second reply');
    expect(chat.texts[1]).toContain('I am the co-work bot');
  });

  it.each([
    ['not JSON', '{"type": "message", ', 400],
    ['a JSON array', '[1,2,3]', 400],
    ['no type', JSON.stringify({ conversation: { id: 'c' }, serviceUrl: 'http://127.0.0.1:1', channelId: 'emulator' }), 400],
    ['no conversation', JSON.stringify({ type: 'message', serviceUrl: 'http://127.0.0.1:1', channelId: 'emulator' }), 400],
    ['a bad serviceUrl', JSON.stringify({ type: 'message', conversation: { id: 'c' }, serviceUrl: 'javascript:alert(1)', channelId: 'emulator' }), 400],
    [
      'text that is not a string',
      JSON.stringify({ type: 'message', text: { a: 1 }, conversation: { id: 'c' }, serviceUrl: 'http://127.0.0.1:1', channelId: 'emulator' }),
      400,
    ],
  ])('refuses a body with %s (400) and keeps serving', async (_what, body, status) => {
    const response = await fetch(`${t.bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(status);
    const chat = t.conversation();
    await chat.say('help');
    await chat.waitForText('I am the co-work bot');
  });

  it('refuses an oversized body with 413', async () => {
    const response = await fetch(`${t.bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'x'.repeat(300_000) }),
    });
    expect(response.status).toBe(413);
  });

  it('tells the user a message is too long instead of processing it', async () => {
    const chat = t.conversation();
    await chat.say('a'.repeat(10_001));
    await chat.waitForText('too long');
  });

  it('reports healthy dependencies on /healthz once the event stream is confirmed', async () => {
    const response = await pollHealth(t, 200);
    const body = (await response.json()) as {
      ok: boolean;
      salesforce: { mode: string; detail: { restReachable: boolean } };
      pubsub: { streams: Array<{ connected: boolean }> };
      storage: { kind: string };
    };
    expect(body.ok).toBe(true);
    expect(body.salesforce.mode).toBe('simulator');
    expect(body.salesforce.detail.restReachable).toBe(true);
    expect(body.pubsub.streams).toHaveLength(3); // one per topic: the answers, the agents' requests, the messages of a chat taken over from the Case
    expect(body.storage.kind).toBe('memory');
  });

  it('apologises in plain words when a turn fails, without leaking details', async () => {
    const chat = t.conversation();
    // A conversation reference the channel rejects makes nothing fail; a failing turn is forced by
    // a start whose storage write throws: simulate with a session store outage.
    const storage = t.bot.storage;
    const originalWrite = storage.write.bind(storage);
    storage.write = async () => {
      throw new Error('storage exploded: secret-internal-detail');
    };
    try {
      await chat.say(`/cowork ${t.bot.simulator?.seed.cases[0]?.caseNumber ?? ''}`);
      const apology = await chat.waitForText(APOLOGY);
      expect(apology.text).not.toContain('secret-internal-detail');
    } finally {
      storage.write = originalWrite;
    }
  });
});

describe('health when a dependency is down', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('answers 503 naming the Pub/Sub stream when the org goes away', async () => {
    await pollHealth(t, 200);
    await t.bot.simulator?.stop();
    const response = await pollHealth(t, 503);
    const body = (await response.json()) as { ok: boolean; pubsub: { ok: boolean } };
    expect(body.ok).toBe(false);
    expect(body.pubsub.ok).toBe(false);
  });
});

/** Polls /healthz until it answers `status` (bounded: 15 s). */
async function pollHealth(t: BotUnderTest, status: number): Promise<Response> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await fetch(`${t.bot.url}/healthz`);
    if (response.status === status) return response;
    if (Date.now() > deadline) throw new Error(`/healthz kept answering ${response.status}, expected ${status}: ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('channel authentication', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({
      env: { MicrosoftAppId: '11111111-2222-3333-4444-555555555555', MicrosoftAppPassword: 'not-a-real-secret', COWORK_SIMULATOR: 'true' },
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('answers 401 to a request without a token', async () => {
    const chat = t.conversation();
    const response = await chat.say('help');
    expect(response.status).toBe(401);
  });

  it('answers 401 to a request with a forged token', async () => {
    const chat = t.conversation();
    const forged = ['eyJhbGciOiJIUzI1NiJ9', Buffer.from(JSON.stringify({ aud: '11111111-2222-3333-4444-555555555555' })).toString('base64url'), 'c2ln'].join(
      '.',
    );
    const response = await chat.post({ type: 'message', text: 'help' }, { authorization: `Bearer ${forged}` });
    expect(response.status).toBe(401);
    expect(chat.received).toHaveLength(0);
  });
});
