/**
 * The baseline: what a developer following the original pattern writes — one Pub/Sub
 * subscription (one client, one stream) per waiting session, each filtering the topic's
 * events for its own correlation id (the Case Id). Built with `salesforce-pubsub-api-client`
 * directly, `user-supplied` auth with a token the simulator issued (BASELINE_* variables).
 *
 * It runs in its own process so its heap and RSS are its own; the bench process asks it to
 * open subscriptions in steps (`subscribe`), for progress, stats, and finally kills it: a
 * client closed with a live call crashes 5.5.2 (see docs/PITFALLS), so it never closes one.
 */
import { errorMessage } from '../util/errors';
import { processStats, send, type ToChild } from './ipc';
import { PubSubApiClientClass, type PubSubClient } from '../salesforce/pubSubClient';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required (the bench process sets it)`);
  return value;
}

const topic = env('BASELINE_TOPIC');
const config = {
  authType: 'user-supplied' as const,
  accessToken: env('BASELINE_ACCESS_TOKEN'),
  instanceUrl: env('BASELINE_INSTANCE_URL'),
  organizationId: env('BASELINE_ORG_ID'),
  pubSubEndpoint: env('BASELINE_PUBSUB_ENDPOINT'),
  // The simulator's self-signed certificate: the client cannot take a CA (PITFALLS).
  rejectUnauthorizedSsl: false,
};

const clients: PubSubClient[] = [];
const perSession = new Map<string, number>();
let received = 0;
let matched = 0;
let duplicates = 0;
let errors = 0;
let ended = 0;
let firstError: string | undefined;

async function subscribeOne(correlationId: string): Promise<void> {
  const client = new PubSubApiClientClass(config, quiet);
  await client.connect();
  clients.push(client);
  perSession.set(correlationId, 0);
  client.subscribe(topic, (_info, type, data?: unknown) => {
    if (type === 'event') {
      received++;
      const payload = (data as { payload?: Record<string, unknown> } | undefined)?.payload;
      if (payload?.Correlation_Id__c !== correlationId) return;
      matched++;
      const seen = (perSession.get(correlationId) ?? 0) + 1;
      perSession.set(correlationId, seen);
      if (seen > 1) duplicates++;
    } else if (type === 'error') {
      errors++;
      firstError ??= (data as { details?: string; message?: string } | undefined)?.details ?? String(data);
    } else if (type === 'end') {
      ended++;
    }
  });
}

process.on('message', (raw: ToChild) => {
  if (raw.type === 'stats') send({ type: 'stats', id: raw.id, stats: processStats() });
  else if (raw.type === 'progress') {
    let sessionsMatched = 0;
    for (const n of perSession.values()) if (n > 0) sessionsMatched++;
    send({ type: 'progress', id: raw.id, matched, received, sessionsMatched, duplicates, errors, ended, ...(firstError ? { firstError } : {}) });
  } else if (raw.type === 'subscribe') {
    void (async () => {
      let opened = 0;
      let failed = 0;
      let error: string | undefined;
      for (const id of raw.correlationIds) {
        try {
          await subscribeOne(id);
          opened++;
        } catch (err) {
          failed++;
          error ??= errorMessage(err);
        }
      }
      send({ type: 'subscribed', id: raw.id, opened, failed, ...(error ? { error } : {}) });
    })();
  } else if (raw.type === 'stop') {
    send({ type: 'stopped', id: raw.id });
    process.exit(0);
  }
});

send({ type: 'ready' });
