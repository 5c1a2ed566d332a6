/**
 * Form tokens that carry their own binding, sealed: `v1.{base64url(iv | ciphertext | tag)}`,
 * AES-256-GCM over `{ sessionKey, caseId, formId, issuedAt }` with the conversation id as
 * additional data, under a per-deployment key (`COWORK_FORM_SECRET`). The card stays opaque (no
 * Case Id in it) and the binding cannot be forged or moved to another conversation. The session is
 * still looked up in storage; when storage lost it (memory storage and a restart), a valid token
 * still says which Case and form it was for, so the bot can recognise a form from before the
 * restart and offer it again instead of calling it "no longer active".
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export interface FormTokenBinding {
  sessionKey: string;
  caseId: string;
  formId: string;
  conversationId: string;
  issuedAt: number;
}

/**
 * The longest token accepted: 1 KiB, less one character, because a token is `v1.` and unpadded base64url, so no
 * token is exactly 1,024 characters long (its base64url would be 1,021, which no byte count gives); 1,023 is the
 * longest a token can be within 1 KiB. Checked before anything is decoded.
 */
const MAX_TOKEN_LENGTH = 1023;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class FormTokenSigner {
  private readonly key: Buffer;

  /** `secret`: the deployment's key material (any length); the cipher key is derived from it. */
  constructor(secret: Buffer) {
    this.key = createHmac('sha256', secret).update('cowork-bot form token v1', 'utf8').digest();
  }

  mint(binding: FormTokenBinding): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(binding.conversationId, 'utf8'));
    const plain = JSON.stringify({ s: binding.sessionKey, c: binding.caseId, f: binding.formId, t: binding.issuedAt });
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The binding of a token sealed with this key for `conversationId`, else undefined. */
  verify(token: unknown, conversationId: string): FormTokenBinding | undefined {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !token.startsWith('v1.')) return undefined;
    const raw = Buffer.from(token.slice(3), 'base64url');
    // No length check of its own: an input too short for an IV and a tag fails the cipher (no IV, a tag of a length
    // GCM refuses, or a tag checked against nothing: an empty plaintext, which is no binding either).
    let parsed: { s?: unknown; c?: unknown; f?: unknown; t?: unknown };
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(conversationId, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      parsed = JSON.parse(plain) as typeof parsed;
    } catch {
      return undefined; // not sealed with this key, for this conversation, or altered
    }
    if (typeof parsed.s !== 'string' || typeof parsed.c !== 'string' || typeof parsed.f !== 'string' || typeof parsed.t !== 'number') return undefined;
    return { sessionKey: parsed.s, caseId: parsed.c, formId: parsed.f, conversationId, issuedAt: parsed.t };
  }
}
