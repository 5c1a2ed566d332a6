/**
 * Signed start tokens: whoever hosts the chat (the Salesforce side, a website backend) proves
 * that this user may start a co-work session on this Case, in this conversation. HS256 with
 * `COWORK_START_SECRET`; audience `cowork-bot`; claims, all required:
 *
 * - `sub`: the channel user id the token is for;
 * - `conv`: the conversation id it may be used in (a token replayed in another conversation is
 *   refused, so a leaked token cannot start forms anywhere else);
 * - `caseId`: the Case;
 * - `exp` (and `iat`): a lifetime of at most `COWORK_START_TOKEN_MAX_MINUTES` (default 15).
 */
import jwt from 'jsonwebtoken';
import { normalizeId, KEY_PREFIX } from '../../util/salesforceId';

export const START_TOKEN_AUDIENCE = 'cowork-bot';
const MAX_TOKEN_LENGTH = 4096;
/** Clock difference tolerated between the minting host and the bot, on the lifetime (expiry itself is strict). */
const CLOCK_TOLERANCE_SECONDS = 30;
export const DEFAULT_START_TOKEN_MAX_MINUTES = 15;

export interface StartClaims {
  caseId: string;
  userId: string;
  conversationId: string;
}

export type StartTokenCheck = { ok: true; claims: StartClaims } | { ok: false; reason: string };

export function mintStartToken(secret: string, claims: StartClaims, ttlSeconds = DEFAULT_START_TOKEN_MAX_MINUTES * 60): string {
  return jwt.sign({ caseId: claims.caseId, conv: claims.conversationId }, secret, {
    algorithm: 'HS256',
    subject: claims.userId,
    audience: START_TOKEN_AUDIENCE,
    expiresIn: ttlSeconds,
  });
}

export interface StartTokenContext {
  /** The channel user id of the activity carrying the token. */
  userId: string;
  /** The conversation id of the activity carrying the token. */
  conversationId: string;
  /** Longest lifetime accepted (`COWORK_START_TOKEN_MAX_MINUTES`), in seconds. */
  maxLifetimeSeconds: number;
  now?: () => number;
}

/**
 * Verifies signature, algorithm, audience, expiry (required, and no further away than the
 * maximum lifetime), the Case Id's form, and that the token is for this user and conversation.
 */
export function verifyStartToken(secret: string, token: unknown, context: StartTokenContext): StartTokenCheck {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: 'the start token is missing or malformed' };
  }
  const nowSeconds = Math.floor((context.now ?? Date.now)() / 1000);
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, secret, { algorithms: ['HS256'], audience: START_TOKEN_AUDIENCE, clockTimestamp: nowSeconds });
  } catch (err) {
    const expired = err instanceof jwt.TokenExpiredError;
    return { ok: false, reason: expired ? 'the start token has expired' : 'the start token is not valid' };
  }
  if (typeof payload !== 'object' || typeof payload.caseId !== 'string' || typeof payload.sub !== 'string' || typeof payload.conv !== 'string') {
    return { ok: false, reason: 'the start token lacks its claims' };
  }
  if (typeof payload.exp !== 'number') return { ok: false, reason: 'the start token has no expiry' };
  const max = context.maxLifetimeSeconds + CLOCK_TOLERANCE_SECONDS;
  const issuedAt = typeof payload.iat === 'number' ? Math.min(payload.iat, nowSeconds) : nowSeconds;
  if (payload.exp - issuedAt > max || payload.exp - nowSeconds > max) {
    return { ok: false, reason: 'the start token is valid for too long' };
  }
  const caseId = normalizeId(payload.caseId);
  if (!caseId || !caseId.startsWith(KEY_PREFIX.Case)) return { ok: false, reason: 'the start token does not name a Case' };
  if (payload.sub !== context.userId) return { ok: false, reason: 'the start token was issued for someone else' };
  if (payload.conv !== context.conversationId) return { ok: false, reason: 'the start token was issued for another conversation' };
  return { ok: true, claims: { caseId, userId: payload.sub, conversationId: payload.conv } };
}
