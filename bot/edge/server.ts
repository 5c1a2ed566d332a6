/**
 * The HTTP edge: restify routes for the channel (`POST /api/messages`), operators
 * (`GET /healthz`) and the images the cards show (`GET /images/:name`).
 */
import { errorMessage } from '../../util/errors';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as restify from 'restify';
import type { TurnContext } from 'botbuilder';
import type { Log } from '../../util/log';
import { checkActivityBody } from './activityGuard';
import { processChannelRequest, type ChannelAdapter } from './channelAuth';
import { mayReadHealthDetails, publicHealth, type HealthReport } from './healthz';

export type { HealthReport } from './healthz';

export interface ServerDeps {
  adapter: ChannelAdapter;
  /** Runs one turn; serialisation per conversation and logging happen inside. */
  onTurn: (context: TurnContext) => Promise<void>;
  health: () => Promise<HealthReport>;
  imagesDir: string;
  log: Log;
  /** `HEALTHZ_TOKEN`: a bearer token that may read /healthz's details (loopback may too). */
  healthzToken?: string | undefined;
  /** False while shutting down: new turns are refused with 503 so a load balancer retries elsewhere. */
  accepting: () => boolean;
}

const MAX_BODY_BYTES = 256 * 1024;
const IMAGE_NAME = /^[a-z0-9][a-z0-9-]{0,63}\.png$/;

export function createServer(deps: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'cowork-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false }));

  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    if (!deps.accepting()) {
      res.send(503, { error: 'shutting down' });
      return;
    }
    const guard = checkActivityBody(req.body);
    if (!guard.ok) {
      deps.log.warn({ reason: guard.reason }, 'rejected malformed activity');
      res.send(400, { error: guard.reason });
      return;
    }
    // Not `adapter.process`: it answers a rejected token with the library's error text (channelAuth.ts).
    await processChannelRequest(deps.adapter, req, res, deps.onTurn, deps.log);
  });

  // Microsoft 365 Agents Playground probes the endpoint with HEAD before it connects.
  server.head('/api/messages', async (_req: restify.Request, res: restify.Response) => {
    res.send(deps.accepting() ? 200 : 503);
  });

  server.get('/healthz', async (req: restify.Request, res: restify.Response) => {
    let report: HealthReport;
    try {
      report = await deps.health();
    } catch (err) {
      report = { ok: false, error: errorMessage(err) };
    }
    // Instance URL, auth type, error texts and usage figures for operators only (healthz.ts).
    res.send(report.ok ? 200 : 503, mayReadHealthDetails(req, deps.healthzToken) ? report : publicHealth(report));
  });

  server.get('/images/:name', async (req: restify.Request, res: restify.Response) => {
    const name = String(req.params?.name ?? '');
    if (!IMAGE_NAME.test(name)) {
      res.send(404, { error: 'no such image' });
      return;
    }
    try {
      const bytes = await fs.readFile(path.join(deps.imagesDir, name));
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': bytes.length, 'Cache-Control': 'public, max-age=86400' });
      res.end(bytes);
    } catch {
      res.send(404, { error: 'no such image' });
    }
  });

  // restify answers malformed JSON and oversized bodies itself (400 / 413); log them once.
  server.on('restifyError', (req: restify.Request, _res: restify.Response, err: Error & { statusCode?: number }, next: () => void) => {
    deps.log.warn({ route: req.getRoute?.()?.path, status: err.statusCode, error: err.message }, 'request refused');
    next();
  });
  return server;
}
