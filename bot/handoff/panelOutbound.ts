/**
 * What the bot tells an agent who holds a chat from the Case in Salesforce (the coworkPanel): each
 * line becomes a `from_customer` Cowork_Message__e (Sender__c `Customer` or `Bot`), queued and
 * batched like the statuses (`QueuedEventPublisher`), never waited on by the customer's turn, and is
 * kept in the takeover's transcript (saved on the Case at hand back).
 *
 * It needs only the handoff records and the publisher, so the composition root builds it before the
 * core, whose effects reach the agent through `HumanOwnership`.
 */
import type { HandoffRecord, HandoffRepository, PanelHold, TranscriptLine } from '../../cowork/stores/handoff';
import type { PanelMessage } from '../../cowork/domain/panelMessage';
import type { PanelChannel } from './humanOwnership';

/** Transcript lines a takeover keeps (oldest dropped first); the Case comment is cut to 4,000 bytes anyway. */
export const MAX_TRANSCRIPT_LINES = 200;
const MAX_LINE_TEXT = 2000;

export interface PanelPublisher {
  publish(message: PanelMessage): void;
}

export function withTranscriptLine(hold: PanelHold, line: TranscriptLine): PanelHold {
  return { ...hold, transcript: [...hold.transcript, { ...line, text: line.text.slice(0, MAX_LINE_TEXT) }].slice(-MAX_TRANSCRIPT_LINES) };
}

export class PanelOutbound implements PanelChannel {
  constructor(private readonly deps: { handoffs: HandoffRepository; publisher: PanelPublisher; now?: () => number }) {}

  async tell(record: HandoffRecord, who: string, text: string): Promise<void> {
    const hold = record.panel;
    if (!hold) return;
    this.show(hold.caseId, record.sessionKey, who, text);
    const line: TranscriptLine = { at: new Date((this.deps.now ?? Date.now)()).toISOString(), who, text };
    await this.deps.handoffs.update(record.conversationId, (current) =>
      current?.panel && current.panel.caseId === hold.caseId ? { ...current, panel: withTranscriptLine(current.panel, line) } : undefined,
    );
  }

  /** A line in the panel only (the conversation so far, at takeover; news for the agent). */
  show(caseId: string, sessionKey: string | null, who: string, text: string): void {
    this.deps.publisher.publish({ caseId, sessionKey, kind: 'from_customer', sender: who, text });
  }
}
