/**
 * The project's stand-in for the Bot Framework Emulator.
 *
 * It plays both sides the Emulator plays: it POSTs activities to the bot's `/api/messages`
 * with a `serviceUrl` pointing at itself, and it runs the connector API the bot answers on
 * (`/v3/conversations/...`), recording every reply, typing indicator, proactive message,
 * update and delete. Tests wait for what they expect with a bounded wait, never a sleep.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';

/** An activity as the bot sent it to the channel (JSON, so loosely typed on purpose). */
export interface ChannelActivity {
  type: string;
  id: string;
  text?: string;
  value?: unknown;
  name?: string;
  replyToId?: string;
  attachments?: Array<{ contentType: string; content: unknown }>;
  channelData?: unknown;
  conversation?: { id: string };
  from?: { id: string; name?: string; role?: string };
  recipient?: { id: string; name?: string };
  [key: string]: unknown;
}

export interface RecordedActivity {
  conversationId: string;
  /** How it reached the connector: a reply, a new activity, an update or a delete. */
  operation: 'reply' | 'send' | 'update' | 'delete';
  activity: ChannelActivity;
  receivedAt: number;
}

export interface ChannelOptions {
  /** Delay before answering the bot's connector calls (a slow channel), fixed or per activity. */
  latencyMs?: number | ((activity: ChannelActivity) => number) | undefined;
  /** Refuse `PUT` (update activity), as a channel without updates does. */
  refuseUpdates?: boolean | undefined;
  /**
   * Which bot-sent `event` activities the channel refuses with HTTP 400, as Teams and Agents
   * Playground do (`handoff.initiate` included). By default those of conversations whose channel
   * id is `msteams`; `true` refuses them everywhere, `false` nowhere (a Direct Line connector reads them).
   */
  refuseEvents?: boolean | 'msteams' | undefined;
  /** Answer sends with an empty activity id, as Agents Playground does (the activity is still recorded with its own). */
  emptyIds?: boolean | undefined;
}

/** A bot's send the channel refused, with the status it answered. */
export interface RefusedActivity {
  conversationId: string;
  activity: ChannelActivity;
  status: number;
}

/**
 * What one conversation's connector does with the bot's calls: `unreachable` drops the connection
 * before answering (the bot sees a reset, as when the customer's chat is gone), `hold` keeps the
 * call open without an answer until the fault is cleared (a hung channel).
 */
export type ConversationFault = 'unreachable' | 'hold';

export const BOT_ACCOUNT = { id: 'cowork-bot', name: 'Cowork Bot', role: 'bot' } as const;

export class EmulatorChannel {
  readonly activities: RecordedActivity[] = [];
  /** What the channel refused (not in `activities`: it never reached the conversation). */
  readonly refused: RefusedActivity[] = [];
  /** Connector calls received and not yet answered (e.g. held by `latencyMs`). */
  requestsInProgress = 0;
  private readonly emitter = new EventEmitter();
  private readonly faults = new Map<string, ConversationFault>();
  private readonly held = new Set<() => void>();
  private server: http.Server | undefined;
  private baseUrl = '';

  private constructor(private readonly options: ChannelOptions) {
    this.emitter.setMaxListeners(0);
  }

  static async start(options: ChannelOptions = {}): Promise<EmulatorChannel> {
    const channel = new EmulatorChannel(options);
    await channel.listen();
    return channel;
  }

  /** The connector URL the bot replies to (the activity's `serviceUrl`). */
  get serviceUrl(): string {
    return this.baseUrl;
  }

  /** Opens a conversation between a user and the bot at `botUrl` (e.g. http://127.0.0.1:3978). */
  conversation(botUrl: string, user: { id: string; name?: string }, conversationId = `conv-${randomUUID()}`, channelId = 'emulator'): EmulatorConversation {
    return new EmulatorConversation(this, botUrl, user, conversationId, channelId);
  }

  /** Everything the bot sent to one conversation, in arrival order. */
  activitiesOf(conversationId: string): RecordedActivity[] {
    return this.activities.filter((a) => a.conversationId === conversationId);
  }

  /**
   * Resolves with the first recorded activity (already there or arriving) that matches, or
   * rejects after `timeoutMs` listing what did arrive, so a failing test says why.
   */
  waitFor(predicate: (a: RecordedActivity) => boolean, timeoutMs = 10_000, what = 'a matching activity'): Promise<RecordedActivity> {
    const existing = this.activities.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onActivity = (a: RecordedActivity) => {
        if (!predicate(a)) return;
        clearTimeout(timer);
        this.emitter.off('activity', onActivity);
        resolve(a);
      };
      const timer = setTimeout(() => {
        this.emitter.off('activity', onActivity);
        const seen = this.activities.slice(-10).map((a) => `${a.operation} ${a.activity.type} ${JSON.stringify(a.activity.text ?? a.activity.name ?? '')}`);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last activities: ${seen.join(' | ') || 'none'}`));
      }, timeoutMs);
      this.emitter.on('activity', onActivity);
    });
  }

  /** Stages a fault for one conversation's connector calls; `undefined` clears it (held calls then go on). */
  setFault(conversationId: string, fault: ConversationFault | undefined): void {
    if (fault) this.faults.set(conversationId, fault);
    else this.faults.delete(conversationId);
    for (const release of [...this.held]) release();
  }

  /** Calls of a conversation whose fault refused or holds them, by conversation id. */
  readonly faultedCalls = new Map<string, number>();

  async stop(): Promise<void> {
    for (const release of [...this.held]) release();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 1000;
    this.server = server;
    return new Promise((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        this.baseUrl = `http://127.0.0.1:${port}`;
        resolve();
      });
    });
  }

  private refusesEvent(activity: ChannelActivity): boolean {
    return refuses(this.options.refuseEvents, activity);
  }

  /** True when the conversation's fault took the call (dropped it); a held call waits here until released. */
  private async faulted(conversationId: string, req: http.IncomingMessage): Promise<boolean> {
    for (;;) {
      const fault = this.faults.get(conversationId);
      if (!fault) return false;
      this.faultedCalls.set(conversationId, (this.faultedCalls.get(conversationId) ?? 0) + 1);
      if (fault === 'unreachable') {
        req.socket.destroy();
        return true;
      }
      await new Promise<void>((resolve) => {
        const release = (): void => {
          this.held.delete(release);
          resolve();
        };
        this.held.add(release);
      });
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.requestsInProgress++;
    try {
      await this.answer(req, res);
    } finally {
      this.requestsInProgress--;
    }
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.baseUrl);
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    // /v3/conversations/{conversationId}/activities[/{activityId}]
    if (parts[0] !== 'v3' || parts[1] !== 'conversations') return json(res, 404, { error: { code: 'NotFound', message: url.pathname } });
    if (parts.length === 2 && req.method === 'POST') return json(res, 200, { id: `conv-${randomUUID()}` });
    const conversationId = parts[2] ?? '';
    if (await this.faulted(conversationId, req)) return;
    if (parts[3] === 'members') return json(res, 200, []);
    if (parts[3] !== 'activities') return json(res, 404, { error: { code: 'NotFound', message: url.pathname } });
    const activityId = parts[4];
    let operation: RecordedActivity['operation'];
    if (req.method === 'POST') operation = activityId ? 'reply' : 'send';
    else if (req.method === 'PUT') {
      if (this.options.refuseUpdates) return json(res, 405, { error: { code: 'BadArgument', message: 'this channel does not update activities' } });
      operation = 'update';
    } else if (req.method === 'DELETE') operation = 'delete';
    else return json(res, 405, { error: { code: 'MethodNotAllowed', message: String(req.method) } });

    let activity: ChannelActivity;
    try {
      activity = (body ? JSON.parse(body) : { type: 'delete' }) as ChannelActivity;
    } catch {
      return json(res, 400, { error: { code: 'BadArgument', message: 'body is not JSON' } });
    }
    if (operation !== 'delete' && activity.type === 'event' && this.refusesEvent(activity)) {
      this.refused.push({ conversationId, activity, status: 400 });
      return json(res, 400, { error: { code: 'BadArgument', message: 'Invalid input' } });
    }
    const latency = typeof this.options.latencyMs === 'function' ? this.options.latencyMs(activity) : (this.options.latencyMs ?? 0);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const id = operation === 'update' || operation === 'delete' ? (activityId ?? '') : randomUUID();
    activity.id = id;
    const recorded: RecordedActivity = { conversationId, operation, activity, receivedAt: Date.now() };
    this.activities.push(recorded);
    this.emitter.emit('activity', recorded);
    return json(res, 200, { id: this.options.emptyIds && (operation === 'send' || operation === 'reply') ? '' : id });
  }
}

/** True when this channel's mode refuses a bot-sent event of `activity`'s channel. */
function refuses(mode: ChannelOptions['refuseEvents'], activity: ChannelActivity): boolean {
  const mine = mode ?? 'msteams';
  return mine === 'msteams' ? activity.channelId === 'msteams' : mine;
}

/** One user's conversation with the bot, as the Emulator would drive it. */
export class EmulatorConversation {
  private sequence = 0;

  constructor(
    readonly channel: EmulatorChannel,
    readonly botUrl: string,
    readonly user: { id: string; name?: string },
    readonly id: string,
    /** The channel id its activities carry (`emulator`; `msteams` for the Teams look, whose channel refuses bot-sent events). */
    readonly channelId = 'emulator',
  ) {}

  /** The Emulator's first activity: the user and the bot join the conversation. */
  join(): Promise<Response> {
    return this.post({
      type: 'conversationUpdate',
      membersAdded: [
        { id: this.user.id, name: this.user.name },
        { id: BOT_ACCOUNT.id, name: BOT_ACCOUNT.name },
      ],
    });
  }

  say(text: string): Promise<Response> {
    return this.post({ type: 'message', text, textFormat: 'plain' });
  }

  /**
   * What Teams (and Agents Playground's Group Chat) sends when the user @mentions the bot: the
   * mention stays in `text` as `<at>name</at>`, with a `mention` entity naming the bot's id.
   */
  sayWithMention(text: string): Promise<Response> {
    const mention = `<at>${BOT_ACCOUNT.name}</at>`;
    return this.post({
      type: 'message',
      text: `${mention} ${text}`,
      textFormat: 'plain',
      entities: [
        { type: 'mention', mentioned: { id: BOT_ACCOUNT.id, name: BOT_ACCOUNT.name }, text: mention },
        { type: 'clientInfo', locale: 'en-US', platform: 'Web' },
      ],
    });
  }

  /**
   * What an Adaptive Card `Action.Submit` with object data sends: `value`, no text, postBack; with
   * `replyToId`, the clicked card's activity id, as Agents Playground names it.
   */
  submit(value: Record<string, unknown>, replyToId?: string): Promise<Response> {
    return this.post({ type: 'message', value, channelData: { postBack: true }, ...(replyToId ? { replyToId } : {}) });
  }

  /** The form card's Send: its token and `answer` in the form's (Use of Funds) only input, as the card sends them. */
  submitForm(formToken: unknown, answer: unknown, replyToId?: string): Promise<Response> {
    return this.submit({ cowork: 'submit', formToken, [formInputId()]: answer }, replyToId);
  }

  sendEvent(name: string, value: unknown): Promise<Response> {
    return this.post({ type: 'event', name, value });
  }

  /** Posts an activity with the Emulator's envelope; `overrides` may replace any of it. */
  async post(overrides: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
    const activity = {
      id: `${this.id}|${String(++this.sequence).padStart(7, '0')}`,
      timestamp: new Date().toISOString(),
      channelId: this.channelId,
      serviceUrl: this.channel.serviceUrl,
      locale: 'en-US',
      from: { id: this.user.id, name: this.user.name ?? this.user.id, role: 'user' },
      recipient: { id: BOT_ACCOUNT.id, name: BOT_ACCOUNT.name, role: 'bot' },
      conversation: { id: this.id },
      ...overrides,
    };
    return fetch(`${this.botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(activity),
    });
  }

  /** Every activity the bot sent here, in order (new ones: updates of earlier ones are in `updates`). */
  get received(): ChannelActivity[] {
    return this.channel
      .activitiesOf(this.id)
      .filter((r) => r.operation === 'reply' || r.operation === 'send')
      .map((r) => r.activity);
  }

  /** The bot's updates of activities it sent earlier (`PUT`), in order. */
  get updates(): ChannelActivity[] {
    return this.channel
      .activitiesOf(this.id)
      .filter((r) => r.operation === 'update')
      .map((r) => r.activity);
  }

  /** Texts of the bot's messages here, in order. */
  get texts(): string[] {
    return this.received.filter((a) => a.type === 'message' && typeof a.text === 'string').map((a) => a.text as string);
  }

  /** Adaptive Cards the bot sent here, in order. */
  get cards(): Array<Record<string, unknown>> {
    return this.received.flatMap((a) =>
      (a.attachments ?? []).filter((att) => att.contentType === 'application/vnd.microsoft.card.adaptive').map((att) => att.content as Record<string, unknown>),
    );
  }

  /** Waits for a new activity (not an update of an earlier one) that matches. */
  waitFor(predicate: (a: ChannelActivity) => boolean, timeoutMs?: number, what?: string): Promise<ChannelActivity> {
    return this.channel
      .waitFor((r) => r.conversationId === this.id && r.operation !== 'update' && r.operation !== 'delete' && predicate(r.activity), timeoutMs, what)
      .then((r) => r.activity);
  }

  /** Waits for a message whose text contains `fragment` (string) or matches it (RegExp). */
  waitForText(fragment: string | RegExp, timeoutMs?: number): Promise<ChannelActivity> {
    const test = (text: string) => (typeof fragment === 'string' ? text.includes(fragment) : fragment.test(text));
    return this.waitFor((a) => a.type === 'message' && typeof a.text === 'string' && test(a.text), timeoutMs, `a message with ${String(fragment)}`);
  }

  /** Waits for the n-th (1-based) Adaptive Card sent to this conversation. */
  async waitForCard(n = 1, timeoutMs?: number): Promise<Record<string, unknown>> {
    await this.channel.waitFor(() => this.cards.length >= n, timeoutMs, `card #${n}`);
    return this.cards[n - 1] as Record<string, unknown>;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The id of the Use of Funds form's input (the card's field name). */
function formInputId(): string {
  const [input] = USE_OF_FUNDS_FORM.inputs;
  if (!input || USE_OF_FUNDS_FORM.inputs.length !== 1) throw new Error('the harness submits a form of one input');
  return input.id;
}
