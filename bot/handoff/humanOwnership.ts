/**
 * Whether a person owns a customer's conversation, and how the bot's words reach that person:
 * the part of the handoff that the session's proactive effects need. It needs only the handoff
 * records and the agents' channel (not the core), so the composition root builds it before the
 * core, whose effects use it; the handoff protocol uses it too.
 */
import { type OutgoingActivity } from '../../dialogs/coworkTurn';
import { isHumanOwned, type HandoffRecord, type HandoffRepository } from '../../cowork/stores/handoff';

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
}

export class HumanOwnership {
  constructor(private readonly deps: HumanOwnershipDeps) {}

  /** The handoff record when a human owns the conversation, else undefined. */
  async owner(conversationId: string): Promise<HandoffRecord | undefined> {
    const record = await this.deps.handoffs.get(conversationId);
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
