/**
 * Salesforce record ids: 15 case-sensitive characters, or 18 with a 3-character suffix that
 * encodes the case of the first 15. Pure functions, no I/O: used by the core to validate ids
 * before they reach a query or a path, and by the simulator to mint ids.
 */

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID_PATTERN = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-5]{3})?$/;

/** The 3-character case-safe suffix of a 15-character id. */
export function idSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

/**
 * Returns the 18-character form of a valid id, or `undefined` when the input is not a
 * well-formed id (wrong length, characters, or an 18-character id whose suffix does not match).
 * An 18-character id is case-insensitive: its suffix restores the case of the first 15.
 */
export function normalizeId(input: string): string | undefined {
  if (!ID_PATTERN.test(input)) return undefined;
  if (input.length === 15) return input + idSuffix(input);
  const suffix = input.slice(15).toUpperCase();
  const restored = restoreCase(input.slice(0, 15), suffix);
  if (restored === undefined) return undefined;
  return restored + idSuffix(restored);
}

/** True when `input` is a well-formed 15- or 18-character id (checksum included). */
export function isValidId(input: string): boolean {
  return normalizeId(input) !== undefined;
}

/** True when `id` (already valid) starts with the key prefix of `objectPrefix` (e.g. '500' for Case). */
export function hasKeyPrefix(id: string, objectPrefix: string): boolean {
  return id.slice(0, 3) === objectPrefix;
}

export const KEY_PREFIX = {
  Case: '500',
  Contact: '003',
  User: '005',
  Organization: '00D',
  MessagingSession: '0Mw',
  LiveChatTranscript: '570',
  CaseComment: '00a',
} as const;

function restoreCase(first15: string, suffix: string): string | undefined {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = SUFFIX_ALPHABET.indexOf(suffix[chunk] ?? '');
    if (bits < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const ch = first15[chunk * 5 + i] ?? '';
      const upper = (bits & (1 << i)) !== 0;
      if (/[a-zA-Z]/.test(ch)) {
        out += upper ? ch.toUpperCase() : ch.toLowerCase();
      } else {
        if (upper) return undefined; // the suffix claims an uppercase letter where there is a digit
        out += ch;
      }
    }
  }
  return out;
}
