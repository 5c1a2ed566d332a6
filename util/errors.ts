/**
 * The bot's own errors, one catalogue: each has a stable code (what a log search, an alert or a host
 * bot matches on), a meaning and what to do. Every error class of the product extends `CoworkError`
 * with one of these codes (test/architecture.test.ts checks it); Salesforce's own codes (the
 * simulator's `SalesforceError`, `PermanentCaseError.errorCode`) and the channel's stay theirs.
 *
 * `errorMessage` and `asError` are the one way to read an unknown thrown value: logs put an `Error`
 * under `err` (pino serialises its type, message and stack), texts use `errorMessage`.
 */

export const ERROR_CATALOGUE = {
  ERR_COWORK_CONFIG: 'A configuration variable is missing or invalid: the message names it, the problem and an example. The bot does not start.',
  ERR_COWORK_FORM_SPEC: 'A form spec does not match its Salesforce fields (picklist values, lengths, event fields). The bot does not start.',
  ERR_COWORK_INVALID_INPUT: 'An id, a Case number or a value from a request is malformed; it was refused before reaching Salesforce.',
  ERR_COWORK_CASE_PERMANENT:
    'Salesforce refused the Case update for good (deleted Case, invalid field, validation rule): retrying will not help. The answer stays on the session; the Case needs a person.',
  ERR_COWORK_ETAG_GAVE_UP:
    'A stored document kept changing under a read-modify-write (another instance): the operation gave up after its attempts and will be retried by the timed work.',
  ERR_COWORK_EVENT_CLAIMED: 'An event was claimed by this instance and then failed: it is retried from the stored session, never answered twice.',
  ERR_COWORK_STORE_CONFLICT:
    'A write to the co-work store was refused: the row exists already (create), or changed since it was read (eTag). The caller reads again and decides; never a lost write.',
  ERR_COWORK_STORE_LIMIT:
    "A row or a transaction is over Azure Table storage's limits (1 MiB an entity, 64 KiB a property, 100 operations a batch): refused before it is sent.",
  ERR_COWORK_SEND_TIMEOUT: 'The channel did not accept a message within COWORK_SEND_TIMEOUT_SECONDS.',
  ERR_COWORK_STORED_DOCUMENT:
    'A document read back from storage is not of the shape its key holds (a hand edit, a bug, another program): the message names the key and the field. The operation on it is refused; the document needs a person.',
  ERR_COWORK_CONNECTOR: 'The channel connector refused a send or could not be reached (its HTTP status and code are on the error).',
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error of the bot's own, with its catalogue code. */
export abstract class CoworkError extends Error {
  abstract readonly code: ErrorCode;
}

/** The message of whatever was thrown (an Error's message, or the value as text). */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/** Whatever was thrown, as an Error (for a log's `err` key and for `cause`); an object thrown is shown as JSON. */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown !== 'object' || thrown === null) return new Error(String(thrown));
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}
