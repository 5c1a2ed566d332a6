/**
 * Replies through the reused connector clients, against a connector on 127.0.0.1 that answers
 * what a channel can answer: ids, throttling, server errors, refusals, a dropped connection.
 * The whole bot also runs on these clients in every end-to-end test (bot/edge/adapter.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActivityTypes, CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConversationReference, type TurnContext } from 'botbuilder';
import { ConnectorRequestError, ConnectorSender, ReusingBotFrameworkAuthentication, proxyConfigured } from '../../bot/edge/connectorClients';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A connector whose answers are scripted per request, in order; after the script, 200 with an id. */
class ScriptedConnector {
  readonly received: Received[] = [];
  private script: Array<(res: http.ServerResponse) => void> = [];
  private server!: http.Server;
  url = '';

  static async start(): Promise<ScriptedConnector> {
    const connector = new ScriptedConnector();
    connector.server = http.createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        connector.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined });
        const next = connector.script.shift();
        if (next) next(res);
        else {
          // Not chained: restify, loaded by other tests in this worker, patches writeHead to return nothing.
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: `sent-${connector.received.length}` }));
        }
      });
    });
    await new Promise<void>((resolve) => connector.server.listen(0, '127.0.0.1', resolve));
    connector.url = `http://127.0.0.1:${(connector.server.address() as AddressInfo).port}`;
    return connector;
  }

  answerNext(...answers: Array<(res: http.ServerResponse) => void>): void {
    this.script.push(...answers);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const status =
  (code: number, body = '', headers: Record<string, string> = {}) =>
  (res: http.ServerResponse) => {
    res.writeHead(code, headers);
    res.end(body);
  };
const drop = () => (res: http.ServerResponse) => void res.socket?.destroy();
const noToken = { signRequest: async (r: unknown) => r };
const withToken = {
  signRequest: async (r: { headers: { set(name: string, value: string): void } }) => {
    r.headers.set('Authorization', 'Bearer test-token');
    return r;
  },
};

let connector: ScriptedConnector;
beforeEach(async () => (connector = await ScriptedConnector.start()));
afterEach(() => connector.stop());

describe('ConnectorSender', () => {
  const sender = new ConnectorSender({ retryDelayMs: 1, maxRetryDelayMs: 5 });

  it('posts the activity as JSON, signed, and answers the id the channel gave', async () => {
    const response = await sender.post(`${connector.url}/v3/conversations/c%201/activities/a1`, { type: 'message', text: 'héllo 😃' }, withToken);
    expect(response).toEqual({ id: 'sent-1' });
    const [request] = connector.received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v3/conversations/c%201/activities/a1');
    expect(request?.body).toEqual({ type: 'message', text: 'héllo 😃' });
    expect(request?.headers.authorization).toBe('Bearer test-token');
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
  });

  it('sends no Authorization header when the credentials have no token (Emulator mode)', async () => {
    await sender.post(`${connector.url}/v3/conversations/c/activities`, { type: 'message' }, noToken);
    expect(connector.received[0]?.headers.authorization).toBeUndefined();
  });

  it('retries a throttled (429 with Retry-After) and a failing (503) send, then delivers once', async () => {
    connector.answerNext(status(429, '', { 'retry-after': '0' }), status(503));
    const response = await sender.post(`${connector.url}/v3/conversations/c/activities`, { type: 'message', text: 'x' }, noToken);
    expect(response).toEqual({ id: 'sent-3' });
    expect(connector.received).toHaveLength(3);
  });

  it('retries a connection dropped before any answer', async () => {
    connector.answerNext(drop());
    await expect(sender.post(`${connector.url}/v3/conversations/c/activities`, { type: 'message' }, noToken)).resolves.toEqual({ id: 'sent-2' });
  });

  it('gives up after the retries and says what the channel answered', async () => {
    connector.answerNext(status(500), status(500), status(500), status(500));
    const failure = sender.post(`${connector.url}/v3/conversations/c/activities`, { type: 'message' }, noToken);
    await expect(failure).rejects.toThrow(/HTTP 500/);
    expect(connector.received).toHaveLength(4);
  });

  it('does not retry a refusal, and carries the status and the error code', async () => {
    connector.answerNext(
      status(403, JSON.stringify({ error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' } })),
    );
    const error = await sender.post(`${connector.url}/v3/conversations/c/activities`, { type: 'message' }, noToken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorRequestError);
    expect(error).toMatchObject({
      statusCode: 403,
      code: 'ERR_COWORK_CONNECTOR',
      channelCode: 'BotNotInConversationRoster',
      message: expect.stringContaining('not part of the conversation roster'),
    });
    expect(connector.received).toHaveLength(1);
  });

  it('answers an empty id when the channel accepted the activity without a JSON body', async () => {
    connector.answerNext(status(202), status(200, 'OK'));
    await expect(sender.post(`${connector.url}/v3/conversations/c/activities`, { type: 'message' }, noToken)).resolves.toEqual({ id: '' });
    await expect(sender.post(`${connector.url}/v3/conversations/c/activities`, { type: 'message' }, noToken)).resolves.toEqual({ id: '' });
  });

  it('refuses a service URL that is not http(s)', async () => {
    await expect(sender.post('ftp://127.0.0.1/v3/conversations/c/activities', { type: 'message' }, noToken)).rejects.toThrow(/ftp: service URL/);
  });
});

describe('ReusingBotFrameworkAuthentication in a CloudAdapter', () => {
  const reference = (serviceUrl: string, conversationId = 'conv-1'): Partial<ConversationReference> => ({
    channelId: 'emulator',
    serviceUrl,
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    bot: { id: 'bot', name: 'bot' },
    user: { id: 'user', name: 'user' },
  });

  async function proactive(adapter: CloudAdapter, ref: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await adapter.continueConversationAsync('', ref, logic);
  }

  it('hands every turn the same connector client, and replies reach the channel', async () => {
    const auth = new ReusingBotFrameworkAuthentication(new ConfigurationBotFrameworkAuthentication({}), { env: {} });
    const adapter = new CloudAdapter(auth);
    const clients: unknown[] = [];
    for (const text of ['a reply', 'a new activity']) {
      await proactive(adapter, reference(connector.url), async (context) => {
        clients.push(context.turnState.get(adapter.ConnectorClientKey));
        // The second goes out without replyToId (sendToConversation), as the bot's proactive messages do.
        if (text === 'a new activity') context.onSendActivities(async (_c, activities, next) => (activities.forEach((a) => delete a.replyToId), next()));
        const sent = await context.sendActivity({ type: ActivityTypes.Message, text });
        expect(sent?.id).toMatch(/^sent-/);
      });
    }
    expect(clients[0]).toBeDefined();
    expect(clients[1]).toBe(clients[0]);
    expect(connector.received.map((r) => (r.body as { text?: string }).text)).toEqual(['a reply', 'a new activity']);
    expect(connector.received[0]?.url).toMatch(/^\/v3\/conversations\/conv-1\/activities\/[0-9a-f-]{36}$/);
    expect(connector.received[1]?.url).toBe('/v3/conversations/conv-1/activities');
  });

  it('keeps a bounded number of clients: an unauthenticated caller naming service URLs cannot grow it', async () => {
    const auth = new ReusingBotFrameworkAuthentication(new ConfigurationBotFrameworkAuthentication({}), { env: {}, maxClients: 2 });
    const adapter = new CloudAdapter(auth);
    const clientFor = async (serviceUrl: string): Promise<unknown> => {
      let client: unknown;
      await proactive(adapter, reference(serviceUrl), async (context) => void (client = context.turnState.get(adapter.ConnectorClientKey)));
      return client;
    };
    const first = await clientFor(`${connector.url}/a`);
    expect(await clientFor(`${connector.url}/a`)).toBe(first);
    await clientFor(`${connector.url}/b`);
    await clientFor(`${connector.url}/c`);
    expect(await clientFor(`${connector.url}/a`)).not.toBe(first);
  });

  it('leaves the sends to botbuilder behind a proxy', () => {
    expect(proxyConfigured({ HTTPS_PROXY: 'http://proxy.example:3128' })).toBe(true);
    expect(proxyConfigured({ http_proxy: ' ' })).toBe(false);
    expect(
      new ReusingBotFrameworkAuthentication(new ConfigurationBotFrameworkAuthentication({}), { env: { HTTPS_PROXY: 'http://proxy.example:3128' } }).leanSends,
    ).toBe(false);
    expect(new ReusingBotFrameworkAuthentication(new ConfigurationBotFrameworkAuthentication({}), { env: {} }).leanSends).toBe(true);
  });
});
