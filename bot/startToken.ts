/**
 * Signed start tokens: whoever hosts the chat (the Salesforce side, a website backend) proves
 * that this user may start a co-work session on this Case. HS256 with `COWORK_START_SECRET`;
 * claims: `sub` (the channel user id the token is for), `caseId`, `exp`; audience `cowork-bot`.
 */
import jwt from 'jsonwebtoken';
import { normalizeId, KEY_PREFIX } from '../cowork/salesforceId';

export const START_TOKEN_AUDIENCE = 'cowork-bot';
const MAX_TOKEN_LENGTH = 4096;

export interface StartClaims {
  caseId: string;
  userId: string;
}

export type StartTokenCheck = { ok: true; claims: StartClaims } | { ok: false; reason: string };

export function mintStartToken(secret: string, claims: StartClaims, ttlSeconds = 900): string {
  return jwt.sign({ caseId: claims.caseId }, secret, {
    algorithm: 'HS256',
    subject: claims.userId,
    audience: START_TOKEN_AUDIENCE,
    expiresIn: ttlSeconds,
  });
}

/** Verifies signature, algorithm, audience, expiry, the Case Id's form and that the token is for `userId`. */
export function verifyStartToken(secret: string, token: unknown, userId: string): StartTokenCheck {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: 'the start token is missing or malformed' };
  }
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, secret, { algorithms: ['HS256'], audience: START_TOKEN_AUDIENCE });
  } catch (err) {
    const expired = err instanceof jwt.TokenExpiredError;
    return { ok: false, reason: expired ? 'the start token has expired' : 'the start token is not valid' };
  }
  if (typeof payload !== 'object' || typeof payload.caseId !== 'string' || typeof payload.sub !== 'string') {
    return { ok: false, reason: 'the start token lacks its claims' };
  }
  const caseId = normalizeId(payload.caseId);
  if (!caseId || !caseId.startsWith(KEY_PREFIX.Case)) return { ok: false, reason: 'the start token does not name a Case' };
  if (payload.sub !== userId) return { ok: false, reason: 'the start token was issued for someone else' };
  return { ok: true, claims: { caseId, userId: payload.sub } };
}
