/**
 * Outgoing activities without rebuilding botbuilder's connector client on every turn.
 *
 * `CloudAdapter` asks its `BotFrameworkAuthentication` for a new `ConnectorClient` and a new
 * `UserTokenClient` on every turn, and each one builds a full `@azure/core-client` pipeline;
 * each activity then goes through that pipeline's serializer. Profiled in the benchmark, that
 * was about a sixth of the bot's CPU per co-work session (three activities, three turns).
 *
 * `ReusingBotFrameworkAuthentication` wraps the configured authentication:
 * - it builds one connector client per (app id, service URL, audience) and one user-token client
 *   per app id, and hands the same ones to every turn (a small LRU: an unauthenticated endpoint
 *   must not be able to grow it without bound by naming service URLs);
 * - on those clients, the two calls every reply makes (`replyToActivity`, `sendToConversation`)
 *   are a plain JSON POST signed by the same credentials the SDK would use, with the SDK's retry
 *   rules (network errors, 408, 429, 5xx but 501/505, `Retry-After` honoured). Every other
 *   connector operation (members, update, delete, attachments...) is botbuilder's own.
 * - Behind an HTTP proxy (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY) the sends stay botbuilder's, which
 *   honours proxies; only the client reuse applies.
 *
 * Authentication of incoming requests is untouched: `authenticateRequest` is the wrapped one's.
 */
import { CoworkError } from '../../util/errors';
import http from 'node:http';
import https from 'node:https';
import type { Activity, ResourceResponse } from 'botbuilder';
import {
  AuthenticationConstants,
  BotFrameworkAuthentication,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import { backoffDelay, delay } from '../../util/backoff';
import { setNewest } from '../../util/boundedMap';

export const CONNECTOR_USER_AGENT = 'Microsoft-BotFramework/3.1 cowork-bot (botframework-connector 4.23.3)';

/** What a channel's connector answered when it refused an activity. */
export class ConnectorRequestError extends CoworkError {
  readonly code = 'ERR_COWORK_CONNECTOR';
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    /** The connector's error code (`ErrorResponse.error.code`), or the network error's code. */
    readonly channelCode: string | undefined,
  ) {
    super(message);
    this.name = 'ConnectorRequestError';
  }
}

export interface ConnectorSendOptions {
  /** Attempts after the first one (botbuilder's default: 3). */
  maxRetries?: number;
  /** Ceiling of the first retry's delay; doubles each time, with jitter (botbuilder's default: 1 s, at most 64 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** A request with no answer by then fails (and is not retried: the activity may have arrived). */
  timeoutMs?: number;
}

export interface ReusingAuthenticationOptions extends ConnectorSendOptions {
  /** Connector clients kept (one per app id, service URL and audience). */
  maxClients?: number;
  /** The process environment, for the proxy check. */
  env?: NodeJS.ProcessEnv;
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];
const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
const MAX_ERROR_BODY = 500;

/** True when a proxy is configured: the lean sends would bypass it, so botbuilder's are kept. */
export function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return PROXY_VARIABLES.some((name) => (env[name] ?? '').trim() !== '');
}

export class ReusingBotFrameworkAuthentication extends BotFrameworkAuthentication {
  private readonly connectors: LruCache<Promise<ConnectorClient>>;
  private readonly userTokenClients: LruCache<Promise<UserTokenClient>>;
  private readonly sender: ConnectorSender | undefined;

  constructor(
    private readonly inner: BotFrameworkAuthentication,
    options: ReusingAuthenticationOptions = {},
  ) {
    super();
    const maxClients = options.maxClients ?? 64;
    this.connectors = new LruCache(maxClients);
    this.userTokenClients = new LruCache(maxClients);
    this.sender = proxyConfigured(options.env ?? process.env) ? undefined : new ConnectorSender(options);
  }

  /** Whether replies go out as plain signed POSTs (false behind a proxy). */
  get leanSends(): boolean {
    return this.sender !== undefined;
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.withReusingFactory(await this.inner.authenticateRequest(activity, authHeader));
  }

  override async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.withReusingFactory(await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.reusing(this.inner.createConnectorFactory(claimsIdentity), claimsIdentity);
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    const key = appIdOf(claimsIdentity);
    return this.userTokenClients.getOrCreate(key, () => this.inner.createUserTokenClient(claimsIdentity));
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  private withReusingFactory(result: AuthenticateRequestResult): AuthenticateRequestResult {
    return result.connectorFactory ? { ...result, connectorFactory: this.reusing(result.connectorFactory, result.claimsIdentity) } : result;
  }

  private reusing(factory: ConnectorFactory, claimsIdentity: ClaimsIdentity): ConnectorFactory {
    const appId = appIdOf(claimsIdentity);
    return new CachingConnectorFactory((serviceUrl, audience) =>
      this.connectors.getOrCreate(`${appId}\n${serviceUrl}\n${audience ?? ''}`, async () => {
        const client = await factory.create(serviceUrl, audience);
        if (this.sender) this.sender.install(client, serviceUrl);
        return client;
      }),
    );
  }
}

/** The factory handed to a turn: its `create` answers from the authentication's cache. */
class CachingConnectorFactory extends ConnectorFactory {
  constructor(private readonly cached: (serviceUrl: string, audience?: string) => Promise<ConnectorClient>) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.cached(serviceUrl, audience);
  }
}

/**
 * The app id botbuilder's own factories build credentials for (the bot's: the audience of a channel's
 * token, the app id claim of the Emulator's and of a proactive turn's; none when unauthenticated).
 */
function appIdOf(claimsIdentity: ClaimsIdentity): string {
  return claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? claimsIdentity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? '';
}

interface SigningCredentials {
  signRequest(webResource: { headers: { set(name: string, value: string): void } }): Promise<unknown>;
}

/** Replies as plain JSON POSTs to the channel's connector, signed like botbuilder's. */
export class ConnectorSender {
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly timeoutMs: number;

  constructor(options: ConnectorSendOptions = {}) {
    this.maxRetries = options.maxRetries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 64_000;
    this.timeoutMs = options.timeoutMs ?? 100_000;
  }

  /** Replaces the two reply operations of `client` (built by botbuilder for `serviceUrl`). */
  install(client: ConnectorClient, serviceUrl: string): void {
    const credentials: SigningCredentials | undefined = client.credentials;
    // Typed as always there; a client built by someone else than the SDK may still lack them: leave it alone.
    if (typeof credentials?.signRequest !== 'function') return;
    const base = serviceUrl.replace(/\/+$/, '');
    // The two operations replaced, in the promise form botbuilder's turns call (its overloads with a callback are not used).
    const conversations: {
      replyToActivity: (conversationId: string, activityId: string, activity: Partial<Activity>) => Promise<ResourceResponse>;
      sendToConversation: (conversationId: string, activity: Partial<Activity>) => Promise<ResourceResponse>;
    } = client.conversations;
    conversations.replyToActivity = (conversationId, activityId, activity) =>
      this.post(`${base}/v3/conversations/${encodeURIComponent(conversationId)}/activities/${encodeURIComponent(activityId)}`, activity, credentials);
    conversations.sendToConversation = (conversationId, activity) =>
      this.post(`${base}/v3/conversations/${encodeURIComponent(conversationId)}/activities`, activity, credentials);
  }

  async post(url: string, activity: Partial<Activity>, credentials: SigningCredentials): Promise<ResourceResponse> {
    const body = JSON.stringify(activity);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {};
      await credentials.signRequest({ headers: { set: (name, value) => void (headers[name.toLowerCase()] = value) } });
      const outcome = await this.once(url, body, headers);
      if (outcome.kind === 'ok') return outcome.response;
      if (!outcome.retryable || attempt >= this.maxRetries) throw outcome.error;
      await delay(outcome.retryAfterMs ?? backoffDelay({ initialMs: this.retryDelayMs, maxMs: this.maxRetryDelayMs }, attempt));
    }
  }

  private once(url: string, body: string, auth: Record<string, string>): Promise<Outcome> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:')
      return Promise.resolve({
        kind: 'failed',
        retryable: false,
        error: new ConnectorRequestError(`cannot send to ${target.protocol} service URL`, undefined, 'INVALID_SERVICE_URL'),
      });
    const transport = secure ? https : http;
    return new Promise((resolve) => {
      const request = transport.request(
        target,
        {
          method: 'POST',
          agent: secure ? this.agents.https : this.agents.http,
          timeout: this.timeoutMs,
          headers: {
            ...auth,
            accept: 'application/json, */*',
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
            'user-agent': CONNECTOR_USER_AGENT,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => resolve(networkFailure(error)));
          response.on('end', () => resolve(outcomeOf(response, Buffer.concat(chunks).toString('utf8'))));
        },
      );
      request.on('timeout', () => {
        request.destroy();
        resolve({
          kind: 'failed',
          retryable: false,
          error: new ConnectorRequestError(`the connector did not answer within ${this.timeoutMs} ms`, undefined, 'ETIMEDOUT'),
        });
      });
      request.on('error', (error) => resolve(networkFailure(error)));
      request.end(body);
    });
  }
}

type Outcome = { kind: 'ok'; response: ResourceResponse } | { kind: 'failed'; retryable: boolean; retryAfterMs?: number; error: ConnectorRequestError };

function outcomeOf(response: http.IncomingMessage, text: string): Outcome {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { kind: 'ok', response: resourceResponse(text) };
  const detail = errorDetail(text);
  const error = new ConnectorRequestError(`the connector answered HTTP ${status}${detail.message ? `: ${detail.message}` : ''}`, status, detail.code);
  const retryable = status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
  const retryAfterMs = retryAfter(response.headers['retry-after']);
  return { kind: 'failed', retryable, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

function networkFailure(error: Error & { code?: string }): Outcome {
  return {
    kind: 'failed',
    retryable: error.code !== undefined && NETWORK_ERRORS.has(error.code),
    error: new ConnectorRequestError(`sending to the connector failed: ${error.message}`, undefined, error.code),
  };
}

function resourceResponse(text: string): ResourceResponse {
  if (text.trim() === '') return { id: '' };
  try {
    const parsed: unknown = JSON.parse(text);
    const id = typeof parsed === 'object' && parsed !== null ? (parsed as { id?: unknown }).id : undefined;
    return { id: typeof id === 'string' ? id : '' };
  } catch {
    // Delivered (2xx) with a body that is not JSON: there is no id to report.
    return { id: '' };
  }
}

function errorDetail(text: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : undefined;
    return { ...(code ? { code } : {}), ...(message ? { message: message.slice(0, MAX_ERROR_BODY) } : {}) };
  } catch {
    const snippet = text.trim().slice(0, MAX_ERROR_BODY);
    return snippet ? { message: snippet } : {};
  }
}

/** `Retry-After` as seconds or an HTTP date; at most 64 s. */
function retryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(64_000, Math.max(0, ms)) : undefined;
}

/** A map that forgets its least recently used entry past `max`; a rejected promise is forgotten at once. */
class LruCache<V extends Promise<unknown>> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max: number) {}

  getOrCreate(key: string, create: () => V): V {
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    const value = create();
    setNewest(this.entries, key, value, this.max);
    value.catch(() => {
      if (this.entries.get(key) === value) this.entries.delete(key);
    });
    return value;
  }
}
