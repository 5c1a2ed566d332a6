/**
 * REST calls under `/services/data/vXX.X/`, retried on transient failures.
 *
 * jsforce retries GETs by itself (fixed 0.5 s doubling, no jitter) but never PATCH or POST;
 * its retries are switched off here so every call follows one policy: capped, jittered
 * backoff on `REQUEST_LIMIT_EXCEEDED`, 5xx and network errors, and an immediate error for
 * everything else. Paths are built by callers from validated values only.
 */
import type { Connection } from 'jsforce';

import type { Log } from '../util/log';
import { backoffDelay, delay, type BackoffPolicy } from '../util/backoff';

export interface RetryPolicy extends BackoffPolicy {
  /** Total tries, the first one included. */
  attempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, initialMs: 200, maxMs: 5000 };

/** Salesforce error codes that mean "try again later" rather than "this request is wrong". */
const TRANSIENT_ERROR_CODES = new Set(['REQUEST_LIMIT_EXCEEDED', 'SERVER_UNAVAILABLE', 'UNABLE_TO_LOCK_ROW', 'UNKNOWN_EXCEPTION']);
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);

/** The `errorCode` of a Salesforce REST error (jsforce's HttpApiError), or `undefined`. */
export function salesforceErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { errorCode?: unknown }).errorCode;
  return typeof code === 'string' ? code : undefined;
}

export function isTransientRestError(error: unknown): boolean {
  const code = salesforceErrorCode(error);
  // jsforce names a non-JSON error body after its status: ERROR_HTTP_503.
  if (code !== undefined) return TRANSIENT_ERROR_CODES.has(code) || /^ERROR_HTTP_(?:5\d\d|429)$/.test(code);
  if (typeof error !== 'object' || error === null) return false;
  const { name, code: networkCode } = error as { name?: unknown; code?: unknown };
  if (name === 'AbortError') return true; // timed out
  return name === 'FetchError' && typeof networkCode === 'string' && TRANSIENT_NETWORK_CODES.has(networkCode);
}

export class RestApi {
  constructor(
    private readonly connection: Connection,
    private readonly apiVersion: string,
    private readonly log: Log,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  async patch(path: string, body: unknown): Promise<void> {
    await this.call<unknown>('PATCH', path, body);
  }

  /**
   * Whether the org's REST API answers: `GET /services/data` (the list of API versions), which
   * does not count against the org's API request limits. No retries: it reports the present.
   */
  async reachable(): Promise<boolean> {
    try {
      await this.connection.request<unknown>({ method: 'GET', url: '/services/data' }, { retry: { maxRetries: 0 }, timeout: 5_000 });
      return true;
    } catch {
      return false;
    }
  }

  private async call<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
    const url = `/services/data/v${this.apiVersion}/${path}`;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.connection.request<T>(
          {
            method,
            url,
            ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
          },
          { retry: { maxRetries: 0 }, timeout: 30_000 },
        );
      } catch (error) {
        if (attempt + 1 >= this.policy.attempts || !isTransientRestError(error)) throw error;
        const wait = backoffDelay(this.policy, attempt);
        this.log.warn(
          { method, path: path.split('?')[0], errorCode: salesforceErrorCode(error) ?? (error as Error).name, attempt: attempt + 1, retryInMs: wait },
          'salesforce REST call failed, retrying',
        );
        await delay(wait);
      }
    }
  }
}
