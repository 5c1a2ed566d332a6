/**
 * Whether a person owns a customer's conversation, and how the bot's words reach that person:
 * the part of the handoff that the session's proactive effects need. It needs only the handoff
 * records and the agents' channel (not the core), so the composition root builds it before the
 * core, whose effects use it; the handoff protocol uses it too.
 */
import type { Activity, TurnContext } from 'botbuilder';
import { isHumanOwned, type HandoffRecord, type HandoffRepository } from '../../cowork/handoff';
import type { Conversations } from '../conversations';

/** Where the bot's words for a human agent go (the local relay; a contact-centre connector could be another). */
export interface AgentChannel {
  /** Delivers `activity` to the agent who took `record`; resolves false when no agent conversation is known. */
  tell(record: HandoffRecord, activity: Partial<Activity>): Promise<boolean>;
}

export interface HumanOwnershipDeps {
  handoffs: HandoffRepository;
  agents: AgentChannel | undefined;
  /** The conversation's state says whether a handoff record may exist (no read of the record when not). */
  conversations: Conversations;
}

export class HumanOwnership {
  constructor(private readonly deps: HumanOwnershipDeps) {}

  /** The handoff record when a human owns the conversation, else undefined. */
  async owner(conversationId: string): Promise<HandoffRecord | undefined> {
    const record = await this.deps.handoffs.get(conversationId);
    return isHumanOwned(record) ? record : undefined;
  }

  /**
   * In a turn of the customer's conversation: the handoff record when a human owns it. The record is
   * read only when the conversation's state says one may exist (`Conversations.mayHaveHandoff`).
   */
  async ownerIn(context: TurnContext): Promise<HandoffRecord | undefined> {
    const may = await this.deps.conversations.mayHaveHandoff(context);
    if (may === false) return undefined;
    const record = await this.deps.handoffs.get(context.activity.conversation.id);
    if (may === undefined) await this.deps.conversations.setHandoffKnown(context, record !== undefined);
    return isHumanOwned(record) ? record : undefined;
  }

  /** In a turn of the customer's conversation, before its handoff record is written: its state says a record may exist. */
  beforeRecord(context: TurnContext): Promise<void> {
    return this.deps.conversations.markHandoff(context);
  }

  /** Tells the agent who owns `record`; keeps it as a note when no agent is looking yet. */
  async toAgent(record: HandoffRecord, activity: Partial<Activity>): Promise<void> {
    const delivered = record.state === 'accepted' && (await this.deps.agents?.tell(record, activity));
    if (!delivered) await this.deps.handoffs.addNote(record.conversationId, activity.text ?? '(a card)');
  }
}
