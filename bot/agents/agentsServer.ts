/**
 * The Agents host's HTTP edge: the SDK's express hosting handler (`createAgentRequestHandler`: its
 * JWT middleware, then the app's `CloudAdapter`) on a Node HTTP server bound to `HOST` (127.0.0.1
 * by default; the SDK's `startServer` listens on every interface). The same routes and answers as
 * the botbuilder host (bot/edge/server.ts): `POST` / `HEAD /api/messages` (body guard, 256 KB, 503
 * while stopping, fixed 401 / 503 bodies for refused tokens), `GET /healthz`, `GET /images/{file}`.
 */
import http from 'node:http';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AgentApplication, AuthConfiguration, TurnState } from '@microsoft/agents-hosting';
import { createAgentRequestHandler } from '@microsoft/agents-hosting-express';
import jwt from 'jsonwebtoken';
import { Activity } from '@microsoft/agents-activity';
import type { Log } from '../../util/log';
import { errorMessage } from '../../util/errors';
import type { BotConfig } from '../config/config';
import { checkActivityBody } from '../edge/activityGuard';
import { AUTH_UNAVAILABLE_BODY, UNAUTHORIZED_BODY } from '../edge/channelAuth';
import { mayReadHealthDetails, publicHealth, type HealthReport } from '../edge/healthz';

/** What the HTTP server serves of co-work: its health report and the cards' images. */
export interface ServedCowork {
  health(): Promise<HealthReport>;
  imagesDir: string;
}

const MAX_BODY_BYTES = 256 * 1024;
const IMAGE_NAME = /^[a-z0-9][a-z0-9-]{0,63}\.png$/;
/** What jwks-rsa says when the signing keys could not be fetched (as opposed to a token they reject). */
const KEYS_UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|Failed to fetch|Unable to fetch|status code 5\d\d/i;

export interface AgentsHttp {
  /** e.g. http://127.0.0.1:3978 (the endpoint is `${url}/api/messages`). */
  url: string;
  port: number;
  /** Refuses new turns (503), runs `drain` (e.g. `cowork.stop`), then closes the server. */
  close(drain?: () => Promise<void>): Promise<void>;
}

export interface ServeAgentsOptions {
  config: BotConfig;
  log: Log;
  /** The JWT middleware's settings (`agentsAuthConfig(config.microsoftApp)`). */
  authConfig: AuthConfiguration;
}

/** Serves `app` (with co-work mounted) on `config.host`:`config.port`. */
export async function serveAgents(app: AgentApplication<TurnState>, cowork: ServedCowork, options: ServeAgentsOptions): Promise<AgentsHttp> {
  const { config, log, authConfig } = options;
  const handler = createAgentRequestHandler(app, authConfig);

  let accepting = true;
  const server = http.createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.end();
    });
  });

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/messages' && req.method === 'HEAD') {
      // Microsoft 365 Agents Playground probes the endpoint with HEAD before it connects.
      res.writeHead(accepting ? 200 : 503).end();
      return;
    }
    if (url.pathname === '/api/messages' && req.method === 'POST') {
      if (!accepting) return json(res, 503, { error: 'shutting down' });
      const body = await readJson(req);
      if (body === TOO_LARGE) return json(res, 413, { error: 'the body is too large' });
      if (body === MALFORMED) return json(res, 400, { error: 'the body is not JSON' });
      const guard = checkActivityBody(body);
      if (!guard.ok) {
        log.warn({ reason: guard.reason }, 'rejected malformed activity');
        return json(res, 400, { error: guard.reason });
      }
      if (!parsesAsActivity(body)) {
        // The SDK's schema refuses what botbuilder takes as it is (e.g. `membersAdded: "someone"`);
        // its adapter would answer 500, which a channel retries: it is the request that is wrong.
        log.debug({ type: (body as { type?: unknown }).type }, 'rejected activity: the Agents SDK schema refuses it');
        return json(res, 400, { error: 'the body is not a valid activity' });
      }
      if (!plausibleToken(req.headers.authorization)) {
        // The SDK would fetch signing keys before it looks at the algorithm; a token it can never
        // accept (not RS256, no key id) is refused here without that round trip.
        log.warn({ status: 401, reason: 'not an RS256 token with a key id' }, 'channel request refused: token rejected');
        return json(res, 401, UNAUTHORIZED_BODY);
      }
      await handler({ body: body as Record<string, unknown>, headers: req.headers, method: 'POST' }, webResponse(res, log));
      if (!res.writableEnded) res.end();
      return;
    }
    if (url.pathname === '/healthz' && req.method === 'GET') {
      let report: HealthReport;
      try {
        report = await cowork.health();
      } catch (err) {
        report = { ok: false, error: errorMessage(err) };
      }
      return json(res, report.ok ? 200 : 503, mayReadHealthDetails(req, config.healthzToken) ? report : publicHealth(report));
    }
    const image = /^\/images\/([^/]+)$/.exec(url.pathname);
    if (image && req.method === 'GET') {
      const name = decodeURIComponent(image[1] ?? '');
      if (!IMAGE_NAME.test(name)) return json(res, 404, { error: 'no such image' });
      try {
        const bytes = await fs.readFile(path.join(cowork.imagesDir, name));
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': bytes.length, 'Cache-Control': 'public, max-age=86400' });
        res.end(bytes);
      } catch {
        json(res, 404, { error: 'no such image' });
      }
      return;
    }
    json(res, 404, { error: 'not found' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as { port: number };
  const urlHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    async close(drain) {
      accepting = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await drain?.();
      server.closeIdleConnections();
      await closed;
    },
  };
}

/** Whether the SDK's adapter can parse the body (`Activity.fromObject`, its schema, as its `process` does). */
function parsesAsActivity(body: unknown): boolean {
  try {
    Activity.fromObject(body as Record<string, unknown>);
    return true;
  } catch {
    return false;
  }
}

/** False for a bearer token the SDK's JWT middleware can never accept (it verifies RS256 only, by key id); true with no token (its own rules). */
function plausibleToken(authorization: string | undefined): boolean {
  const token = /^Bearer\s+(\S+)$/i.exec((authorization ?? '').trim())?.[1];
  if (!token) return true;
  const header = jwt.decode(token, { complete: true })?.header;
  return header?.alg === 'RS256' && typeof header.kid === 'string';
}

const TOO_LARGE = Symbol('too large');
const MALFORMED = Symbol('malformed');

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return MALFORMED;
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The SDK's `WebResponse` on a Node response. What its JWT middleware answers a rejected token
 * (`{"jwt-auth-error": <library text>}`) becomes the botbuilder host's fixed 401 body, or 503 when
 * the signing keys could not be fetched; the library's words go to the log only.
 */
function webResponse(res: http.ServerResponse, log: Log) {
  let status = 200;
  const response = {
    status(code: number) {
      status = code;
      return response;
    },
    setHeader(name: string, value: string) {
      res.setHeader(name, value);
      return response;
    },
    send(body?: unknown) {
      if (status === 401) {
        const said = typeof body === 'object' && body !== null ? String((body as Record<string, unknown>)['jwt-auth-error'] ?? '') : '';
        const unreachable = KEYS_UNREACHABLE.test(said);
        log.warn(
          { status: unreachable ? 503 : 401, reason: said.slice(0, 200) },
          unreachable ? 'channel request refused: signing keys unreachable' : 'channel request refused: token rejected',
        );
        json(res, unreachable ? 503 : 401, unreachable ? AUTH_UNAVAILABLE_BODY : UNAUTHORIZED_BODY);
        return response;
      }
      if (body === undefined) res.writeHead(status).end();
      else if (typeof body === 'string' || Buffer.isBuffer(body)) res.writeHead(status).end(body);
      else json(res, status, body);
      return response;
    },
    end() {
      if (!res.headersSent) res.writeHead(status);
      res.end();
      return response;
    },
    get headersSent() {
      return res.headersSent;
    },
    get writableEnded() {
      return res.writableEnded;
    },
  };
  return response;
}
