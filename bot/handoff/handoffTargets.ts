/**
 * Where a customer's request for a person goes, chosen in one place (`chooseHandoffTarget`):
 *
 * - a **contact-centre connector**, when the customer's channel is listed in `COWORK_HANDOFF_CHANNELS`:
 *   `handoff.initiate` goes into the customer's conversation, where the connector reads it. Nowhere
 *   else: Teams and Agents Playground refuse bot-sent event activities (HTTP 400), and elsewhere
 *   nothing reads them. A refusal (any failed send) means nobody can come;
 * - the **agent relay** (`COWORK_AGENT_KEY`): told directly — the request joins the waiting list its
 *   agents read (`/agent list`); the customer's channel gets only the message;
 * - the **Salesforce panel** (the coworkPanel on the Case), when the chat is the newest one linked
 *   to its Case (cowork/links.ts: where the panel's takeover goes) and the Salesforce side is on
 *   (`COWORK_STATUS_EVENTS` not off): told directly — a `person_requested` status saying the chat
 *   can be taken over from the Case; the customer's channel gets only the message;
 * - **none**: nobody can take the chat here, and no person is offered.
 *
 * Order, when several could: the connector first (an organisation that lists a channel runs its
 * contact centre there), then the panel of a chat linked to its Case (the agent working that Case
 * has its context and already watches it), then the relay. Whatever the target, the request is
 * recorded and listed as waiting, so a relay agent may still take a chat the panel was told of:
 * one owner all the same (the record is eTag-guarded), whoever comes first.
 *
 * A person is offered (the card's "Talk to a person") where a target exists for the card's chat:
 * a card is always of a Case, so the panel counts when it is on. A typed request with no Case
 * has only the connector and the relay.
 *
 * A target is told before the request is recorded, so one that refuses leaves nothing recorded
 * and the customer is never left talking to nobody.
 */
import { randomUUID } from 'node:crypto';
import type { CoworkTurn, OutgoingAccount, OutgoingActivity, OutgoingConversation, TurnActivity } from '../../dialogs/coworkTurn';
import type { HandoffRecord } from '../../cowork/stores/handoff';
import type { CaseLinks } from '../../cowork/stores/links';
import type { CoworkStatus } from '../../cowork/ports';
import { panelTexts } from '../../dialogs/texts';
import type { CoworkSession } from '../../cowork/domain/session';
import type { Log } from '../../util/log';

/** The context sent with a request: what an agent needs to pick up the co-work session. */
export interface CoworkHandoffContext {
  reason: 'customer asked for a person';
  trigger: HandoffRecord['trigger'];
  userId: string;
  caseId: string | null;
  caseNumber: string | null;
  /** The co-work session's key, when there is one (the panel's statuses carry it). */
  sessionKey: string | null;
  coworkState: CoworkSession['state'] | 'none';
  formId: string | null;
  /** The answer so far, as labels (what the event said, else what the customer submitted). */
  answers: Record<string, string> | null;
}

export interface HandoffTarget {
  /** For logs and docs: `connector`, `agent relay`, … */
  readonly name: string;
  /** True when telling this target is itself the Case's `person_requested` status (the core then reports none). */
  readonly reportsStatus?: boolean;
  /**
   * Tells the target that the customer of `context` wants a person. Resolves false when the
   * target refused or could not be reached: nothing is recorded then. Never throws.
   */
  ask(context: CoworkTurn, request: CoworkHandoffContext): Promise<boolean>;
}

/** The chat asking: its channel, its conversation, and the Case of its latest session, if any. */
export interface HandoffChat {
  channelId: string;
  conversationId: string;
  caseId: string | null;
}

/** Picks the target for a customer's chat, in one place. */
export interface HandoffTargetChooser {
  /** The target for `chat`; undefined when nothing can take it. */
  choose(chat: HandoffChat): Promise<HandoffTarget | undefined>;
  /** Whether a person is offered on a form card in `channelId` (a card's chat is linked to its Case). */
  offeredOnCard(channelId: string): boolean;
}

/** A contact-centre connector reading `handoff.initiate` in the customer's own conversation. */
export function connectorTarget(log: Log): HandoffTarget {
  return {
    name: 'connector',
    async ask(context, request) {
      try {
        await context.sendActivity(handoffInitiation(context, request));
        return true;
      } catch (error) {
        const status = (error as { statusCode?: unknown }).statusCode;
        log.warn(
          { conversationId: context.activity.conversation.id, channelId: context.activity.channelId, status: typeof status === 'number' ? status : undefined },
          'handoff.initiate refused by the channel: nobody can join, nothing recorded',
        );
        return false;
      }
    },
  };
}

/** The local agent relay: the recorded request is what its agents list and take. */
export const relayTarget: HandoffTarget = {
  name: 'agent relay',
  ask: () => Promise.resolve(true),
};

/**
 * The agent on the Case, in the coworkPanel: told with a `person_requested` status that says the
 * chat can be taken over from there (their takeover then accepts the request).
 */
export function panelTarget(report: (status: CoworkStatus) => void): HandoffTarget {
  return {
    name: 'salesforce panel',
    reportsStatus: true,
    ask(_context, request) {
      if (!request.caseId) return Promise.resolve(false);
      report({ caseId: request.caseId, sessionKey: request.sessionKey, state: 'person_requested', answer: null, detail: panelTexts.personRequested });
      return Promise.resolve(true);
    },
  };
}

/**
 * The one place a target is chosen: the connector for a channel it reads, else the panel for a
 * chat that is its Case's newest link (when `panel` is given: the Salesforce side is on), else the
 * relay when it is on, else none. `handoffChannels` are lower-case channel ids.
 */
export function chooseHandoffTarget(options: {
  handoffChannels: readonly string[];
  relay: boolean;
  /** The Salesforce panel, with the Case links its takeover follows; absent when COWORK_STATUS_EVENTS is off. */
  panel?: { links: CaseLinks; report: (status: CoworkStatus) => void };
  log: Log;
}): HandoffTargetChooser {
  const connector = connectorTarget(options.log);
  const panel = options.panel ? panelTarget(options.panel.report) : undefined;
  const links = options.panel?.links;
  return {
    async choose(chat) {
      if (options.handoffChannels.includes(chat.channelId.toLowerCase())) return connector;
      // The panel's takeover reaches the Case's newest link only: another chat of the Case is not the panel's.
      if (panel && links && chat.caseId && (await links.get(chat.caseId))[0]?.conversationId === chat.conversationId) return panel;
      if (options.relay) return relayTarget;
      return undefined;
    },
    offeredOnCard(channelId) {
      return options.handoffChannels.includes(channelId.toLowerCase()) || panel !== undefined || options.relay;
    },
  };
}

/**
 * The `handoff.initiate` event, as botbuilder's `EventFactory.createHandoffInitiation` builds it
 * (same fields, host-neutral): the request as its value, the conversation's reference in
 * `relatesTo`, and this turn's activity as the transcript.
 */
export function handoffInitiation(turn: CoworkTurn, request: CoworkHandoffContext): OutgoingActivity {
  const activity = turn.activity;
  const account = (a: TurnActivity['from'] | undefined): OutgoingAccount => ({ ...a, id: a?.id ?? '', name: a?.name ?? '' });
  const conversation: OutgoingConversation = {
    ...activity.conversation,
    name: activity.conversation.name ?? '',
    isGroup: activity.conversation.isGroup === true,
    conversationType: activity.conversation.conversationType ?? '',
  };
  return {
    type: 'event',
    name: 'handoff.initiate',
    value: request,
    id: randomUUID(),
    timestamp: new Date(),
    localTimezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    conversation,
    from: account(activity.from),
    relatesTo: {
      ...(activity.id !== undefined ? { activityId: activity.id } : {}),
      user: account(activity.from),
      bot: account(activity.recipient),
      conversation,
      channelId: activity.channelId,
      serviceUrl: activity.serviceUrl ?? '',
      ...(activity.locale !== undefined ? { locale: activity.locale } : {}),
    },
    ...(activity.id !== undefined ? { replyToId: activity.id } : {}),
    ...(activity.serviceUrl !== undefined ? { serviceUrl: activity.serviceUrl } : {}),
    channelId: activity.channelId,
    attachments: [{ contentType: 'application/json', name: 'Transcript', content: { activities: [activity] } }],
  };
}
