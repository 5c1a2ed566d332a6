/**
 * A turn that failed, on either host (botbuilder's `onTurnError`, the Agents SDK's): logged with its
 * conversation, and the person told in plain words. The details stay in the log.
 */
import type { CoworkTurn } from '../../dialogs/coworkTurn';
import type { Log } from '../../util/log';

export const APOLOGY = 'Sorry, something went wrong on my side. Please try again in a moment.';

export async function answerFailedTurn(log: Log, context: CoworkTurn, error: unknown): Promise<void> {
  const activity = context.activity;
  log.error({ err: error, conversationId: activity.conversation?.id, activityType: activity.type, activityId: activity.id }, 'turn failed');
  try {
    await context.sendActivity(APOLOGY);
  } catch (sendError) {
    log.warn({ err: sendError, conversationId: activity.conversation?.id }, 'could not tell the user about the failed turn');
  }
}
