/**
 * Proactive turns on the Agents SDK's `CloudAdapter` (`ProactiveTurns`): the same rules as the
 * botbuilder host's (bot/edge/proactiveTurns.ts) — sends without `replyToId`, every send bounded by
 * `COWORK_SEND_TIMEOUT_SECONDS`, what the logic throws rethrown — translated to this SDK:
 * - a stored reference names the bot `bot` (Bot Framework's shape); this SDK reads `agent`;
 * - `continueConversation` needs an identity: the app id when there is one, else an empty identity
 *   (anonymous, local use; `''` is refused, and the SDK's Proactive helper refuses anonymous).
 */
import type { CloudAdapter, TurnContext } from '@microsoft/agents-hosting';
import type { ConversationReference } from '@microsoft/agents-activity';
import type { ProactiveTurns, StoredReference } from '../../dialogs/coworkTurn';
import { bounded } from '../edge/sendBound';
import { agentsTurn } from './agentsTurn';

export function agentsReference(stored: StoredReference): ConversationReference {
  const { bot, agent, ...rest } = stored as Record<string, unknown>;
  return { ...rest, agent: (agent ?? bot) as ConversationReference['agent'] } as ConversationReference;
}

/** Bounds the sends and updates of one turn (a hung channel fails its turn after `timeoutMs`). */
export function boundAgentsTurn(context: TurnContext, timeoutMs: number): void {
  context.onSendActivities((_context, activities, next) =>
    bounded(next(), timeoutMs, activities.length === 1 ? `a ${activities[0]?.type ?? 'message'}` : `${activities.length} activities`),
  );
  context.onUpdateActivity((_context, _activity, next) => bounded(next(), timeoutMs, 'an activity update'));
  context.onDeleteActivity((_context, _reference, next) => bounded(next(), timeoutMs, 'an activity delete'));
}

export function agentsProactiveTurns(adapter: CloudAdapter, appId: string, sendTimeoutMs: number): ProactiveTurns {
  return {
    async run(reference, logic) {
      let failure: unknown;
      await adapter.continueConversation(appId || {}, agentsReference(reference), async (context) => {
        context.onSendActivities(async (_ctx, activities, next) => {
          for (const activity of activities) delete activity.replyToId;
          return next();
        });
        boundAgentsTurn(context, sendTimeoutMs);
        try {
          await logic(agentsTurn(context));
        } catch (err) {
          failure = err;
        }
      });
      if (failure) throw failure;
    },
  };
}
