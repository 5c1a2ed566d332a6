/**
 * A session's key: opaque and unguessable (16 random bytes, as hex), and naming its Case so that the
 * store's key layout (`storage/keyLayout.ts`) can keep the session beside its Case's document from the
 * key alone, wherever a session is looked up by key (form tokens, the in-flight sweep, deadlines,
 * handoff records, `Session_Key__c` on an event): `{caseId}-{32 hex}`, 51 characters (the events'
 * `Session_Key__c` is Text(64)). The Case Id is no secret (the event names it beside the key): the random
 * part alone is what makes the key unguessable, as strong as before.
 *
 * Keys of earlier releases are the 32 hex characters alone (no Case): they keep working everywhere, in
 * a partition of their own.
 */
import { randomBytes } from 'node:crypto';
import { KEY_PREFIX, normalizeId } from './salesforceId';

/** The random part: 16 bytes. */
const RANDOM_BYTES = 16;
/** `{caseId}-{random}`, or (earlier releases) `{random}` alone. */
const SESSION_KEY = /^(?:([a-zA-Z0-9]{18})-)?[0-9a-f]{32}$/;

/** A Case Id as a key names it: a Case's, in its 18-character form (case-safe, its checksum right). */
function isCaseId(id: string): boolean {
  return id.startsWith(KEY_PREFIX.Case) && id.length === 18 && normalizeId(id) === id;
}

/** A new session's key for a session of `caseId` (an id of another shape is not named: the key is random alone). */
export function newSessionKey(caseId: string): string {
  const random = randomBytes(RANDOM_BYTES).toString('hex');
  return isCaseId(caseId) ? `${caseId}-${random}` : random;
}

/** Whether `key` has the shape of a key this bot issues (now or in earlier releases). */
export function isSessionKey(key: string): boolean {
  const m = SESSION_KEY.exec(key);
  return m !== null && (m[1] === undefined || isCaseId(m[1]));
}

/** The Case a session key names, or undefined (a key of an earlier release, or not a session key). */
export function caseOfSessionKey(key: string): string | undefined {
  const caseId = SESSION_KEY.exec(key)?.[1];
  return caseId !== undefined && isCaseId(caseId) ? caseId : undefined;
}
