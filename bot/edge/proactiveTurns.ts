/**
 * botbuilder's proactive turns (`ProactiveTurns`): a turn in a conversation from a stored
 * conversation reference, through the host's `CloudAdapter`.
 *
 * - Goes through `continueConversationAsync`: a `TurnContext` is never kept across turns.
 * - Sends without `replyToId`: no client has seen the continuation activity, and Web Chat holds
 *   back a reply to an activity it never received for up to 5 s.
 * - Bounds every send by `COWORK_SEND_TIMEOUT_SECONDS` (sendBound.ts): a hung chat fails its own
 *   turn instead of holding its queue, and the timed work, for the connector's 100 s.
 * - Rethrows what `logic` throws: the adapter would route it to `onTurnError` (which would
 *   apologise to the conversation) and resolve, and the caller must know the turn failed.
 */
import type { CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { ProactiveTurns } from '../../dialogs/coworkTurn';
import { boundTurn, proactiveBound } from './sendBound';

/** Proactive turns on a botbuilder adapter, as the host-neutral turn logic asks for them. */
export function botbuilderProactiveTurns(adapter: CloudAdapter, appId: string): ProactiveTurns {
  return { run: (reference, logic) => runProactiveTurn(adapter, appId, reference, logic) };
}

export async function runProactiveTurn(
  adapter: CloudAdapter,
  appId: string,
  reference: Readonly<Record<string, unknown>>,
  logic: (context: TurnContext) => Promise<void>,
): Promise<void> {
  let failure: unknown;
  const timeoutMs = proactiveBound(adapter);
  await adapter.continueConversationAsync(appId, reference as Partial<ConversationReference>, async (context) => {
    context.onSendActivities(async (_ctx, activities, next) => {
      for (const activity of activities) delete activity.replyToId;
      return next();
    });
    if (timeoutMs !== undefined) boundTurn(context, timeoutMs);
    try {
      await logic(context);
    } catch (err) {
      failure = err;
    }
  });
  if (failure) throw failure;
}
