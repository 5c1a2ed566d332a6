/**
 * A lean Emulator-like channel for the benchmark. It plays the same two roles as
 * `test/harness/emulatorChannel.ts` (it POSTs activities to the bot's `/api/messages` with a
 * `serviceUrl` pointing at itself, and serves the connector API the bot answers on), but it
 * keeps no activity log: each conversation keeps a few counters and one pending waiter, so
 * 100,000 conversations cost the bench process little and every lookup is a map read (the
 * test harness scans its whole log on every wait, which is quadratic at this scale).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const THANK_YOU_PREFIX = 'Thank you for completing';

const BOT_ACCOUNT = { id: 'cowork-bot', name: 'Cowork Bot', role: 'bot' } as const;

interface Waiter {
  what: 'card' | 'thanks';
  resolve: (value: WaitResult) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export interface WaitResult {
  /** performance.now() when the matching activity reached the channel. */
  at: number;
  /** The form token of the form card (for `card`). */
  formToken?: string;
}

interface ConversationState {
  formToken: string | undefined;
  cardAt: number;
  thanks: number;
  thanksAt: number;
  activities: number;
  waiter: Waiter | undefined;
}

interface ChannelActivity {
  type?: string;
  text?: string;
  attachments?: Array<{ contentType?: string; content?: { actions?: Array<{ data?: Record<string, unknown> }> } }>;
}

export class BenchChannel {
  private readonly conversations = new Map<string, ConversationState>();
  private server: http.Server | undefined;
  private baseUrl = '';
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  /** Every activity the bot sent, all conversations. */
  activitiesReceived = 0;

  static async start(): Promise<BenchChannel> {
    const channel = new BenchChannel();
    await channel.listen();
    return channel;
  }

  get serviceUrl(): string {
    return this.baseUrl;
  }

  /** Registers a conversation (before the bot can answer in it). */
  open(conversationId: string): void {
    this.conversations.set(conversationId, { formToken: undefined, cardAt: 0, thanks: 0, thanksAt: 0, activities: 0, waiter: undefined });
  }

  /** Thank-yous received per conversation: every value should be exactly 1. */
  thanksCounts(): number[] {
    return [...this.conversations.values()].map((c) => c.thanks);
  }

  thanksOf(conversationId: string): number {
    return this.conversations.get(conversationId)?.thanks ?? 0;
  }

  forget(conversationId: string): void {
    this.conversations.delete(conversationId);
  }

  /** Resolves when the conversation has its form card (or already had it). */
  waitForCard(conversationId: string, timeoutMs: number): Promise<WaitResult> {
    return this.wait(conversationId, 'card', timeoutMs);
  }

  /** Resolves when the conversation has its thank-you (or already had it). */
  waitForThanks(conversationId: string, timeoutMs: number): Promise<WaitResult> {
    return this.wait(conversationId, 'thanks', timeoutMs);
  }

  /**
   * Posts one activity from the user to the bot with the Emulator's envelope. A kept-alive socket
   * the bot closed just as it was reused fails with ECONNRESET before any answer (the race Node's
   * docs describe for `agent.keepAlive`): that one request is sent again, once, as a channel would.
   */
  async post(botUrl: string, conversationId: string, activity: Record<string, unknown>): Promise<number> {
    const body = JSON.stringify({
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      channelId: 'emulator',
      serviceUrl: this.baseUrl,
      locale: 'en-US',
      from: { id: `user-${conversationId}`, name: 'Bench customer', role: 'user' },
      recipient: BOT_ACCOUNT,
      conversation: { id: conversationId },
      ...activity,
    });
    try {
      return await this.send(botUrl, body);
    } catch (error) {
      if (!(error instanceof StaleSocketError)) throw error;
      return this.send(botUrl, body);
    }
  }

  private send(botUrl: string, body: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${botUrl}/api/messages`,
        { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', (error: Error & { code?: string }) =>
        reject(req.reusedSocket && error.code === 'ECONNRESET' ? new StaleSocketError(error.message) : error),
      );
      req.end(body);
    });
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private wait(conversationId: string, what: Waiter['what'], timeoutMs: number): Promise<WaitResult> {
    const state = this.conversations.get(conversationId);
    if (!state) return Promise.reject(new Error(`unknown conversation ${conversationId}`));
    if (what === 'card' && state.formToken !== undefined) return Promise.resolve({ at: state.cardAt, formToken: state.formToken });
    if (what === 'thanks' && state.thanks > 0) return Promise.resolve({ at: state.thanksAt });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        state.waiter = undefined;
        reject(new Error(`timed out after ${timeoutMs} ms waiting for the ${what === 'card' ? 'form card' : 'thank-you'} in ${conversationId}`));
      }, timeoutMs);
      state.waiter = { what, resolve, reject, timer };
    });
  }

  private listen(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 5000;
    this.server = server;
    return new Promise((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        resolve();
      });
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      // /v3/conversations/{conversationId}/activities[/{activityId}]
      const parts = (req.url ?? '/').split('?')[0]?.split('/').filter(Boolean) ?? [];
      if (parts[0] === 'v3' && parts[1] === 'conversations' && parts[3] === 'activities' && req.method === 'POST') {
        let activity: ChannelActivity | undefined;
        try {
          activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChannelActivity;
        } catch {
          return reply(res, 400, { error: { code: 'BadArgument', message: 'body is not JSON' } });
        }
        this.record(decodeURIComponent(parts[2] ?? ''), activity, at);
      }
      reply(res, 200, { id: randomUUID() });
    });
  }

  private record(conversationId: string, activity: ChannelActivity, at: number): void {
    this.activitiesReceived++;
    const state = this.conversations.get(conversationId);
    if (!state) return;
    state.activities++;
    if (activity.type !== 'message') return;
    if (typeof activity.text === 'string' && activity.text.startsWith(THANK_YOU_PREFIX)) {
      state.thanks++;
      if (state.thanks === 1) state.thanksAt = at;
      this.settle(state, 'thanks', { at });
      return;
    }
    for (const attachment of activity.attachments ?? []) {
      const token = attachment.content?.actions?.find((a) => a.data?.cowork === 'submit')?.data?.formToken;
      if (attachment.contentType === 'application/vnd.microsoft.card.adaptive' && typeof token === 'string') {
        state.formToken = token;
        state.cardAt = at;
        this.settle(state, 'card', { at, formToken: token });
      }
    }
  }

  private settle(state: ConversationState, what: Waiter['what'], result: WaitResult): void {
    const waiter = state.waiter;
    if (!waiter || waiter.what !== what) return;
    state.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(result);
  }
}

/** A reused keep-alive socket was closed under the request before any answer came. */
class StaleSocketError extends Error {}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
