/**
 * Read-modify-write of one storage item with optimistic concurrency: the one loop behind every
 * eTag-guarded change (sessions, handoff records, key lists, Case links, login counters).
 */
import { CoworkError } from './errors';
import { returnsETags, type KeyValueStorage, type StoreItem } from './storage';

/** True for the optimistic-concurrency refusals of botbuilder's storages (memory, blobs, Cosmos DB). */
export function isETagConflict(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { statusCode?: number; code?: string };
  return /etag conflict/i.test(e.message) || e.statusCode === 412 || e.code === 'ConditionNotMet' || /precondition/i.test(e.message);
}

/** Returned by `written` when the write turned out lost (a first write another instance replaced): go again. */
export const WRITE_LOST: unique symbol = Symbol('write lost');

/** What one attempt does with the item as read: stop with a result, or write a body (the eTag is added). */
export type ETagStep<R> =
  | { result: R }
  | {
      write: Record<string, unknown>;
      /**
       * After the write succeeded: its result, or `WRITE_LOST` to go again. `eTag`: the item's new eTag,
       * when the storage tells it; `exclusive`: a first write was create-only, so no other first write
       * can have replaced it (nothing to read back).
       */
      written: (write: WriteOutcome) => R | typeof WRITE_LOST | Promise<R | typeof WRITE_LOST>;
    };

export interface WriteOutcome {
  eTag?: string;
  exclusive: boolean;
}

export interface ETagUpdateOptions {
  /** How many read-modify-write attempts before giving up. */
  maxAttempts: number;
  /** Names the item in the give-up error, e.g. `session 0123…`. */
  what: string;
  /** Waits before the next attempt after a conflict or a lost write (default: none). */
  backoff?: (attempt: number) => Promise<void>;
  /**
   * The item as the caller has just read it, with its eTag: the first attempt starts from it instead
   * of reading again (one storage read less). Safe however old it is: the write is guarded by that
   * eTag, and a conflict reads the item afresh.
   */
  first?: StoreItem & { eTag: string };
}

/** Thrown when every attempt met a concurrent change. */
export class ETagGaveUpError extends CoworkError {
  override readonly name = 'ETagGaveUpError';
  readonly code = 'ERR_COWORK_ETAG_GAVE_UP';
}

/**
 * Reads `key` (or starts from `options.first`), asks `step` what to do with the item, writes with the
 * item's eTag (`'*'` when there is none) and retries from the read on an eTag conflict, at most
 * `maxAttempts` times.
 */
export async function updateWithETag<R>(
  storage: KeyValueStorage,
  key: string,
  options: ETagUpdateOptions,
  step: (item: StoreItem | undefined) => ETagStep<R> | Promise<ETagStep<R>>,
): Promise<R> {
  for (let attempt = 0; attempt < options.maxAttempts; attempt++) {
    const item = attempt === 0 && options.first ? options.first : (await storage.read([key]))[key];
    const next = await step(item);
    if ('result' in next) return next.result;
    let stored: WriteOutcome | undefined;
    try {
      if (returnsETags(storage)) {
        // Create-only when there was nothing: of two first writers one is refused (and reads again).
        const eTag = await storage.writeReturningETag(key, { ...next.write, eTag: item?.eTag ?? '*' }, { ifAbsent: item === undefined });
        stored = { eTag, exclusive: true };
      } else {
        await storage.write({ [key]: { ...next.write, eTag: item?.eTag ?? '*' } });
        stored = { exclusive: false };
      }
    } catch (err) {
      if (!isETagConflict(err)) throw err;
    }
    if (stored) {
      const result = await next.written(stored);
      if (result !== WRITE_LOST) return result;
    }
    await options.backoff?.(attempt);
  }
  throw new ETagGaveUpError(`${options.what}: gave up after ${options.maxAttempts} conflicting concurrent updates`);
}

/** Contended: back off a little, with jitter (at most 50 ms), before the next read-modify-write. */
export function jitteredBackoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
}
