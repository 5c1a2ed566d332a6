/**
 * Who may say `handoff.status`. On Direct Line (and any channel where the customer posts
 * activities) a customer can send `handoff.status` for their own conversation and end or fake a
 * handoff. A status is applied only when it comes from the contact-centre side:
 *
 * - its activity's `channelId` is one of `COWORK_HANDOFF_CHANNELS` (the connector posts on its own
 *   channel, where customers cannot), or
 * - its `value` is signed with `COWORK_HANDOFF_SECRET`: `value.timestamp` (milliseconds since the
 *   epoch) and `value.signature` = base64url(HMAC-SHA256(secret,
 *   `handoff.status\n{conversation id}\n{state}\n{timestamp}`)), at most 5 minutes old and no
 *   further in the future than the clock allowance (`futureSkewMs`, COWORK_EVENT_CLOCK_SKEW_SECONDS):
 *   a status signed ahead of time would otherwise stay valid for longer than its 5 minutes.
 *
 * With neither configured, no channel's `handoff.status` is applied. The local agent relay goes
 * through the same signature check, with the configured secret or, without one, a key of this
 * process.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const HANDOFF_SIGNATURE_MAX_AGE_MS = 5 * 60_000;

export interface HandoffSignature {
  timestamp: number;
  signature: string;
}

export type HandoffTrustCheck = { ok: true; via: 'channel' | 'signature' } | { ok: false; reason: string };

export interface HandoffTrustOptions {
  /** `COWORK_HANDOFF_CHANNELS`: channel ids whose `handoff.status` events are trusted. */
  channels?: readonly string[];
  /** `COWORK_HANDOFF_SECRET`: HMAC key of signed `handoff.status` values. */
  secret?: string | undefined;
  /** How far in the future a signed timestamp may be (the signer's clock may run ahead). Default 5 s. */
  futureSkewMs?: number;
  now?: () => number;
}

export const DEFAULT_HANDOFF_FUTURE_SKEW_MS = 5_000;

export class HandoffTrust {
  private readonly channels: ReadonlySet<string>;
  private readonly key: Buffer;
  private readonly now: () => number;
  private readonly futureSkewMs: number;

  constructor(options: HandoffTrustOptions = {}) {
    this.futureSkewMs = options.futureSkewMs ?? DEFAULT_HANDOFF_FUTURE_SKEW_MS;
    this.channels = new Set((options.channels ?? []).map((c) => c.toLowerCase()));
    this.key = options.secret ? Buffer.from(options.secret, 'utf8') : randomBytes(32);
    this.now = options.now ?? Date.now;
  }

  sign(conversationId: string, state: string): HandoffSignature {
    const timestamp = this.now();
    return { timestamp, signature: this.mac(conversationId, state, timestamp) };
  }

  /** A `handoff.status` event from `channelId` for `conversationId` with `value`. */
  check(channelId: string | undefined, conversationId: string, state: string, value: unknown): HandoffTrustCheck {
    if (channelId && this.channels.has(channelId.toLowerCase())) return { ok: true, via: 'channel' };
    return this.checkSignature(conversationId, state, value);
  }

  checkSignature(conversationId: string, state: string, value: unknown): HandoffTrustCheck {
    const { timestamp, signature } = (typeof value === 'object' && value !== null ? value : {}) as { timestamp?: unknown; signature?: unknown };
    if (typeof timestamp !== 'number' || typeof signature !== 'string') return { ok: false, reason: 'neither from a trusted channel nor signed' };
    if (!Number.isSafeInteger(timestamp)) return { ok: false, reason: 'signature timestamp is not a time' };
    if (timestamp - this.now() > this.futureSkewMs) return { ok: false, reason: 'signature dated in the future' };
    if (this.now() - timestamp > HANDOFF_SIGNATURE_MAX_AGE_MS) return { ok: false, reason: 'signature too old' };
    const expected = Buffer.from(this.mac(conversationId, state, timestamp), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
    return { ok: true, via: 'signature' };
  }

  private mac(conversationId: string, state: string, timestamp: number): string {
    return createHmac('sha256', this.key).update(`handoff.status\n${conversationId}\n${state}\n${timestamp}`, 'utf8').digest('base64url');
  }
}

/** What a contact-centre connector computes to sign a `handoff.status` (see the README). */
export function signHandoffStatus(secret: string, conversationId: string, state: string, timestamp = Date.now()): HandoffSignature {
  return new HandoffTrust({ secret, now: () => timestamp }).sign(conversationId, state);
}
