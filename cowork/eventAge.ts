/**
 * Stale answers: an event without a session key answers a Case's waiting sessions, but only
 * those started before the org created the event. After a replay (a fallback to EARLIEST replays
 * up to 72 hours), on a first deployment or after a long outage, an agent's old answer must not
 * complete a form the customer was shown after it. The event's `CreatedDate` is the org's clock
 * and a session's start the bot's: `skewMs` allows for the difference between the two.
 */
import type { PlatformEvent } from './ports';

export const DEFAULT_EVENT_CLOCK_SKEW_MS = 5_000;

/** The event's creation time (ms), from the adapter or its `CreatedDate` field; undefined when it has none. */
export function eventCreatedAt(event: PlatformEvent): number | undefined {
  if (typeof event.createdDate === 'number' && Number.isFinite(event.createdDate)) return event.createdDate;
  const field = event.payload.CreatedDate;
  if (typeof field === 'number' && Number.isFinite(field)) return field;
  if (typeof field === 'string' && !Number.isNaN(Date.parse(field))) return Date.parse(field);
  return undefined;
}

/**
 * True when the session started no later than the event was created (plus the skew). An event
 * whose creation time is unknown answers nothing: its age cannot be told.
 */
export function startedBeforeEvent(session: { createdAt: string }, createdAt: number | undefined, skewMs: number): boolean {
  if (createdAt === undefined) return false;
  const started = Date.parse(session.createdAt);
  return Number.isFinite(started) && started <= createdAt + skewMs;
}
