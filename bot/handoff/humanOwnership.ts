/**
 * Whether a person owns a customer's conversation, and how the bot's words reach that person:
 * the part of the handoff that the session's proactive effects need. It needs only the handoff
 * records and the agents' channel (not the core), so the composition root builds it before the
 * core, whose effects use it; the handoff protocol uses it too.
 */
import { type CoworkTurn, type OutgoingActivity } from '../../dialogs/coworkTurn';
import { isHumanOwned, type HandoffRecord, type HandoffRepository } from '../../cowork/stores/handoff';
import type { ConcurrentConversationState } from '../turn/concurrentConversationState';

/** Where the bot's words for a human agent go (the local relay; a contact-centre connector could be another). */
export interface AgentChannel {
  /** Delivers `activity` to the agent who took `record`; resolves false when no agent conversation is known. */
  tell(record: HandoffRecord, activity: OutgoingActivity): Promise<boolean>;
}

/** The way to an agent who holds the chat from the Case in Salesforce (the coworkPanel: salesforcePanel.ts). */
export interface PanelChannel {
  /** Shows `text` from `who` (`Customer`, `Bot`) in the panel of the agent holding `record`, and keeps it in the transcript. */
  tell(record: HandoffRecord, who: string, text: string): Promise<void>;
}

export interface HumanOwnershipDeps {
  handoffs: HandoffRepository;
  agents: AgentChannel | undefined;
  /** The Salesforce panel's way (it needs only the handoff records and the message publisher). */
  panel?: PanelChannel;
  /**
   * The customers' conversation state: where the storage keeps a conversation's handoff record in its state's
   * partition (STORAGE=table), the state's load reads the record along (`owner` with a turn uses it).
   */
  conversationState?: ConcurrentConversationState;
}

export class HumanOwnership {
  constructor(private readonly deps: HumanOwnershipDeps) {
    deps.conversationState?.readAlong((turn) => {
      const conversationId = turn.activity.conversation?.id;
      return conversationId ? deps.handoffs.recordKey(conversationId) : undefined;
    });
  }

  /**
   * The handoff record when a human owns the conversation, else undefined.
   *
   * With `turn` (a turn of that conversation, inside its queue): the record as the turn's state load read it
   * along, where the storage keeps them together, loading the state now if the turn has not yet (one request
   * for both); else, and for any second question in the turn, a read of its own. The caller asks with a turn
   * only where the record read at the load is as good as one read now: where the load is now, or where
   * nothing the turn does between the load and this question is seen by anyone or waits for anything but
   * this process (then a takeover landing in between is the same as one landing just after a read here).
   */
  async owner(conversationId: string, turn?: CoworkTurn): Promise<HandoffRecord | undefined> {
    const { handoffs, conversationState } = this.deps;
    const along =
      turn && conversationState && turn.activity.conversation?.id === conversationId
        ? await conversationState.readAlongside(turn, handoffs.recordKey(conversationId))
        : undefined;
    const record = along ? handoffs.fromItem(conversationId, along.item) : await handoffs.get(conversationId);
    return isHumanOwned(record) ? record : undefined;
  }

  /** Tells the agent who owns `record`; keeps it as a note when no agent is looking yet. */
  async toAgent(record: HandoffRecord, activity: OutgoingActivity): Promise<void> {
    // The agent texts are escaped for markdown (the relay's chats); the panel shows text as is.
    if (record.panel && record.state === 'accepted') return this.toPanel(record, 'Bot', unescapeMarkdown(activity.text ?? '(a card)'));
    const delivered = record.state === 'accepted' && (await this.deps.agents?.tell(record, activity));
    if (!delivered) await this.deps.handoffs.addNote(record.conversationId, activity.text ?? '(a card)');
  }

  /** Words for the agent on the Case: `who` said `text` (kept as a note when the panel's side is not there). */
  async toPanel(record: HandoffRecord, who: string, text: string): Promise<void> {
    if (this.deps.panel) await this.deps.panel.tell(record, who, text);
    else await this.deps.handoffs.addNote(record.conversationId, `${who}: ${text}`);
  }
}

/** Undoes `escapeMarkdown` (customerText.ts): the text as it was before escaping. */
function unescapeMarkdown(text: string): string {
  return text.replace(/\\([\\`*_{}[\]()#+\-.!|<>~=:])/g, '$1');
}
