/**
 * Human handoff, as conversation-level state: a customer's conversation is owned by the bot or,
 * after a handoff request, by a human. The record lives in storage (not in a session: a handoff
 * can happen before any form was sent), keyed by the conversation id:
 *
 *   cowork/handoff/{conversationId}   the conversation's latest handoff (HandoffRecord)
 *   cowork/handoffs/waiting           { keys: [conversationId...] }: requests no agent took yet (keyList.ts)
 *   cowork/handoffs/outbox            { keys: [conversationId...] }: chats whose panel outbox may hold agent
 *                                     messages (the timed work delivers what a stopped instance left there)
 *
 *   (none) ──ask──▶ requested ──accepted──▶ accepted ──completed──▶ completed (the bot owns it again)
 *                       └──────────failed──────┴──────failed──────▶ failed    (the bot owns it again)
 *
 * While a record is `requested` or `accepted` a human owns the conversation. Every change is a
 * read-modify-write guarded by the item's eTag.
 */
import type { KeyValueStorage, StoreItem } from '../ports';
import { updateWithETag } from '../../util/eTagUpdate';
import { addKey, readKeyList, removeKey } from '../../util/keyList';
import { DocumentFields, RefusedDocuments } from '../../util/storedDocument';
import { silentLog } from '../../util/log';
import { handoffRecordKey } from '../../util/conversationKeys';

export const HANDOFF_STATES = ['requested', 'accepted', 'completed', 'failed'] as const;
export type HandoffState = (typeof HANDOFF_STATES)[number];
const TRIGGERS = ['typed', 'card', 'agent'] as const;

/** The `handoff.status` states of the Bot Framework handoff protocol. */
export const HANDOFF_STATUS_STATES = ['accepted', 'failed', 'completed'] as const;
export type HandoffStatusState = (typeof HANDOFF_STATUS_STATES)[number];

/** How many notes (customer messages, session news) a record keeps for an agent who has not taken it yet. */
export const MAX_HANDOFF_NOTES = 20;

export interface HandoffRecord {
  conversationId: string;
  /** The botbuilder conversation reference of the customer's conversation, as JSON. */
  conversationReference: Readonly<Record<string, unknown>>;
  userId: string;
  state: HandoffState;
  trigger: (typeof TRIGGERS)[number];
  /** The co-work session the conversation was in when it asked (the latest one), if any. */
  sessionKey: string | null;
  caseId: string | null;
  caseNumber: string | null;
  agentId: string | null;
  /** The relay's agent conversation, when the local agent relay took it. */
  agentConversationId: string | null;
  /** What happened while no agent was looking (bounded, oldest first). */
  notes: string[];
  requestedAt: string;
  acceptedAt: string | null;
  endedAt: string | null;
  /** Set while an agent holds the chat from the Case in Salesforce (coworkPanel): see PanelHold. */
  panel?: PanelHold;
}

/** One line of the transcript of a chat taken over from the Case. */
export interface TranscriptLine {
  at: string;
  /** `Customer`, `Bot`, or the agent's username. */
  who: string;
  text: string;
}

/** A message of the agent's, waiting to reach the customer (in the order the panel published them). */
export interface OutboxEntry {
  eventId: string;
  text: string;
  sender: string;
}

/**
 * The agent on the Case who holds the chat (`agentId` is `salesforce:{username}`), and what one
 * instance at a time delivers to the customer: the agent's messages in order (`outbox`), the event
 * ids already delivered (`delivered`, bounded), and who is delivering (`sending`, a lease).
 */
export interface PanelHold {
  caseId: string;
  agent: string;
  outbox: OutboxEntry[];
  delivered: string[];
  sending: { by: string; until: string } | null;
  /** What was said since the takeover, oldest first (bounded): saved on the Case at hand back. */
  transcript: TranscriptLine[];
}

/** A new record: a person was asked for (`requested`), or took the chat unasked (`accepted`), at `at`. */
export function newHandoffRecord(start: {
  conversationId: string;
  conversationReference: Readonly<Record<string, unknown>>;
  userId: string;
  state: 'requested' | 'accepted';
  trigger: HandoffRecord['trigger'];
  session: { key: string; caseId: string; caseNumber: string } | undefined;
  at: string;
}): HandoffRecord {
  const { session, at, ...rest } = start;
  return {
    ...rest,
    sessionKey: session?.key ?? null,
    caseId: session?.caseId ?? null,
    caseNumber: session?.caseNumber ?? null,
    agentId: null,
    agentConversationId: null,
    notes: [],
    requestedAt: at,
    acceptedAt: start.state === 'accepted' ? at : null,
    endedAt: null,
  };
}

export function isHumanOwned(record: HandoffRecord | undefined): record is HandoffRecord {
  return record !== undefined && (record.state === 'requested' || record.state === 'accepted');
}

export function isHandoffStatusState(value: unknown): value is HandoffStatusState {
  return typeof value === 'string' && (HANDOFF_STATUS_STATES as readonly string[]).includes(value);
}

const MAX_CONFLICT_RETRIES = 20;

export class HandoffRepository {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix = 'cowork',
    /** Where the waiting list tells of a record it refused and left out (the composition root gives the bot's log). */
    private readonly refused = new RefusedDocuments(silentLog),
  ) {}

  /** Where the conversation's record is stored (conversation state may read it along: `HumanOwnership.owner`). */
  recordKey(conversationId: string): string {
    return handoffRecordKey(conversationId, this.prefix);
  }

  private get waitingKey(): string {
    return `${this.prefix}/handoffs/waiting`;
  }

  private get outboxKey(): string {
    return `${this.prefix}/handoffs/outbox`;
  }

  /** Lists a conversation whose panel outbox was just given an agent message (before anyone delivers it). */
  markOutbox(conversationId: string): Promise<void> {
    return addKey(this.storage, this.outboxKey, conversationId);
  }

  /** Conversations whose panel outbox may hold agent messages, oldest listed first. */
  outboxes(): Promise<string[]> {
    return readKeyList(this.storage, this.outboxKey);
  }

  /** Unlists a conversation whose outbox is empty; lists it again if a message came in meanwhile. */
  async unmarkOutbox(conversationId: string): Promise<void> {
    await removeKey(this.storage, this.outboxKey, conversationId);
    if ((await this.get(conversationId))?.panel?.outbox.length) await addKey(this.storage, this.outboxKey, conversationId);
  }

  async get(conversationId: string): Promise<HandoffRecord | undefined> {
    const key = this.recordKey(conversationId);
    return toRecord(key, (await this.storage.read([key]))[key]);
  }

  /** The record as an item read from `recordKey(conversationId)` holds it (read along with other keys), its shape checked as `get`'s. */
  fromItem(conversationId: string, item: StoreItem | undefined): HandoffRecord | undefined {
    return toRecord(this.recordKey(conversationId), item);
  }

  /** Conversations whose handoff request no agent took yet, oldest first. */
  async waiting(): Promise<HandoffRecord[]> {
    const ids = await readKeyList(this.storage, this.waitingKey);
    if (ids.length === 0) return [];
    const keys = ids.map((id) => this.recordKey(id));
    const items = await this.storage.read(keys);
    // One refused record costs only itself: the other conversations stay listed (and given up when overdue).
    return this.refused.each(keys, (k) => toRecord(k, items[k])).filter((r) => r.state === 'requested');
  }

  /**
   * Stores a new request unless a human already owns the conversation. Resolves with the stored
   * record and whether this call created it.
   */
  async request(record: HandoffRecord): Promise<{ record: HandoffRecord; created: boolean }> {
    const result = await this.update(record.conversationId, (current) => (isHumanOwned(current) ? undefined : record));
    if (result.changed) await addKey(this.storage, this.waitingKey, record.conversationId);
    return { record: result.record ?? record, created: result.changed };
  }

  /**
   * Read-modify-write with the item's eTag; `change` returns the new record or `undefined` to
   * leave it. Of racing callers on one transition exactly one sees `changed: true`. A record
   * that leaves `requested` leaves the waiting list.
   */
  async update(
    conversationId: string,
    change: (current: HandoffRecord | undefined) => HandoffRecord | undefined,
  ): Promise<{ record: HandoffRecord | undefined; changed: boolean }> {
    const key = this.recordKey(conversationId);
    return updateWithETag<{ record: HandoffRecord | undefined; changed: boolean }>(
      this.storage,
      key,
      { maxAttempts: MAX_CONFLICT_RETRIES, what: `handoff ${conversationId}` },
      (item) => {
        const current = toRecord(key, item);
        const next = change(current);
        if (!next) return { result: { record: current, changed: false } };
        return {
          write: { ...next, notes: next.notes.slice(-MAX_HANDOFF_NOTES) },
          written: async () => {
            if (current?.state === 'requested' && next.state !== 'requested') {
              await removeKey(this.storage, this.waitingKey, conversationId);
            }
            return { record: next, changed: true };
          },
        };
      },
    );
  }

  /** Adds a note for the agent (customer message, session news) to a record a human owns. */
  async addNote(conversationId: string, note: string): Promise<void> {
    await this.update(conversationId, (current) => (isHumanOwned(current) ? { ...current, notes: [...current.notes, note] } : undefined));
  }
}

/** The record stored at `storageKey`, its shape checked: a malformed one is a StoredDocumentError naming the key and the field. */
function toRecord(storageKey: string, item: StoreItem | undefined): HandoffRecord | undefined {
  if (!item) return undefined;
  const { eTag: _eTag, ...rest } = item;
  const f = new DocumentFields(storageKey, rest);
  const panel = f.optionalObject('panel', panelHold);
  const { panel: _stored, ...others } = rest;
  return {
    // Fields a newer version may add are kept (an older instance's read-modify-write does not drop them).
    ...others,
    conversationId: f.string('conversationId'),
    conversationReference: f.json('conversationReference'),
    userId: f.string('userId'),
    state: f.oneOf('state', HANDOFF_STATES),
    trigger: f.oneOf('trigger', TRIGGERS),
    sessionKey: f.nullableString('sessionKey'),
    caseId: f.nullableString('caseId'),
    caseNumber: f.nullableString('caseNumber'),
    agentId: f.nullableString('agentId'),
    agentConversationId: f.nullableString('agentConversationId'),
    notes: f.stringList('notes'),
    requestedAt: f.string('requestedAt'),
    acceptedAt: f.nullableString('acceptedAt'),
    endedAt: f.nullableString('endedAt'),
    ...(panel === undefined ? {} : { panel }),
  };
}

function panelHold(p: DocumentFields): PanelHold {
  return {
    caseId: p.string('caseId'),
    agent: p.string('agent'),
    outbox: p.list('outbox', (entry, at) => {
      const e = p.inner(at, entry);
      return { eventId: e.string('eventId'), text: e.string('text'), sender: e.string('sender') };
    }),
    delivered: p.stringList('delivered'),
    sending: p.nullableObject('sending', (lease) => ({ by: lease.string('by'), until: lease.string('until') })),
    transcript: p.list('transcript', (line, at) => {
      const l = p.inner(at, line);
      return { at: l.string('at'), who: l.string('who'), text: l.string('text') };
    }),
  };
}
