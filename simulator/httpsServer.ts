/**
 * HTTPS plumbing shared by the org's REST API and the fault-injection API: a small route
 * table, bounded request bodies, Salesforce-shaped errors, injected faults and latency, and
 * a request count per route. Nothing here knows Salesforce resources.
 */
import { errorMessage } from '../util/errors';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Log } from '../util/log';
import type { FaultPlan } from './faultPlan';
import { notFound, SalesforceError } from './salesforceError';

/** Larger bodies are refused before being read in full (Salesforce's REST limit is far larger; the bot never needs it). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Captures of the route's pattern. */
  params: string[];
}

export type HttpResult = { status: number; json: unknown } | { status: number; text: string; contentType: string } | { status: 204 };

export interface Route {
  method: string;
  pattern: RegExp;
  /** Name the request is counted under, e.g. `GET /sobjects/{object}/{id}`. */
  name: string;
  /** Fault-injection routes are never faulted, delayed or counted. */
  control?: boolean;
  handle(request: HttpRequest): HttpResult | Promise<HttpResult>;
}

export class HttpsApiServer {
  private readonly server: https.Server;
  private readonly counts = new Map<string, number>();

  constructor(
    tls: { key: string; cert: string },
    private readonly routes: Route[],
    private readonly faults: FaultPlan,
    private readonly log: Log,
  ) {
    this.server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => void this.dispatch(req, res));
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'https://simulator.invalid');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    let result: HttpResult;
    try {
      const match = this.match(method, path);
      if (!match) {
        await drain(req);
        result = errorResult(notFound());
      } else {
        const [route, params] = match;
        if (!route.control) {
          this.counts.set(route.name, (this.counts.get(route.name) ?? 0) + 1);
          const delay = this.faults.latency.restMs;
          if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        }
        const fault = route.control ? undefined : this.faults.takeRestFault(method, path);
        if (fault) {
          await drain(req);
          result = errorResult(new SalesforceError(fault.status, fault.errorCode, fault.message));
        } else {
          const body = await readBody(req);
          result = await route.handle({ method, path, query: url.searchParams, headers: req.headers, body, params });
        }
      }
    } catch (error) {
      if (error instanceof SalesforceError) {
        result = errorResult(error);
      } else {
        this.log.error({ err: error, method, path }, 'simulator REST handler failed');
        result = errorResult(new SalesforceError(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred in the simulator.'));
      }
    }
    send(res, result, this.responseHeaders(path));
  }

  /** Headers added to every response for `path` (the org's `Sforce-Limit-Info`). */
  responseHeaders: (path: string) => Record<string, string> = () => ({});

  private match(method: string, path: string): [Route, string[]] | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method === method) return [route, m.slice(1).map((p) => decodeURIComponent(p))];
    }
    if (pathMatched)
      throw new SalesforceError(
        405,
        'METHOD_NOT_ALLOWED',
        `HTTP Method '${method}' not allowed. Allowed are ${this.routes
          .filter((r) => r.pattern.test(path))
          .map((r) => r.method)
          .join(',')}`,
      );
    return undefined;
  }
}

export function errorResult(error: SalesforceError): HttpResult {
  return { status: error.status, json: error.body() };
}

/**
 * Reads the body, refusing more than MAX_BODY_BYTES. An oversized body is still read to its
 * end (and discarded), so the client gets a 413 answer rather than a reset connection.
 */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    await drain(req);
    throw tooLarge();
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.once('end', () => (size > MAX_BODY_BYTES ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.once('error', reject);
  });
}

function tooLarge(): SalesforceError {
  return new SalesforceError(413, 'REQUEST_ENTITY_TOO_LARGE', `The request body exceeds the simulator's limit of ${MAX_BODY_BYTES} bytes.`);
}

/** Reads and discards the rest of a request so the connection can answer and be reused. */
async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  req.resume();
  await new Promise<void>((resolve) => {
    req.once('end', resolve);
    req.once('error', () => resolve());
    req.once('close', () => resolve());
  });
}

function send(res: ServerResponse, result: HttpResult, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) return;
  if (!('json' in result) && !('text' in result)) {
    // Not chained: restify (in the same process as the embedded simulator) patches
    // ServerResponse.prototype.writeHead into a method that does not return the response.
    res.writeHead(204, extraHeaders);
    res.end();
    return;
  }
  const [body, contentType] = 'json' in result ? [JSON.stringify(result.json), 'application/json;charset=UTF-8'] : [result.text, result.contentType];
  res.writeHead(result.status, { ...extraHeaders, 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Parses a JSON request body, answering JSON_PARSER_ERROR as Salesforce does. */
export function jsonBody(request: HttpRequest): unknown {
  const text = request.body.toString('utf8');
  if (text.trim() === '') throw new SalesforceError(400, 'JSON_PARSER_ERROR', 'The request body is empty: a JSON object was expected.');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SalesforceError(400, 'JSON_PARSER_ERROR', `Unexpected character in the JSON body: ${errorMessage(error)}`);
  }
}
