/**
 * The customer's side of the Bot Framework handoff protocol.
 *
 * - `initiate` sends `handoff.initiate` (`EventFactory.createHandoffInitiation`) with what an
 *   agent needs (Case, co-work state, form, answer so far) and marks the conversation as owned
 *   by a human in storage (`HandoffRepository`, conversation-level: a handoff can come before
 *   any form).
 * - `applyStatus` takes the channel's `handoff.status` (`accepted`, `failed`, `completed`) —
 *   from a real connector as an event activity, or from the local agent relay in a proactive
 *   turn: both go through here. It never throws on a status it cannot use: the protocol says a
 *   bot must not reject it.
 * - While a human owns the conversation the bot says nothing to the customer; what it would
 *   have said goes to the agent (`toAgent`), or into the record's notes when no agent is
 *   looking yet.
 */
import { type CoworkTurn, type OutgoingActivity, type TurnActivity, conversationReferenceOf } from '../../dialogs/coworkTurn';
import type { CoworkService } from '../../cowork/coworkService';
import { answerLabels, thankYouText } from '../../cowork/domain/formSpec';
import { escapeMarkdown as escapeCardMarkdown } from '../../cards';
import {
  isHumanOwned,
  newHandoffRecord,
  type HandoffRecord,
  type HandoffRepository,
  type HandoffStatusState,
  type PanelHold,
} from '../../cowork/stores/handoff';
import type { Log } from '../../util/log';
import type { CoworkSession } from '../../cowork/domain/session';
import type { HandoffSignature, HandoffTrust } from './handoffTrust';
import type { HumanOwnership } from './humanOwnership';
import type { CoworkHandoffContext, HandoffTarget, HandoffTargetChooser } from './handoffTargets';
import { agentTexts, handoffTexts, textsFor } from '../../dialogs/texts';
import { describeAttachment, escapeMarkdown, oneLine } from './customerText';

/** What became of a customer's request for a person. */
export type HandoffRequestOutcome =
  /** A target was told and the request recorded: the customer was told a person is asked for. */
  | 'requested'
  /** Nothing can take a chat on this channel: nothing was sent or recorded. */
  | 'no_target'
  /** The target refused (its channel answered the event with an error): nothing was recorded. */
  | 'refused'
  /** A person already owns the conversation (another turn or instance asked first). */
  | 'already';

export interface HandoffStatus {
  state: HandoffStatusState;
  message?: string;
  agentId?: string;
  agentConversationId?: string;
  /** An agent on the Case in Salesforce took it (coworkPanel): the record's `panel`. */
  panel?: PanelHold;
}

/** A status with its signature (`HandoffTrust.sign`), as the agent relay applies it. */
export type SignedHandoffStatus = HandoffStatus & HandoffSignature;

export interface HandoffProtocolDeps {
  handoffs: HandoffRepository;
  service: CoworkService;
  /** Who owns a conversation, and the way to its agent (shared with the proactive effects). */
  ownership: HumanOwnership;
  /** Who may say `handoff.status` (handoffTrust.ts). */
  trust: HandoffTrust;
  /** Where a channel's requests go (handoffTargets.ts): the one place a target is chosen. */
  targets: HandoffTargetChooser;
  log: Log;
  now?: () => number;
  /** How long a request may wait for `handoff.status` accepted before the bot takes the conversation back. Default 120 s. */
  timeoutMs?: number;
}

export const HANDOFF_REQUESTED_TEXT = handoffTexts.requested;
export const HANDOFF_FAILED_TEXT = handoffTexts.failed;
export const BACK_WITH_BOT_TEXT = handoffTexts.backWithBot;
export const HANDOFF_TIMEOUT_TEXT = handoffTexts.timedOut;
export const DEFAULT_HANDOFF_TIMEOUT_MS = 120_000;

export class HandoffProtocol {
  private readonly now: () => number;

  constructor(private readonly deps: HandoffProtocolDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The handoff record when a human owns the conversation, else undefined (with `turn`: see `HumanOwnership.owner`). */
  owner(conversationId: string, turn?: CoworkTurn): Promise<HandoffRecord | undefined> {
    return this.deps.ownership.owner(conversationId, turn);
  }

  /** Whether a form card in `channelId` offers a person (something can take the card's chat). */
  offeredOnCard(channelId: string | undefined): boolean {
    return this.deps.targets.offeredOnCard(channelId ?? '');
  }

  /** The target the customer of `context` would be handed to, if anything can take the chat. */
  targetFor(context: CoworkTurn, session: CoworkSession | undefined): Promise<HandoffTarget | undefined> {
    const conversationId = context.activity.conversation.id;
    return this.deps.targets.choose({ channelId: context.activity.channelId ?? '', conversationId, caseId: session?.caseId ?? null });
  }

  /**
   * Asks for a person; `session` is the conversation's latest co-work session, if any. The target
   * is told first and the request recorded only once it took it, so a refusal leaves the customer
   * with the bot (the caller says so). On success the customer is told a person is asked for.
   */
  async initiate(context: CoworkTurn, session: CoworkSession | undefined, trigger: HandoffRecord['trigger']): Promise<HandoffRequestOutcome> {
    const conversationId = context.activity.conversation.id;
    const target = await this.targetFor(context, session);
    if (!target) return 'no_target';
    if (await this.owner(conversationId)) return 'already';
    const handoffContext = this.handoffContext(context, session, trigger);
    if (!(await target.ask(context, handoffContext))) return 'refused';
    const now = new Date(this.now()).toISOString();
    const { created } = await this.deps.handoffs.request(
      newHandoffRecord({
        conversationId,
        conversationReference: conversationReferenceOf(context.activity),
        userId: context.activity.from?.id ?? '',
        state: 'requested',
        trigger,
        session,
        at: now,
      }),
    );
    if (!created) return 'already';
    // A target told through the Case's status (the panel) was the person_requested already.
    if (session) await this.deps.service.setOwner(session.key, { kind: 'human', since: now }, { reportRequest: target.reportsStatus !== true });
    await context.sendActivity(HANDOFF_REQUESTED_TEXT);
    this.deps.log.info(
      { conversationId, trigger, target: target.name, caseId: handoffContext.caseId, coworkState: handoffContext.coworkState },
      'handoff requested',
    );
    return 'requested';
  }

  /**
   * The channel's `handoff.status` event: applied only when it comes from the contact-centre side
   * (a trusted channel id, or signed); otherwise logged and ignored, never rejected.
   */
  async applyStatusEvent(context: CoworkTurn, status: HandoffStatus, value: unknown, session: CoworkSession | undefined): Promise<void> {
    const conversationId = context.activity.conversation.id;
    const trust = this.deps.trust.check(context.activity.channelId, conversationId, status.state, value);
    if (!trust.ok) {
      this.deps.log.warn(
        { conversationId, channelId: context.activity.channelId, state: status.state, reason: trust.reason },
        'handoff.status ignored: not from the contact centre',
      );
      return;
    }
    await this.applyStatus(context, status, session);
  }

  /** A status the agent relay signed (`HandoffTrust.sign`): the same check as a channel's signed event. */
  async applySignedStatus(context: CoworkTurn, status: SignedHandoffStatus, session: CoworkSession | undefined): Promise<void> {
    const conversationId = context.activity.conversation.id;
    const trust = this.deps.trust.checkSignature(conversationId, status.state, status);
    if (!trust.ok) {
      this.deps.log.warn({ conversationId, state: status.state, reason: trust.reason }, 'handoff.status ignored: relay signature refused');
      return;
    }
    const { timestamp: _timestamp, signature: _signature, ...plain } = status;
    await this.applyStatus(context, plain, session);
  }

  /** Applies a `handoff.status` already trusted; `session` is the conversation's latest co-work session, if any. */
  private async applyStatus(context: CoworkTurn, status: HandoffStatus, session: CoworkSession | undefined): Promise<void> {
    const conversationId = context.activity.conversation.id;
    const now = new Date(this.now()).toISOString();
    switch (status.state) {
      case 'accepted': {
        const result = await this.deps.handoffs.update(conversationId, (current) => {
          // A second accept by the same agent changes nothing; another agent cannot take an accepted chat.
          if (current?.state === 'accepted') return undefined;
          return {
            ...(current ?? this.unrequestedRecord(context, session, now)),
            state: 'accepted',
            agentId: status.agentId ?? null,
            agentConversationId: status.agentConversationId ?? null,
            acceptedAt: now,
            endedAt: null,
            ...(status.panel ? { panel: status.panel } : {}),
          };
        });
        // A person taking the chat is no new request for one: the Case hears taken_over (the panel) instead.
        if (result.changed && session)
          await this.deps.service.setOwner(
            session.key,
            { kind: 'human', since: now, ...(status.agentId ? { agentId: status.agentId } : {}) },
            { reportRequest: false },
          );
        this.deps.log.info({ conversationId, changed: result.changed }, 'handoff accepted');
        // The customer knows who answers from now on (told once: a second accept changes nothing).
        if (result.changed) await context.sendActivity(textsFor(context.activity.locale).personJoined);
        return;
      }
      case 'completed':
      case 'failed': {
        const result = await this.deps.handoffs.update(conversationId, (current) =>
          isHumanOwned(current) ? { ...current, state: status.state, endedAt: now, agentConversationId: current.agentConversationId } : undefined,
        );
        if (!result.changed) {
          this.deps.log.info({ conversationId, state: status.state }, 'handoff.status ignored: no human owns this conversation');
          return;
        }
        this.deps.log.info({ conversationId, state: status.state }, 'handoff ended');
        if (session) await this.deps.service.setOwner(session.key, { kind: 'bot' });
        if (status.state === 'failed') await context.sendActivity(HANDOFF_FAILED_TEXT);
        await this.resume(context, session, status.state === 'completed', result.record?.acceptedAt ?? null);
        return;
      }
    }
  }

  /**
   * A customer's message for the agent, as data: the text escaped (no markdown, links or fake
   * "system" lines reach the agent as formatting) on one line after a prefix that says whose it
   * is, and attachments or cards only described, never forwarded.
   */
  async relayCustomerMessage(record: HandoffRecord, activity: Pick<TurnActivity, 'text' | 'attachments'>): Promise<void> {
    // The panel on the Case shows the customer's words as text (never markup): they go as typed.
    if (record.panel) return this.deps.ownership.toPanel(record, 'Customer', customerText(activity));
    const who = agentTexts.customer(record.caseNumber);
    const text = escapeMarkdown(oneLine(activity.text ?? '').slice(0, MAX_RELAYED_TEXT));
    const attachments = (activity.attachments ?? []).map(describeAttachment);
    const parts = [text ? agentTexts.customerWrote(who, text) : agentTexts.customerSentNoText(who)];
    if (attachments.length > 0) parts.push(agentTexts.customerAttached(who, attachments));
    await this.toAgent(record, { type: 'message', text: parts.join('\n\n'), textFormat: 'markdown' });
  }

  /** True when `record` is a request that no person accepted within the timeout. */
  overdue(record: HandoffRecord): boolean {
    return record.state === 'requested' && this.now() >= Date.parse(record.requestedAt) + (this.deps.timeoutMs ?? DEFAULT_HANDOFF_TIMEOUT_MS);
  }

  /** Requests no person accepted within the timeout, in every conversation. */
  async overdueRequests(): Promise<HandoffRecord[]> {
    return (await this.deps.handoffs.waiting()).filter((record) => this.overdue(record));
  }

  /**
   * No person accepted in time: the request fails, the customer is told, and the bot carries on
   * where the session stands. Resolves false when the request was no longer overdue (accepted, or
   * already given up by another turn or instance).
   */
  async giveUpOverdue(context: CoworkTurn, session: CoworkSession | undefined): Promise<boolean> {
    const conversationId = context.activity.conversation.id;
    const now = new Date(this.now()).toISOString();
    const result = await this.deps.handoffs.update(conversationId, (current) =>
      current && this.overdue(current) ? { ...current, state: 'failed', endedAt: now } : undefined,
    );
    if (!result.changed) return false;
    this.deps.log.info({ conversationId }, 'handoff given up: no one accepted it in time');
    if (session) await this.deps.service.setOwner(session.key, { kind: 'bot' });
    await context.sendActivity(HANDOFF_TIMEOUT_TEXT);
    await this.resume(context, session, false);
    return true;
  }

  /** Tells the agent who owns `record`; keeps it as a note when no agent is looking yet. */
  toAgent(record: HandoffRecord, activity: OutgoingActivity): Promise<void> {
    return this.deps.ownership.toAgent(record, activity);
  }

  /** After a handoff: carry on where the session stands, never asking again for an answer the bot has. */
  private async resume(context: CoworkTurn, session: CoworkSession | undefined, greet: boolean, acceptedAt: string | null = null): Promise<void> {
    const lines: string[] = greet ? [textsFor(context.activity.locale).backWithBot] : [];
    const current = session ? await this.deps.service.get(session.key) : undefined;
    const form = current ? this.deps.service.form(current.formId) : undefined;
    if (current && form) {
      const answers = current.answers ?? current.submitted;
      const labels = answers ? Object.values(answerLabels(form, current.choices, answers)).join(', ') : '';
      switch (current.state) {
        case 'form_sent':
          lines.push(handoffTexts.formWaiting(current.caseNumber));
          break;
        case 'submitted':
          lines.push(handoffTexts.answerWaiting(current.caseNumber, labels));
          break;
        case 'answered':
        case 'done':
          // Answered while a person had the chat, the agent was told instead: the customer is thanked now, once.
          if (acceptedAt && current.thankedAt && current.thankedAt >= acceptedAt && answers) {
            const escaped = Object.entries(answerLabels(form, current.choices, answers)).map(([id, label]) => [id, escapeCardMarkdown(label)]);
            lines.push(thankYouText(form, Object.fromEntries(escaped), context.activity.locale));
          } else lines.push(handoffTexts.answerRecorded(current.caseNumber, labels));
          break;
        case 'expired':
          lines.push(handoffTexts.formExpired(current.caseNumber));
          break;
        case 'failed':
          lines.push(handoffTexts.caseNotUpdated(current.caseNumber));
          break;
      }
    }
    if (lines.length > 0) await context.sendActivity(lines.join('\n\n'));
  }

  private handoffContext(context: CoworkTurn, session: CoworkSession | undefined, trigger: HandoffRecord['trigger']): CoworkHandoffContext {
    const form = session ? this.deps.service.form(session.formId) : undefined;
    const answers = session?.answers ?? session?.submitted ?? null;
    return {
      reason: 'customer asked for a person',
      trigger,
      userId: context.activity.from?.id ?? '',
      caseId: session?.caseId ?? null,
      caseNumber: session?.caseNumber ?? null,
      sessionKey: session?.key ?? null,
      coworkState: session?.state ?? 'none',
      formId: session?.formId ?? null,
      answers: session && form && answers ? answerLabels(form, session.choices, answers) : null,
    };
  }

  /** A record for an `accepted` that no request of ours preceded (an agent-side takeover). */
  private unrequestedRecord(context: CoworkTurn, session: CoworkSession | undefined, now: string): HandoffRecord {
    return newHandoffRecord({
      conversationId: context.activity.conversation.id,
      conversationReference: conversationReferenceOf(context.activity),
      userId: session?.userId ?? '',
      state: 'accepted',
      trigger: 'agent',
      session,
      at: now,
    });
  }
}

const MAX_RELAYED_TEXT = 2000;

/** What the customer sent, as plain text for the panel: the text, and attachments only described. */
function customerText(activity: Pick<TurnActivity, 'text' | 'attachments'>): string {
  const attachments = (activity.attachments ?? []).map((a) => `(an attachment: ${String(a.contentType ?? 'unknown').slice(0, MAX_FACT_LENGTH)})`);
  return [activity.text ?? '', ...attachments].filter((part) => part !== '').join('\n');
}
const MAX_FACT_LENGTH = 60;
