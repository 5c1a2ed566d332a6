/**
 * What `GET /healthz` shows to whom. Anyone (a load balancer, a monitor) gets the status of each
 * dependency and 200 / 503. The details — instance URL, auth type, last error texts, stream and
 * usage figures — go only to a request with `Authorization: Bearer <HEALTHZ_TOKEN>`, or to one
 * made on loopback directly (no `Forwarded` / `X-Forwarded-For` header: a proxy on the same host
 * would otherwise make every outside caller look local).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What `/healthz` reports: `ok`, and one entry per dependency (Salesforce, the streams, storage), each with its own `ok`. */
export interface HealthReport {
  ok: boolean;
  [dependency: string]: unknown;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

function sameSecret(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export function mayReadHealthDetails(req: Pick<IncomingMessage, 'headers' | 'socket'>, token: string | undefined): boolean {
  const authorization = String(req.headers.authorization ?? '');
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization.trim())?.[1];
  if (token && bearer && sameSecret(token, bearer)) return true;
  const forwarded = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  return !forwarded && LOOPBACK.test(req.socket?.remoteAddress ?? '');
}

/** `{ ok, <dependency>: { ok } ... }`: nothing but the status of each dependency. */
export function publicHealth(report: HealthReport): HealthReport {
  const result: HealthReport = { ok: report.ok };
  for (const [name, value] of Object.entries(report)) {
    if (name === 'ok' || typeof value !== 'object' || value === null) continue;
    const ok = (value as { ok?: unknown }).ok;
    if (typeof ok === 'boolean') result[name] = { ok };
  }
  return result;
}
