/**
 * The Microsoft 365 Agents SDK's turn, as co-work's host-neutral `CoworkTurn`: the same activity
 * object (so what co-work reads is what the SDK parsed), and sends that turn co-work's plain
 * activities into the SDK's `Activity` objects. Nothing else: the logic is the shared turn's.
 */
import { Activity } from '@microsoft/agents-activity';
import type { TurnContext } from '@microsoft/agents-hosting';
import type { CoworkTurn, OutgoingActivity, SentActivity, TurnActivity } from '../../dialogs/coworkTurn';

const WRAPPED = Symbol('cowork.agentsTurn');

function toActivity(activity: string | OutgoingActivity): Activity {
  return typeof activity === 'string' ? Activity.fromObject({ type: 'message', text: activity }) : Activity.fromObject(translated(activity));
}

type Fields = Record<string, unknown>;

/** Without its empty strings: the Bot Framework schema requires an account's name (often ''), this SDK refuses ''. */
function withoutEmpty(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value as Fields).filter(([, v]) => v !== ''));
}

/** An activity of Bot Framework's shape in this SDK's: accounts and conversations without empty names, `relatesTo.bot` as `agent`. */
function translated(activity: OutgoingActivity): Fields {
  const out: Fields = { ...activity };
  for (const key of ['from', 'conversation'] as const) if (out[key] !== undefined) out[key] = withoutEmpty(out[key]);
  if (activity.relatesTo) {
    const { bot, user, conversation, ...reference } = activity.relatesTo;
    out.relatesTo = { ...reference, agent: withoutEmpty(bot), ...(user ? { user: withoutEmpty(user) } : {}), conversation: withoutEmpty(conversation) };
  }
  return out;
}

/** The turn co-work sees for an Agents SDK `TurnContext` (one per turn: asking twice gives the same one). */
export function agentsTurn(context: TurnContext): CoworkTurn {
  const known = context.turnState.get(WRAPPED) as CoworkTurn | undefined;
  if (known) return known;
  const turn: CoworkTurn = {
    // The SDK's Activity has every field co-work reads, with the Activity Protocol's names; its types make them all
    // optional (one class for incoming and outgoing activities), a received turn's has channelId, conversation and the accounts.
    activity: context.activity as TurnActivity,
    turnState: context.turnState,
    sendActivity: (activity) => context.sendActivity(toActivity(activity)),
    sendActivities: (activities) => context.sendActivities(activities.map(toActivity)),
    updateActivity: (activity) => context.updateActivity(toActivity(activity)),
    onSendActivities: (handler) =>
      context.onSendActivities((_context, activities, next) => handler(turn, activities, next) as Promise<Array<SentActivity & { id: string }>>),
  };
  context.turnState.set(WRAPPED, turn);
  return turn;
}
