/**
 * The two tokens in memory, every refusal with its reason (kills the mutants the end-to-end tests
 * in test/e2e/startTokens.test.ts cannot reach in Stryker's fast run): start tokens (HS256,
 * audience, lifetime, claims) and form tokens (AES-256-GCM sealed, bound to the conversation).
 */
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { DEFAULT_START_TOKEN_MAX_MINUTES, mintStartToken, START_TOKEN_AUDIENCE, verifyStartToken } from '../../bot/turn/startToken';
import { FormTokenSigner, type FormTokenBinding } from '../../cowork/domain/formToken';
import { normalizeId } from '../../util/salesforceId';

const SECRET = 's'.repeat(40);
const CASE = normalizeId('500D000000BbcdE') as string;
const NOW = 1_800_000_000_000;
const nowSeconds = NOW / 1000;
const context = { userId: 'u1', conversationId: 'c1', maxLifetimeSeconds: 900, now: () => NOW };

/** A start token with these claims over the defaults; a claim given as undefined is left out. */
function sign(claims: Record<string, unknown>, options: jwt.SignOptions = {}, secret: jwt.Secret = SECRET): string {
  const merged: Record<string, unknown> = { caseId: CASE, conv: 'c1', iat: nowSeconds, exp: nowSeconds + 300, ...claims };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return jwt.sign(merged, secret, { algorithm: 'HS256', subject: 'u1', audience: START_TOKEN_AUDIENCE, ...options });
}

describe('start tokens', () => {
  it('are minted with the audience, the subject, the claims and a lifetime of 15 minutes by default', () => {
    expect(START_TOKEN_AUDIENCE).toBe('cowork-bot');
    expect(DEFAULT_START_TOKEN_MAX_MINUTES).toBe(15);
    const decoded = jwt.verify(mintStartToken(SECRET, { caseId: CASE, userId: 'u1', conversationId: 'c1' }), SECRET, { algorithms: ['HS256'], complete: true });
    const payload = decoded.payload as jwt.JwtPayload;
    expect(decoded.header.alg).toBe('HS256');
    expect(payload).toMatchObject({ aud: 'cowork-bot', sub: 'u1', caseId: CASE, conv: 'c1' });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900);
    const short = jwt.decode(mintStartToken(SECRET, { caseId: CASE, userId: 'u1', conversationId: 'c1' }, 60)) as jwt.JwtPayload;
    expect((short.exp ?? 0) - (short.iat ?? 0)).toBe(60);
  });

  it('accept a good token and return its normalised claims', () => {
    expect(verifyStartToken(SECRET, sign({ caseId: CASE.slice(0, 15) }), context)).toEqual({
      ok: true,
      claims: { caseId: CASE, userId: 'u1', conversationId: 'c1' },
    });
    // Exactly the longest lifetime allowed (plus the 30 s of clock tolerance) is still accepted.
    expect(verifyStartToken(SECRET, sign({ exp: nowSeconds + 930 }), context)).toMatchObject({ ok: true });
  });

  it.each([
    ['not a string', 42, 'the start token is missing or malformed'],
    ['empty', '', 'the start token is missing or malformed'],
    ['longer than 4096 characters', 'x'.repeat(4097), 'the start token is missing or malformed'],
    ['of exactly 4096 characters (read, then refused as no token)', 'x'.repeat(4096), 'the start token is not valid'],
    ['garbage', 'a.b.c', 'the start token is not valid'],
    ['of another audience', sign({}, { audience: 'another-bot' }), 'the start token is not valid'],
    ['without an audience', jwt.sign({ caseId: CASE, conv: 'c1', exp: nowSeconds + 300 }, SECRET, { subject: 'u1' }), 'the start token is not valid'],
    ['of another algorithm', sign({}, { algorithm: 'HS512' }), 'the start token is not valid'],
    ['with alg none', sign({}, { algorithm: 'none' }, ''), 'the start token is not valid'],
    ['signed with another secret', sign({}, {}, 'o'.repeat(40)), 'the start token is not valid'],
    ['expired', sign({ iat: nowSeconds - 600, exp: nowSeconds - 1 }), 'the start token has expired'],
    ['without a Case', sign({ caseId: undefined }), 'the start token lacks its claims'],
    ['without a conversation', sign({ conv: undefined }), 'the start token lacks its claims'],
    [
      'without a subject',
      jwt.sign({ caseId: CASE, conv: 'c1', exp: nowSeconds + 300 }, SECRET, { audience: START_TOKEN_AUDIENCE }),
      'the start token lacks its claims',
    ],
    ['with a Case id that is a number', sign({ caseId: 500 }), 'the start token lacks its claims'],
    ['without an expiry', sign({ exp: undefined }), 'the start token has no expiry'],
    ['valid for too long from now', sign({ exp: nowSeconds + 931 }), 'the start token is valid for too long'],
    ['valid for too long from its issue', sign({ iat: nowSeconds - 600, exp: nowSeconds + 400 }), 'the start token is valid for too long'],
    ['naming a Contact', sign({ caseId: '003000000000001' }), 'the start token does not name a Case'],
    ['naming no Salesforce id', sign({ caseId: 'not-an-id' }), 'the start token does not name a Case'],
    ['for someone else', sign({}, { subject: 'u2' }), 'the start token was issued for someone else'],
    ['for another conversation', sign({ conv: 'c2' }), 'the start token was issued for another conversation'],
  ])('refuse a token %s', (_name, token, reason) => {
    expect(verifyStartToken(SECRET, token, context)).toEqual({ ok: false, reason });
  });

  it('take an iat in the future as now (a clock ahead cannot stretch the lifetime)', () => {
    expect(verifyStartToken(SECRET, sign({ iat: nowSeconds + 10_000, exp: nowSeconds + 900 }), context)).toMatchObject({ ok: true });
    expect(verifyStartToken(SECRET, sign({ iat: undefined, exp: nowSeconds + 900 }, { noTimestamp: true }), context)).toMatchObject({ ok: true });
  });

  it('use the real clock when none is given', () => {
    const token = mintStartToken(SECRET, { caseId: CASE, userId: 'u1', conversationId: 'c1' });
    expect(verifyStartToken(SECRET, token, { userId: 'u1', conversationId: 'c1', maxLifetimeSeconds: 900 })).toMatchObject({ ok: true });
  });
});

describe('form tokens', () => {
  const signer = new FormTokenSigner(Buffer.from('form-secret-0123456789', 'utf8'));
  const binding: FormTokenBinding = { sessionKey: 'a'.repeat(32), caseId: CASE, formId: 'use-of-funds', conversationId: 'conv-1', issuedAt: NOW };

  it('carry their binding back for the conversation they were minted for, as v1 and opaque', () => {
    const token = signer.mint(binding);
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(token).not.toContain(CASE);
    expect(Buffer.from(token.slice(3), 'base64url').toString('latin1')).not.toContain(CASE);
    expect(signer.verify(token, 'conv-1')).toEqual(binding);
    // A fresh IV every time: two tokens of one binding differ.
    expect(signer.mint(binding)).not.toBe(token);
  });

  it('are refused in another conversation, under another key, altered, or malformed', () => {
    const token = signer.mint(binding);
    expect(signer.verify(token, 'conv-2')).toBeUndefined();
    expect(new FormTokenSigner(Buffer.from('another-secret', 'utf8')).verify(token, 'conv-1')).toBeUndefined();
    const raw = Buffer.from(token.slice(3), 'base64url');
    for (const at of [0, 12, raw.length - 1]) {
      const altered = Buffer.from(raw);
      altered[at] = (altered[at] ?? 0) ^ 1;
      expect(signer.verify(`v1.${altered.toString('base64url')}`, 'conv-1')).toBeUndefined();
    }
    expect(signer.verify(`v2.${token.slice(3)}`, 'conv-1')).toBeUndefined();
    expect(signer.verify(token.slice(1), 'conv-1')).toBeUndefined();
    expect(signer.verify(42, 'conv-1')).toBeUndefined();
    expect(signer.verify('v1.', 'conv-1')).toBeUndefined();
    expect(signer.verify(`v1.${Buffer.alloc(28).toString('base64url')}`, 'conv-1')).toBeUndefined();
    expect(signer.verify(`v1.${'A'.repeat(1022)}`, 'conv-1')).toBeUndefined();
  });

  it('accept a token of 1,023 characters, the longest within 1 KiB, and refuse a longer one even when sealed right', () => {
    const withFormId = (length: number) => signer.mint({ ...binding, formId: 'f'.repeat(length) });
    let longest = 0;
    while (withFormId(longest + 1).length <= 1023) longest++;
    const atLimit = withFormId(longest);
    expect(atLimit).toHaveLength(1023); // tokens of 1,024 characters do not exist (see cowork/domain/formToken.ts)
    expect(signer.verify(atLimit, 'conv-1')?.formId).toBe('f'.repeat(longest));
    const over = withFormId(longest + 1);
    expect(over).toHaveLength(1025);
    expect(signer.verify(over, 'conv-1')).toBeUndefined();
    expect(signer.verify(withFormId(700), 'conv-1')).toBeUndefined();
  });

  it('refuse every input too short to hold an IV and a tag', () => {
    for (let bytes = 0; bytes <= 28; bytes++) {
      expect(signer.verify(`v1.${Buffer.alloc(bytes, bytes).toString('base64url')}`, 'conv-1')).toBeUndefined();
      // …and the same length cut from a real token (its IV, the start of its ciphertext).
      expect(signer.verify(`v1.${Buffer.from(signer.mint(binding).slice(3), 'base64url').subarray(0, bytes).toString('base64url')}`, 'conv-1')).toBeUndefined();
    }
  });

  it('refuse a token whose sealed content is no binding', () => {
    // Sealed with the same key derivation, for the same conversation: only the content is wrong.
    const key = createHmac('sha256', Buffer.from('form-secret-0123456789', 'utf8')).update('cowork-bot form token v1', 'utf8').digest();
    const seal = (plain: string) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from('conv-1', 'utf8'));
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url')}`;
    };
    expect(signer.verify(seal(JSON.stringify({ s: 'k', c: CASE, f: 'use-of-funds', t: NOW })), 'conv-1')).toMatchObject({ sessionKey: 'k' });
    for (const plain of [
      '',
      'not json',
      JSON.stringify({ s: 1, c: CASE, f: 'f', t: NOW }),
      JSON.stringify({ s: 'k', c: null, f: 'f', t: NOW }),
      JSON.stringify({ s: 'k', c: CASE, f: [], t: NOW }),
      JSON.stringify({ s: 'k', c: CASE, f: 'f', t: 'now' }),
    ])
      expect(signer.verify(seal(plain), 'conv-1')).toBeUndefined();
  });

  it('verify a token recorded from an earlier run (the key derivation is stable across versions)', () => {
    // Minted once with FormTokenSigner(Buffer.from('recorded-form-secret')): a change of the derivation
    // (its label, its hash) would make every card already sent unreadable after an upgrade.
    const recorded =
      'v1.-53lRmH0xn0gS4JSlIv9Kd2jCOyvwN0PsfvGlkL2MmgvMPUn_f_rzdwUXfRv8YioiYLSq7-dGkhbcF2Wr1WRpQ3Fvk_9TjlK9KOmeEGbWaHWTFZ5Kh-1Isb-YB-qAVfFqVUmobKzn6adICzcOctscmceCWtNlO5wdMnia2HBkmC8ZA';
    expect(new FormTokenSigner(Buffer.from('recorded-form-secret', 'utf8')).verify(recorded, 'conv-recorded')).toEqual({
      sessionKey: 'b'.repeat(32),
      caseId: '500D000000BbcdEIAR',
      formId: 'use-of-funds',
      conversationId: 'conv-recorded',
      issuedAt: 1767225600000,
    });
  });

  it('derive the same key from the same secret (tokens survive a restart)', () => {
    const again = new FormTokenSigner(Buffer.from('form-secret-0123456789', 'utf8'));
    expect(again.verify(signer.mint(binding), 'conv-1')).toEqual(binding);
  });
});
