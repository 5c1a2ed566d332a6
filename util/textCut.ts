/** Cutting text to a stored field's limit without splitting a character. */

/** At most `max` UTF-16 code units (how Salesforce counts Text lengths), never half of a surrogate pair. */
export function utf16Cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** At most `maxBytes` bytes of UTF-8 (CaseComment.CommentBody counts bytes), whole characters only. */
export function utf8Cut(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let out = '';
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += char;
  }
  return out;
}
