/**
 * Every send to a channel is bounded (`COWORK_SEND_TIMEOUT_SECONDS`): a channel that holds a call
 * (a hung chat) fails that turn's send after the bound instead of holding the conversation's queue,
 * or the timed work, for the connector's own 100 s.
 */
import { CoworkError } from '../../util/errors';
import type { CloudAdapter, TurnContext } from 'botbuilder';

export class SendTimeoutError extends CoworkError {
  override readonly name = 'SendTimeoutError';
  readonly code = 'ERR_COWORK_SEND_TIMEOUT';
}

/** `send` bounded by `timeoutMs`: rejects with `SendTimeoutError` when the channel takes longer. */
export async function bounded<T>(send: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SendTimeoutError(`the channel did not accept ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([send, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Bounds the sends, updates and deletes of one turn. */
export function boundTurn(context: TurnContext, timeoutMs: number): void {
  context.onSendActivities((_context, activities, nextSend) =>
    bounded(nextSend(), timeoutMs, activities.length === 1 ? `a ${activities[0]?.type ?? 'message'}` : `${activities.length} activities`),
  );
  context.onUpdateActivity((_context, _activity, nextUpdate) => bounded(nextUpdate(), timeoutMs, 'an activity update'));
  context.onDeleteActivity((_context, _reference, nextDelete) => bounded(nextDelete(), timeoutMs, 'an activity delete'));
}

/** Bounds every send of every turn the adapter runs, the customer's and the proactive ones (the standalone bot's adapter). */
export function boundSends(adapter: CloudAdapter, timeoutMs: number): void {
  adapter.use(async (context, next) => {
    boundTurn(context, timeoutMs);
    await next();
  });
}

/**
 * The bound of co-work's proactive turns on an adapter (`botbuilderProactiveTurns` in proactiveTurns.ts): set by `createCowork`,
 * also on a host's adapter, whose own turns it leaves alone.
 */
const proactiveBounds = new WeakMap<CloudAdapter, number>();

export function boundProactiveTurns(adapter: CloudAdapter, timeoutMs: number): void {
  proactiveBounds.set(adapter, timeoutMs);
}

export function proactiveBound(adapter: CloudAdapter): number | undefined {
  return proactiveBounds.get(adapter);
}
