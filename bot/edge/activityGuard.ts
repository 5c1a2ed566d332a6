/**
 * First line of defence for `POST /api/messages`: a request body that is not a plausible
 * Bot Framework activity is answered 400 with a reason, before it reaches the adapter (whose
 * own schema check throws and would answer 500).
 */

export const MAX_TEXT_LENGTH = 10_000;
const MAX_ID_LENGTH = 512;

export type GuardResult = { ok: true } | { ok: false; reason: string };

export function checkActivityBody(body: unknown): GuardResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'the body must be a JSON object (a Bot Framework activity)' };
  }
  const activity = body as Record<string, unknown>;
  if (typeof activity.type !== 'string' || activity.type.length === 0 || activity.type.length > 64) {
    return { ok: false, reason: 'activity.type must be a non-empty string' };
  }
  const conversation = activity.conversation;
  if (typeof conversation !== 'object' || conversation === null || !isId((conversation as Record<string, unknown>).id)) {
    return { ok: false, reason: 'activity.conversation.id must be a non-empty string' };
  }
  if (typeof activity.serviceUrl !== 'string' || !isHttpUrl(activity.serviceUrl)) {
    return { ok: false, reason: 'activity.serviceUrl must be an http(s) URL' };
  }
  if (typeof activity.channelId !== 'string' || activity.channelId.length === 0 || activity.channelId.length > 64) {
    return { ok: false, reason: 'activity.channelId must be a non-empty string' };
  }
  for (const role of ['from', 'recipient'] as const) {
    const account = activity[role];
    if (account !== undefined && (typeof account !== 'object' || account === null || !isId((account as Record<string, unknown>).id))) {
      return { ok: false, reason: `activity.${role}.id must be a non-empty string` };
    }
  }
  if (activity.text !== undefined && activity.text !== null && typeof activity.text !== 'string') {
    return { ok: false, reason: 'activity.text must be a string' };
  }
  return { ok: true };
}

function isId(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function isHttpUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}
