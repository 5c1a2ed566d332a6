/**
 * The agent conversations that logged in to the agent relay (`cowork/agent/{conversationId}`),
 * and the way the bot's words reach the agent who took a customer (`AgentChannel.tell`).
 *
 * Split from the relay so the handoff protocol (which tells agents) and the relay (which applies
 * the protocol's statuses) both depend on it instead of on each other.
 */
import { type ProactiveTurns, type OutgoingActivity } from '../../dialogs/coworkTurn';
import type { HandoffRecord } from '../../cowork/stores/handoff';
import type { KeyValueStorage, StoreItem } from '../../cowork/ports';
import { DocumentFields } from '../../util/storedDocument';
import type { AgentChannel } from './humanOwnership';

/** An agent conversation that logged in, as stored (`cowork/agent/{conversationId}`). */
export interface AgentRecord {
  conversationId: string;
  agentId: string;
  conversationReference: Readonly<Record<string, unknown>>;
  loggedInAt: string;
  /** The customer's conversation this agent took, until it hands it back. */
  customerConversationId: string | null;
}

export interface AgentDirectoryDeps {
  /** Proactive turns, through the host's adapter. */
  proactive: ProactiveTurns;
  storage: KeyValueStorage;
}

export class AgentDirectory implements AgentChannel {
  constructor(private readonly deps: AgentDirectoryDeps) {}

  /** Delivers `activity` to the agent who took `record` (see `AgentChannel`). */
  async tell(record: HandoffRecord, activity: OutgoingActivity): Promise<boolean> {
    if (!record.agentConversationId) return false;
    const agent = await this.get(record.agentConversationId);
    if (!agent || agent.customerConversationId !== record.conversationId) return false;
    // Without the agent's conversation queue: sending changes no state, and the customer's side never waits for an agent's.
    await this.deps.proactive.run(agent.conversationReference, async (context) => {
      await context.sendActivities([activity]);
    });
    return true;
  }

  async get(conversationId: string): Promise<AgentRecord | undefined> {
    const key = agentKey(conversationId);
    return toAgentRecord(key, (await this.deps.storage.read([key]))[key]);
  }

  async save(record: AgentRecord): Promise<void> {
    await this.deps.storage.write({ [agentKey(record.conversationId)]: { ...record, eTag: '*' } satisfies StoreItem });
  }

  async remove(conversationId: string): Promise<void> {
    await this.deps.storage.delete([agentKey(conversationId)]);
  }
}

/** The agent stored at `storageKey`, its shape checked: a malformed one is a StoredDocumentError naming the key and the field. */
function toAgentRecord(storageKey: string, item: StoreItem | undefined): AgentRecord | undefined {
  if (!item) return undefined;
  const { eTag: _eTag, ...rest } = item;
  const f = new DocumentFields(storageKey, rest);
  return {
    conversationId: f.string('conversationId'),
    agentId: f.string('agentId'),
    conversationReference: f.json('conversationReference'),
    loggedInAt: f.string('loggedInAt'),
    customerConversationId: f.nullableString('customerConversationId'),
  };
}

function agentKey(conversationId: string): string {
  return `cowork/agent/${conversationId}`;
}
