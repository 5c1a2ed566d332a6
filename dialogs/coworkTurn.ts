/**
 * A turn, as co-work's turn logic sees it: the host-neutral interface both hosts give it.
 *
 * - botbuilder (bot/edge, `npm start`): its `TurnContext` satisfies `CoworkTurn` as it is (the
 *   type check at the end of bot/edge/adapter.ts keeps it so);
 * - the Microsoft 365 Agents SDK (bot/agents, `npm run start:agents`): `agentsTurn` wraps its
 *   `TurnContext`, turning the plain activities sent here into the SDK's `Activity` objects.
 *
 * Nothing of either SDK is imported here or by the turn logic (dialogs/, bot/turn, bot/handoff,
 * bot/proactive): each host's folder only translates turns, cards, proactive sends and storage.
 */

/** A card or a file attached to an activity. */
export interface TurnAttachment {
  contentType: string;
  content?: unknown;
  contentUrl?: string;
  name?: string;
}

/** A button of `suggestedActions`. */
export interface TurnCardAction {
  type: string;
  title: string;
  value: unknown;
}

/** Someone in a conversation (a user, the bot). */
export interface TurnAccount {
  id: string;
  name?: string;
  role?: string;
  aadObjectId?: string;
}

/** An account or a conversation as an outgoing activity names it (every field the Bot Framework schema requires). */
export interface OutgoingAccount {
  id: string;
  name: string;
}
export interface OutgoingConversation {
  id: string;
  name: string;
  isGroup: boolean;
  conversationType: string;
}

/** What the bot sends: the fields co-work sets (each SDK's activity has them all). */
export interface OutgoingActivity {
  type: string;
  id?: string;
  name?: string;
  text?: string;
  textFormat?: string;
  value?: unknown;
  attachments?: TurnAttachment[];
  suggestedActions?: { to: string[]; actions: TurnCardAction[] };
  channelData?: unknown;
  replyToId?: string;
  from?: OutgoingAccount;
  conversation?: OutgoingConversation;
  relatesTo?: {
    activityId?: string;
    user?: OutgoingAccount;
    bot: OutgoingAccount;
    conversation: OutgoingConversation;
    channelId: string;
    serviceUrl: string;
    locale?: string;
  };
  serviceUrl?: string;
  channelId?: string;
  timestamp?: Date;
  localTimezone?: string;
}

/** The incoming activity: the fields co-work reads. */
export interface TurnActivity {
  type: string;
  id?: string;
  name?: string;
  text?: string;
  value?: unknown;
  locale?: string;
  channelId: string;
  serviceUrl?: string;
  conversation: { id: string; isGroup?: boolean; conversationType?: string; tenantId?: string; name?: string };
  from: TurnAccount;
  recipient: TurnAccount;
  replyToId?: string;
  membersAdded?: TurnAccount[];
  attachments?: TurnAttachment[];
  channelData?: unknown;
  entities?: unknown[];
}

/** An activity on its way out, as a send handler sees it (it may remove `replyToId`). */
export interface OutgoingView {
  type?: string;
  text?: string;
  replyToId?: string;
}

/** What a channel answers to a send: the activity's id (empty, or none, on some channels). */
export interface SentActivity {
  id?: string;
}

export interface CoworkTurn {
  readonly activity: TurnActivity;
  /** Values that live for this turn only (keyed by anything, e.g. a Symbol). */
  readonly turnState: Map<unknown, unknown>;
  sendActivity(activityOrText: string | OutgoingActivity): Promise<SentActivity | undefined>;
  sendActivities(activities: OutgoingActivity[]): Promise<SentActivity[]>;
  updateActivity(activity: OutgoingActivity): Promise<unknown>;
  /** Sees (and may change) every activity this turn sends, before it goes. */
  onSendActivities(handler: (turn: unknown, activities: OutgoingView[], next: () => Promise<SentActivity[]>) => Promise<SentActivity[]>): unknown;
}

/** A stored conversation reference (a plain object, as it is kept in storage). */
export type StoredReference = Readonly<Record<string, unknown>>;

/** Proactive turns: a turn in a conversation from its stored reference, through the host's own adapter. */
export interface ProactiveTurns {
  /**
   * Runs `logic` in a turn of the referenced conversation. Its sends carry no `replyToId` and are
   * bounded by `COWORK_SEND_TIMEOUT_SECONDS`; what `logic` throws is rethrown.
   */
  run(reference: StoredReference, logic: (turn: CoworkTurn) => Promise<void>): Promise<void>;
}

/**
 * The conversation reference of an activity, in Bot Framework's stored shape (`bot` for the bot's
 * account; the Agents host reads it as its `agent`). Same rule as botbuilder for `activityId`: none
 * for a conversationUpdate of Direct Line / Web Chat.
 */
export function conversationReferenceOf(activity: TurnActivity): Record<string, unknown> {
  const keepsId = activity.type !== 'conversationUpdate' || (activity.channelId !== 'directline' && activity.channelId !== 'webchat');
  return withoutUndefined({
    activityId: keepsId ? activity.id : undefined,
    user: activity.from ? { ...activity.from } : undefined,
    bot: activity.recipient ? { ...activity.recipient } : undefined,
    conversation: { ...activity.conversation },
    channelId: activity.channelId,
    locale: activity.locale,
    serviceUrl: activity.serviceUrl,
  });
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

export function isMessage(turn: CoworkTurn): boolean {
  return turn.activity.type === 'message';
}

export function isEvent(turn: CoworkTurn, name: string): boolean {
  return turn.activity.type === 'event' && turn.activity.name === name;
}
