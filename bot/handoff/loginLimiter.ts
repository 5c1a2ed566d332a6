/**
 * Limits on `/agent login` guesses, kept in storage so they hold across instances and restarts.
 *
 * - Per conversation (`cowork/agent-login/{conversationId}`): after `maxFailures` wrong keys in a
 *   row the conversation is locked for `lockMs`, and each further wrong key after a lock doubles it
 *   (capped at an hour). A right key clears it; a day without wrong keys forgets them.
 * - Across all conversations (`cowork/agent-login-global`, one document per minute): guessing from
 *   many conversations never refuses anyone — above `globalSoftLimit` wrong keys in a minute every
 *   login attempt is slowed down (a growing, bounded delay) and an alert is logged once a minute.
 *   So guessing cannot lock the real agents out, and it costs the guesser time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Log } from '../../util/log';
import type { KeyValueStorage, StoreItem } from '../../cowork/ports';
import { ETagGaveUpError, updateWithETag } from '../../util/eTagUpdate';

export interface LoginLimiterOptions {
  storage: KeyValueStorage;
  log: Log;
  now?: () => number;
  /** Wrong keys in a row before a conversation is locked (default 5). */
  maxFailures?: number;
  /** First lock of a conversation (default 60 s); doubles with each wrong key after it. */
  lockMs?: number;
  /** Wrong keys a minute, across conversations, above which logins are slowed down (default 20). */
  globalSoftLimit?: number;
  /** Added delay per wrong key above the soft limit (default 50 ms), at most `maxDelayMs` (default 1 s). */
  delayStepMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface ConversationRecord extends StoreItem {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
}

interface GlobalRecord extends StoreItem {
  minute: number;
  failures: number;
  alerted: boolean;
}

const MAX_LOCK_MS = 60 * 60_000;
const FORGET_AFTER_MS = 24 * 60 * 60_000;
const MAX_CONFLICT_RETRIES = 10;

export type LoginGate = { ok: true } | { ok: false; retryInSeconds: number };

export class LoginLimiter {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: LoginLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Before checking a key: slows down while many wrong keys arrive, refuses a locked conversation. */
  async before(conversationId: string): Promise<LoginGate> {
    const now = this.now();
    const global = await this.readGlobal(now);
    const excess = global.failures - (this.options.globalSoftLimit ?? 20);
    if (excess >= 0) await this.sleep(Math.min(this.options.maxDelayMs ?? 1000, (excess + 1) * (this.options.delayStepMs ?? 50)));
    const record = await this.readConversation(conversationId);
    const lockedFor = (record?.lockedUntil ?? 0) - this.now();
    if (lockedFor > 0) {
      this.options.log.warn({ conversationId, lockedForMs: lockedFor }, 'agent login refused: conversation locked after wrong keys');
      return { ok: false, retryInSeconds: Math.ceil(lockedFor / 1000) };
    }
    return { ok: true };
  }

  /** A wrong key: counts it for the conversation (locking it past the limit) and globally. */
  async failed(conversationId: string): Promise<{ failures: number; lockedForMs: number }> {
    const now = this.now();
    const max = this.options.maxFailures ?? 5;
    let result = { failures: 0, lockedForMs: 0 };
    await this.update<ConversationRecord>(this.conversationKey(conversationId), (current) => {
      const previous = current && now - current.lastFailureAt < FORGET_AFTER_MS ? current.failures : 0;
      const failures = previous + 1;
      const lockedForMs = failures >= max ? Math.min(MAX_LOCK_MS, (this.options.lockMs ?? 60_000) * 2 ** (failures - max)) : 0;
      result = { failures, lockedForMs };
      return { failures, lastFailureAt: now, lockedUntil: lockedForMs > 0 ? now + lockedForMs : 0 };
    });
    const minute = Math.floor(now / 60_000);
    let alert: number | undefined;
    await this.update<GlobalRecord>(GLOBAL_KEY, (current) => {
      const same = current?.minute === minute;
      const failures = (same ? current.failures : 0) + 1;
      const alreadyAlerted = same && current.alerted;
      const over = failures > (this.options.globalSoftLimit ?? 20);
      alert = over && !alreadyAlerted ? failures : undefined;
      return { minute, failures, alerted: alreadyAlerted || over };
    });
    if (alert !== undefined) {
      this.options.log.error({ failuresThisMinute: alert }, 'ALERT: many wrong agent keys across conversations; agent logins are slowed down');
    }
    if (result.lockedForMs > 0) this.options.log.warn({ conversationId, ...result }, 'agent conversation locked after wrong keys');
    return result;
  }

  /** A right key: the conversation's wrong keys are forgotten. */
  async succeeded(conversationId: string): Promise<void> {
    await this.options.storage.delete([this.conversationKey(conversationId)]);
  }

  private conversationKey(conversationId: string): string {
    return `cowork/agent-login/${conversationId}`;
  }

  private async readConversation(conversationId: string): Promise<ConversationRecord | undefined> {
    const key = this.conversationKey(conversationId);
    const item = (await this.options.storage.read([key]))[key] as ConversationRecord | undefined;
    return item && typeof item.failures === 'number' ? item : undefined;
  }

  private async readGlobal(now: number): Promise<{ failures: number }> {
    const item = (await this.options.storage.read([GLOBAL_KEY]))[GLOBAL_KEY] as GlobalRecord | undefined;
    return item?.minute === Math.floor(now / 60_000) ? { failures: item.failures } : { failures: 0 };
  }

  /** Read-modify-write with the item's eTag, retried on conflicts; gives up quietly (a limit is best effort under contention). */
  private async update<T extends StoreItem>(key: string, change: (current: T | undefined) => T): Promise<void> {
    const backoff = (attempt: number): Promise<void> => this.sleep(Math.random() * Math.min(50, 2 ** attempt));
    try {
      await updateWithETag<void>(this.options.storage, key, { maxAttempts: MAX_CONFLICT_RETRIES, what: key, backoff }, (item) => ({
        write: change(item as T | undefined),
        written: () => undefined,
      }));
    } catch (err) {
      if (!(err instanceof ETagGaveUpError)) throw err;
      this.options.log.warn({ key }, 'agent login limit: gave up counting after conflicting updates');
    }
  }
}

const GLOBAL_KEY = 'cowork/agent-login-global';

/** Constant-time comparison of the configured key with a typed one (hashed first: equal lengths, no length leak). */
export function keyMatches(expected: string, given: string): boolean {
  if (!expected) return false;
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b);
}
