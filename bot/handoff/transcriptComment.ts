/**
 * The transcript of a chat an agent took over from the Case, as the body of one Case comment:
 * a heading line (who, from when to when), then one line per message, oldest first. Cut to
 * CommentBody's 4,000 bytes by keeping the heading and the latest lines that fit.
 */
import type { HandoffRecord } from '../../cowork/stores/handoff';
import { CASE_COMMENT_MAX_BYTES, fitToField } from '../../util/salesforceText';

export function transcriptComment(record: HandoffRecord, endedAt: string): string {
  const hold = record.panel;
  const heading = `Chat taken over from the Case by ${hold?.agent ?? 'an agent'}, ${record.acceptedAt ?? '?'} to ${endedAt} (co-work bot).`;
  const lines = (hold?.transcript ?? []).map((l) => `[${l.at.slice(11, 19)}] ${l.who}: ${l.text.replace(/\r?\n/g, ' ')}`);
  if (lines.length === 0) return `${heading}\nNothing was said.`;
  const kept: string[] = [];
  let bytes = Buffer.byteLength(heading, 'utf8') + 1;
  const omitted = (n: number): string => `(${n} earlier line${n === 1 ? '' : 's'} not kept)`;
  for (let i = lines.length - 1; i >= 0; i--) {
    const size = Buffer.byteLength(lines[i] ?? '', 'utf8') + 1;
    if (bytes + size + Buffer.byteLength(omitted(i + 1), 'utf8') + 1 > CASE_COMMENT_MAX_BYTES) {
      if (kept.length > 0) return [heading, omitted(i + 1), ...kept].join('\n');
      // The latest line alone is too long: its beginning.
      const last = fitToField(lines[i] ?? '', { bytes: CASE_COMMENT_MAX_BYTES - bytes - 64 });
      return [heading, ...(i > 0 ? [omitted(i)] : []), last].join('\n');
    }
    bytes += size;
    kept.unshift(lines[i] ?? '');
  }
  return [heading, ...kept].join('\n');
}
