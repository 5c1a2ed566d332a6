/**
 * Text cut to a Salesforce field's limit, as the org counts it. Text, Text Area and Long Text Area
 * limits count UTF-16 code units (an emoji is 2); a few fields are limited in bytes of UTF-8 (e.g.
 * CaseComment.Body's 4,000 bytes through the API). A cut never splits a character: a surrogate
 * pair, or a code point's UTF-8 bytes, stay whole or go whole.
 */

/** CaseComment.CommentBody through the API: 4,000 bytes of UTF-8. */
export const CASE_COMMENT_MAX_BYTES = 4000;

/** A field's limit: UTF-16 code units (`units`, most fields) or UTF-8 bytes (`bytes`). */
export type FieldLimit = { units: number } | { bytes: number };

/** `value` as long as `limit` allows, cut at a character boundary. */
export function fitToField(value: string, limit: FieldLimit): string {
  return 'units' in limit ? cutToUnits(value, limit.units) : cutToBytes(value, limit.bytes);
}

function cutToUnits(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = Math.max(0, max);
  // Do not keep the high half of a pair whose low half falls beyond the limit.
  const last = value.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return value.slice(0, end);
}

function cutToBytes(value: string, max: number): string {
  if (Buffer.byteLength(value, 'utf8') <= max) return value;
  let bytes = 0;
  let out = '';
  for (const char of value) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > max) break;
    bytes += size;
    out += char;
  }
  return out;
}
