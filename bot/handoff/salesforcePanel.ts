/**
 * An agent takes the customer's chat over from the Case in Salesforce: the coworkPanel publishes
 * `Cowork_Message__e` (`takeover`, `to_customer`, `handback`; the Send_Cowork_Message flow), the
 * bot answers on `Cowork_Status__e` (`taken_over`, `takeover_refused`, `handed_back`) and shows the
 * chat on `Cowork_Message__e` `from_customer` (panelOutbound.ts).
 *
 * - A message for a Case reaches only the conversation linked to that Case (its newest link).
 * - One owner at a time: the takeover is the handoff protocol's `accepted`, on the same record as
 *   the agent relay and a contact centre's connector (`cowork/handoff/{conversationId}`, eTag-guarded);
 *   a chat someone else holds is refused with their name.
 * - Every instance sees every event: `takeover` and `handback` are claimed in the Case's document
 *   (one instance acts); the agent's messages go through the record's outbox, filled in stream order
 *   by every instance (an event id is added once) and delivered by one instance at a time (a lease),
 *   oldest first, each id once: exactly once and in order, across instances and redeliveries.
 * - An instance that stopped between filling the outbox and delivering it leaves its messages there:
 *   the timed work (`deliverLeftBehind`) delivers them once its lease has expired, a few chats a run.
 * - Hand back waits for the outbox, gives the chat back to the bot (`completed`: the customer is told
 *   where the form stands) and saves the takeover's transcript as one Case comment (one REST call).
 */
import { type CoworkTurn, type ProactiveTurns } from '../../dialogs/coworkTurn';
import { randomUUID } from 'node:crypto';
import type { CoworkService } from '../../cowork/coworkService';
import type { HandoffRecord, HandoffRepository, OutboxEntry, PanelHold } from '../../cowork/stores/handoff';
import type { CaseLinks, ConversationLink } from '../../cowork/stores/links';
import type { CaseComments, CoworkStatusState } from '../../cowork/ports';
import type { DecodedPanelMessage, PanelEventMessage } from '../../cowork/domain/panelMessage';
import { panelTexts } from '../../dialogs/texts';
import type { Log } from '../../util/log';
import type { KeyedSerialQueue } from '../../util/serialQueue';
import type { Conversations } from '../turn/conversations';
import type { HandoffProtocol, SignedHandoffStatus } from './handoffProtocol';
import type { HandoffTrust } from './handoffTrust';
import { withTranscriptLine, type PanelOutbound } from './panelOutbound';
import { transcriptComment } from './transcriptComment';

/** Event ids of delivered agent messages a record remembers (beyond them, the Case document's claims guard redeliveries). */
const MAX_DELIVERED = 200;
/** Chats one timed run delivers a left-behind outbox to (the rest wait for the next run). */
const MAX_OUTBOXES_PER_RUN = 20;
/** Agent id of a panel agent on the handoff record. */
export const PANEL_AGENT_PREFIX = 'salesforce:';

export interface SalesforcePanelDeps {
  /** Proactive turns, through the host's adapter. */
  proactive: ProactiveTurns;
  queue: KeyedSerialQueue;
  handoffs: HandoffRepository;
  links: CaseLinks;
  handoff: HandoffProtocol;
  conversations: Conversations;
  trust: HandoffTrust;
  service: CoworkService;
  comments: CaseComments;
  outbound: PanelOutbound;
  /** This process (the delivery lease's holder). */
  instanceId: string;
  /** How long one delivery to the customer may take before another instance may deliver instead. */
  leaseMs: number;
  log: Log;
  now?: () => number;
}

/** Where a customer's chat is reached: a Case link, or a handoff record's own reference. */
type ChatAddress = Pick<ConversationLink, 'conversationId' | 'conversationReference'>;

export class SalesforcePanel {
  private readonly now: () => number;

  constructor(private readonly deps: SalesforcePanelDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The handler of the message topic's one subscription. */
  async handle(decoded: DecodedPanelMessage): Promise<void> {
    // from_customer is the bot's own (and a panel publishing it is ignored): nothing to do.
    if (decoded.kind === 'ignored') return;
    if (decoded.kind === 'invalid') {
      this.deps.log.warn({ eventId: decoded.eventId, kind: decoded.messageKind }, `panel message ignored: ${decoded.problem}`);
      return;
    }
    const { message } = decoded;
    const { caseId, kind, sender: agent } = message;
    if (kind === 'to_customer') {
      await this.toCustomer(message);
      return;
    }
    const { claimed, links } = await this.deps.links.claimRequest(caseId, message.eventId);
    const link = links[0];
    if (!link) {
      this.status(caseId, null, 'takeover_refused', panelTexts.noChat);
      return;
    }
    if (!claimed) return; // another instance, or a redelivery
    if (kind === 'takeover') await this.takeover(caseId, link, agent);
    else await this.handBack(caseId, link, agent);
  }

  private async takeover(caseId: string, link: ConversationLink, agent: string): Promise<void> {
    const conversationId = link.conversationId;
    const before = await this.deps.handoffs.get(conversationId);
    if (before?.state === 'accepted' && !this.heldBy(before, caseId, agent)) {
      this.status(caseId, before.sessionKey, 'takeover_refused', panelTexts.heldBy(holderOf(before)));
      return;
    }
    const hold: PanelHold = { caseId, agent, outbox: [], delivered: [], sending: null, transcript: [] };
    let turns: Awaited<ReturnType<Conversations['lastTurns']>> = [];
    await this.inConversation(link, async (context) => {
      turns = await this.deps.conversations.lastTurns(context);
      if (before?.state !== 'accepted') {
        const status: SignedHandoffStatus = {
          state: 'accepted',
          agentId: `${PANEL_AGENT_PREFIX}${agent}`,
          panel: hold,
          ...this.deps.trust.sign(conversationId, 'accepted'),
        };
        await this.deps.handoff.applySignedStatus(context, status, await this.deps.conversations.latestSession(context));
      }
      await this.deps.conversations.save(context);
    });
    const taken = await this.deps.handoffs.get(conversationId);
    if (!taken || !this.heldBy(taken, caseId, agent)) {
      this.status(caseId, taken?.sessionKey ?? null, 'takeover_refused', panelTexts.heldBy(taken ? holderOf(taken) : panelTexts.someone));
      return;
    }
    this.deps.log.info({ caseId, conversationId, agent }, 'chat taken over from the Case');
    this.status(caseId, taken.sessionKey, 'taken_over', panelTexts.takenOver(agent));
    // The conversation so far, then what was said since (a second takeover by the same agent shows it again).
    for (const turn of turns) this.deps.outbound.show(caseId, taken.sessionKey, turn.who, turn.text);
    for (const line of taken.panel?.transcript ?? []) this.deps.outbound.show(caseId, taken.sessionKey, line.who, line.text);
  }

  /** An agent's message: into the record's outbox (once, in stream order), then delivered. */
  private async toCustomer(message: PanelEventMessage): Promise<void> {
    const { caseId, sender: agent, text } = message;
    const link = (await this.deps.links.get(caseId))[0];
    if (!link) return;
    const entry: OutboxEntry = { eventId: message.eventId, text, sender: agent };
    // Listed before it is added, so an instance stopping in between leaves it where the timed work looks.
    if (text.trim() !== '') await this.deps.handoffs.markOutbox(link.conversationId);
    let seen = false;
    const result = await this.deps.handoffs.update(link.conversationId, (current) => {
      seen = false;
      const hold = current?.panel;
      if (!current || !hold || current.state !== 'accepted' || !this.heldBy(current, caseId, agent) || text.trim() === '') return undefined;
      if (hold.delivered.includes(message.eventId) || hold.outbox.some((e) => e.eventId === message.eventId)) {
        seen = true;
        return undefined;
      }
      return { ...current, panel: { ...hold, outbox: [...hold.outbox, entry] } };
    });
    if (seen) this.deps.log.debug({ eventId: message.eventId, caseId }, "agent message already taken (a redelivery, or another instance's): not sent again");
    const record = result.record;
    if (!record || record.state !== 'accepted' || !this.heldBy(record, caseId, agent)) {
      // Refused once, by one instance: the claim is the refusal's.
      if (text.trim() !== '' && (await this.deps.links.claimRequest(caseId, message.eventId)).claimed)
        this.status(
          caseId,
          record?.sessionKey ?? null,
          'takeover_refused',
          record?.state === 'accepted' ? panelTexts.notSent(holderOf(record)) : panelTexts.notHeld,
        );
      return;
    }
    await this.deliver(link);
  }

  /**
   * The timed work's part: outboxes with messages no instance is delivering (one that stopped before
   * delivering, its lease expired) are delivered, oldest listed first, at most a few chats a run.
   */
  async deliverLeftBehind(): Promise<void> {
    for (const conversationId of (await this.deps.handoffs.outboxes()).slice(0, MAX_OUTBOXES_PER_RUN)) {
      const record = await this.deps.handoffs.get(conversationId);
      if (!record?.panel || record.panel.outbox.length === 0) {
        await this.deps.handoffs.unmarkOutbox(conversationId);
        continue;
      }
      await this.deliver({ conversationId, conversationReference: record.conversationReference });
      if ((await this.deps.handoffs.get(conversationId))?.panel?.outbox.length === 0) await this.deps.handoffs.unmarkOutbox(conversationId);
    }
  }

  /**
   * Delivers the outbox, oldest first, while this instance holds the delivery lease. Another
   * instance delivering (lease not expired) is left to it: it looks at the outbox again before
   * letting go, so an entry added meanwhile is not left behind.
   */
  private async deliver(link: ChatAddress): Promise<void> {
    const conversationId = link.conversationId;
    // The lease is this delivery's, not this instance's: an event's delivery and the timed work's can
    // run at once in one instance, and each must see the other's lease (else both send the same entry).
    const me = `${this.deps.instanceId}/${randomUUID()}`;
    for (let round = 0; round < 1000; round++) {
      const now = this.now();
      const taken = await this.deps.handoffs.update(conversationId, (current) => {
        const hold = current?.panel;
        if (!current || !hold) return undefined;
        if (hold.sending && hold.sending.by !== me && Date.parse(hold.sending.until) > now) return undefined;
        if (hold.outbox.length === 0) return hold.sending ? { ...current, panel: { ...hold, sending: null } } : undefined;
        return { ...current, panel: { ...hold, sending: { by: me, until: new Date(now + this.deps.leaseMs).toISOString() } } };
      });
      const hold = taken.record?.panel;
      const entry = hold?.outbox[0];
      if (!taken.changed || !hold || hold.sending?.by !== me || !entry) return;
      let delivered = true;
      try {
        await this.inConversation(link, async (context) => {
          await context.sendActivity({ type: 'message', text: entry.text, textFormat: 'plain' });
        });
      } catch (err) {
        delivered = false;
        this.deps.log.warn({ err, conversationId, caseId: hold.caseId }, "an agent's message from the Case could not reach the customer");
      }
      const at = new Date(this.now()).toISOString();
      await this.deps.handoffs.update(conversationId, (current) => {
        const now = current?.panel;
        if (!current || !now) return undefined;
        const rest = {
          ...now,
          outbox: now.outbox.filter((e) => e.eventId !== entry.eventId),
          delivered: [...now.delivered, entry.eventId].slice(-MAX_DELIVERED),
        };
        return { ...current, panel: delivered ? withTranscriptLine(rest, { at, who: entry.sender, text: entry.text }) : rest };
      });
      if (!delivered) this.deps.outbound.show(hold.caseId, taken.record?.sessionKey ?? null, 'Bot', panelTexts.undelivered);
    }
  }

  private async handBack(caseId: string, link: ConversationLink, agent: string): Promise<void> {
    const conversationId = link.conversationId;
    const record = await this.deps.handoffs.get(conversationId);
    if (!record || record.state !== 'accepted') {
      this.status(caseId, record?.sessionKey ?? null, 'handed_back', panelTexts.alreadyBack);
      return;
    }
    if (!this.heldBy(record, caseId, agent)) {
      this.status(caseId, record.sessionKey, 'takeover_refused', panelTexts.heldBy(holderOf(record)));
      return;
    }
    // What the agent wrote reaches the customer before the bot speaks again.
    const held = await this.drained(link);
    await this.inConversation(link, async (context) => {
      const status: SignedHandoffStatus = { state: 'completed', ...this.deps.trust.sign(conversationId, 'completed') };
      await this.deps.handoff.applySignedStatus(context, status, await this.deps.conversations.latestSession(context));
      await this.deps.conversations.save(context);
    });
    const ended = new Date(this.now()).toISOString();
    this.deps.log.info({ caseId, conversationId, agent, lines: held.panel?.transcript.length ?? 0 }, 'chat handed back from the Case');
    try {
      await this.deps.comments.addComment(caseId, transcriptComment(held, ended));
      this.status(caseId, held.sessionKey, 'handed_back', panelTexts.handedBack);
    } catch (err) {
      this.deps.log.warn({ err, caseId }, 'the takeover transcript could not be saved on the Case');
      this.status(caseId, held.sessionKey, 'handed_back', panelTexts.handedBackUnsaved(err instanceof Error ? err.message.slice(0, 120) : 'error'));
    }
  }

  /** Delivers what is left of the outbox (or waits, bounded, for the instance delivering it); the record then. */
  private async drained(link: ConversationLink): Promise<HandoffRecord> {
    const deadline = this.now() + this.deps.leaseMs * 2;
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      await this.deliver(link);
      const record = await this.deps.handoffs.get(link.conversationId);
      if (!record || !record.panel || record.panel.outbox.length === 0 || this.now() >= deadline) return record as HandoffRecord;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private heldBy(record: HandoffRecord, caseId: string, agent: string): boolean {
    return record.state === 'accepted' && record.panel?.caseId === caseId && record.panel.agent === agent;
  }

  private status(caseId: string, sessionKey: string | null, state: CoworkStatusState, detail: string): void {
    this.deps.service.reportStatus({ caseId, sessionKey, state, answer: null, detail });
  }

  /** A proactive turn of the customer's conversation, queued with its other turns. */
  private inConversation(link: ChatAddress, logic: (context: CoworkTurn) => Promise<void>): Promise<void> {
    return this.deps.queue.run(link.conversationId, () => this.deps.proactive.run(link.conversationReference, logic));
  }
}

/** Who holds a chat, for the agent refused: the panel agent's username, the relay agent's id, or "another agent". */
function holderOf(record: HandoffRecord): string {
  if (record.panel) return record.panel.agent;
  return record.agentId ? `${record.agentId} (agent relay)` : panelTexts.someone;
}
