/** The transcript of a takeover as one Case comment: whole, or its heading and latest lines within CommentBody's 4,000 bytes. */
import { transcriptComment } from '../../bot/handoff/transcriptComment';
import type { HandoffRecord, TranscriptLine } from '../../cowork/stores/handoff';
import { CASE_COMMENT_MAX_BYTES } from '../../salesforce/caseStore';

function record(transcript: TranscriptLine[]): HandoffRecord {
  return {
    conversationId: 'c',
    conversationReference: {},
    userId: 'u',
    state: 'accepted',
    trigger: 'agent',
    sessionKey: null,
    caseId: '500000000000001AAA',
    caseNumber: '00001026',
    agentId: 'salesforce:ana@example.com',
    agentConversationId: null,
    notes: [],
    requestedAt: '2026-12-02T05:00:00.000Z',
    acceptedAt: '2026-12-02T05:00:00.000Z',
    endedAt: null,
    panel: { caseId: '500000000000001AAA', agent: 'ana@example.com', outbox: [], delivered: [], sending: null, transcript },
  };
}

const line = (i: number, text: string, who = 'Customer'): TranscriptLine => ({ at: `2026-12-02T05:0${i % 10}:00.000Z`, who, text });

describe('transcriptComment', () => {
  it('names the agent and the span, then every line in order with its speaker', () => {
    const body = transcriptComment(record([line(1, 'hello'), line(2, 'Hi, I am Ana', 'ana@example.com')]), '2026-12-02T05:10:00.000Z');
    expect(body.split('\n')).toEqual([
      'Chat taken over from the Case by ana@example.com, 2026-12-02T05:00:00.000Z to 2026-12-02T05:10:00.000Z (co-work bot).',
      '[05:01:00] Customer: hello',
      '[05:02:00] ana@example.com: Hi, I am Ana',
    ]);
  });

  it('keeps the heading and the latest lines within 4,000 bytes (multi-byte text counted in bytes), and says how many were left out', () => {
    const lines = Array.from({ length: 100 }, (_, i) => line(i, `message ${i} ${'é'.repeat(40)}`));
    const body = transcriptComment(record(lines), '2026-12-02T05:10:00.000Z');
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(CASE_COMMENT_MAX_BYTES);
    const kept = body.split('\n');
    expect(kept[0]).toContain('ana@example.com');
    expect(kept[1]).toMatch(/^\((\d+) earlier lines not kept\)$/);
    const omitted = Number(/\d+/.exec(kept[1] ?? '')?.[0]);
    expect(kept).toHaveLength(2 + 100 - omitted);
    expect(kept.at(-1)).toContain('message 99');
  });

  it('a single line longer than the limit is cut, never dropped whole', () => {
    const body = transcriptComment(record([line(1, '😀'.repeat(3000))]), '2026-12-02T05:10:00.000Z');
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(CASE_COMMENT_MAX_BYTES);
    expect(body).toContain('Customer: 😀');
    expect(body).not.toContain('\ufffd');
  });
});
