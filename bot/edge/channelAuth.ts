/**
 * Channel authentication errors, answered plainly.
 *
 * botbuilder's `CloudAdapter.process` answers a rejected token with HTTP 500 (or 401) whose body
 * is the library's own error text ("jwt signature is required", "invalid signature", "request to
 * https://login.botframework.com/... failed") and prints the stack with `console.error`. Here:
 *
 * - `GuardedBotFrameworkAuthentication` wraps the authentication: a token that is not even an
 *   RS256 JWT (`alg: none`, HS256, no signature) is refused before the library looks at it (so no
 *   key fetch is triggered by garbage), and every error of the library's check becomes a
 *   `ChannelAuthError`: `unauthorized`, or `unavailable` when the signing keys could not be fetched.
 * - `processChannelRequest` runs a request through `adapter.processActivity` (`ChannelAdapter`) and answers 401 or
 *   503 with a fixed JSON body; the details go to the log (warn for a refused token, error for
 *   unreachable keys), never to the caller.
 * - `routeConsoleToLog` sends what the SDK prints on the console to the logger at debug level,
 *   one line per call, so `LOG_LEVEL` applies and `LOG_FORMAT=json` stays JSON.
 */
import { errorMessage } from '../../util/errors';
import { format } from 'node:util';
import { CloudAdapter, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
import {
  AuthenticationError,
  BotFrameworkAuthentication,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorFactory,
  type UserTokenClient,
} from 'botframework-connector';
import type * as restify from 'restify';
import type { Log } from '../../util/log';

export const UNAUTHORIZED_BODY = Object.freeze({ error: 'unauthorized', message: 'The request is not authenticated.' });
export const AUTH_UNAVAILABLE_BODY = Object.freeze({
  error: 'authentication unavailable',
  message: "The bot cannot check the request's authentication right now. Try again later.",
});
const TURN_FAILED_BODY = Object.freeze({ error: 'internal error' });

export class ChannelAuthError extends AuthenticationError {
  constructor(
    readonly kind: 'unauthorized' | 'unavailable',
    /** What the library said: for the log only. */
    readonly detail: string,
  ) {
    // The message is what `CloudAdapter.process` would show a caller: fixed, never the library's.
    super(kind === 'unauthorized' ? UNAUTHORIZED_BODY.message : AUTH_UNAVAILABLE_BODY.message, kind === 'unauthorized' ? 401 : 503);
    this.name = 'ChannelAuthError';
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

/** True when the error says the signing keys (OpenID metadata, JWKS) could not be fetched. */
function keysUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: string; errno?: string; type?: string; statusCode?: number };
  if (e.name === 'FetchError' || e.type === 'system' || NETWORK_CODES.has(e.code ?? '') || NETWORK_CODES.has(e.errno ?? '')) return true;
  return err instanceof AuthenticationError && /failed to load (keys|openid config)/i.test(err.message);
}

/** A bearer token that cannot be an RS256-signed channel token: refused without looking up keys. */
function obviouslyInvalid(authHeader: string): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authHeader.trim());
  if (!match?.[1]) return 'no bearer token';
  const parts = match[1].split('.');
  if (parts.length !== 3 || !parts[2]) return 'not a signed JWT';
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
  } catch {
    return 'malformed JWT header';
  }
  const alg = typeof header === 'object' && header !== null ? (header as { alg?: unknown }).alg : undefined;
  return alg === 'RS256' ? undefined : `signing algorithm ${typeof alg === 'string' ? alg.slice(0, 16) : 'missing'} is not RS256`;
}

export class GuardedBotFrameworkAuthentication extends BotFrameworkAuthentication {
  constructor(
    private readonly inner: BotFrameworkAuthentication,
    /** True when the bot has a MicrosoftAppId: only then are tokens required and pre-checked. */
    private readonly authEnabled: boolean,
  ) {
    super();
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    if (this.authEnabled) {
      const invalid = obviouslyInvalid(authHeader);
      if (invalid) throw new ChannelAuthError('unauthorized', invalid);
    }
    return this.guard(() => this.inner.authenticateRequest(activity, authHeader));
  }

  override authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.guard(() => this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.inner.createConnectorFactory(claimsIdentity);
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.inner.createUserTokenClient(claimsIdentity);
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.guard(() => this.inner.authenticateChannelRequest(authHeader));
  }

  private async guard<T>(check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (err) {
      if (err instanceof ChannelAuthError) throw err;
      const detail = errorMessage(err);
      throw new ChannelAuthError(keysUnavailable(err) ? 'unavailable' : 'unauthorized', detail);
    }
  }
}

/**
 * `POST /api/messages`: the activity through the adapter, with authentication errors answered
 * 401 / 503 and a fixed JSON body. The body was validated before (`checkActivityBody`).
 */
export async function processChannelRequest(
  adapter: ChannelAdapter,
  req: restify.Request,
  res: restify.Response,
  logic: (context: TurnContext) => Promise<void>,
  log: Log,
): Promise<void> {
  const activity = req.body as Activity;
  const authHeader = String(req.headers.authorization ?? '');
  try {
    const invokeResponse = await adapter.processAuthenticated(authHeader, activity, logic);
    const status = invokeResponse?.status ?? 200;
    if (invokeResponse?.body !== undefined) res.send(status, invokeResponse.body);
    else {
      res.status(status);
      res.end();
    }
  } catch (err) {
    if (err instanceof ChannelAuthError) {
      const fields = { reason: err.detail.slice(0, 200), channelId: typeof activity.channelId === 'string' ? activity.channelId.slice(0, 40) : undefined };
      if (err.kind === 'unavailable') {
        log.error(fields, 'channel authentication unavailable: the signing keys could not be fetched');
        res.send(503, AUTH_UNAVAILABLE_BODY);
      } else {
        log.warn(fields, 'channel request refused: token rejected');
        res.send(401, UNAUTHORIZED_BODY);
      }
      return;
    }
    log.error({ err }, 'activity could not be processed');
    res.send(500, TURN_FAILED_BODY);
  }
}

/**
 * botbuilder's `CloudAdapter` with `CloudAdapterBase.processActivity` (protected) open to
 * `processChannelRequest`: what `process` runs once it has parsed the request, minus its error answers.
 */
export class ChannelAdapter extends CloudAdapter {
  processAuthenticated(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity, logic);
  }
}

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';
const CONSOLE_METHODS: readonly ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug', 'trace'];
const MAX_CONSOLE_LINE = 1000;

/** The installed routes, newest last: console output goes to the newest. */
const consoleRoutes: Log[] = [];
let originalConsole: Partial<Record<ConsoleMethod, (...args: unknown[]) => void>> | undefined;

function oneLine(args: unknown[]): string {
  const parts = args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'string' ? a : format('%o', a)));
  return parts
    .join(' ')
    .replace(/\s*\n\s*/g, ' | ')
    .slice(0, MAX_CONSOLE_LINE);
}

/**
 * Routes `console.*` (what botbuilder prints) to `log` at debug level, one line per call.
 * Resolves a function that removes the route; the console is restored when no route is left.
 */
export function routeConsoleToLog(log: Log): () => void {
  if (!originalConsole) {
    originalConsole = {};
    for (const method of CONSOLE_METHODS) {
      originalConsole[method] = console[method];
      console[method] = (...args: unknown[]) => consoleRoutes[consoleRoutes.length - 1]?.debug({ source: 'console', method }, oneLine(args));
    }
  }
  consoleRoutes.push(log);
  return () => {
    const index = consoleRoutes.lastIndexOf(log);
    if (index >= 0) consoleRoutes.splice(index, 1);
    if (consoleRoutes.length === 0 && originalConsole) {
      for (const method of CONSOLE_METHODS) {
        const original = originalConsole[method];
        if (original) console[method] = original;
      }
      originalConsole = undefined;
    }
  };
}
