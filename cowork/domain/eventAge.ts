/**
 * Stale answers: an event without a session key answers a Case's waiting sessions, but only
 * those started before the org created the event. After a replay (a fallback to EARLIEST replays
 * up to 72 hours), on a first deployment or after a long outage, an agent's old answer must not
 * complete a form the customer was shown after it. The event's `CreatedDate` is the org's clock
 * and a session's start the bot's: once the bot has measured the offset between the two (its own
 * events' round trip, salesforce/orgClock.ts), the CreatedDate is read in the bot's clock with the
 * measurement's margin; before that, `skewMs` (COWORK_EVENT_CLOCK_SKEW_SECONDS) allows for it.
 */
import type { OrgClock, PlatformEvent } from '../ports';

export const DEFAULT_EVENT_CLOCK_SKEW_MS = 5_000;

/** The event's creation time (ms), from the adapter or its `CreatedDate` field; undefined when it has none. */
export function eventCreatedAt(event: PlatformEvent): number | undefined {
  if (typeof event.createdDate === 'number' && Number.isFinite(event.createdDate)) return event.createdDate;
  const field = event.payload.CreatedDate;
  if (typeof field === 'number' && Number.isFinite(field)) return field;
  if (typeof field === 'string' && !Number.isNaN(Date.parse(field))) return Date.parse(field);
  return undefined;
}

/** When the org created the event, in this bot's clock, and how far off that may be; undefined when it has no creation time. */
export interface LocalEventTime {
  at: number;
  marginMs: number;
  /** True when the org's offset was measured (else `marginMs` is the configured allowance). */
  measured: boolean;
}

export function eventCreatedLocally(event: PlatformEvent, clock: OrgClock | undefined, skewMs: number): LocalEventTime | undefined {
  const createdAt = eventCreatedAt(event);
  if (createdAt === undefined) return undefined;
  const local = clock?.toLocal(createdAt);
  return local ? { ...local, measured: true } : { at: createdAt, marginMs: skewMs, measured: false };
}

/**
 * True when the session started no later than the event was created (plus the margin). An event
 * whose creation time is unknown answers nothing: its age cannot be told.
 */
export function startedBeforeEvent(session: { createdAt: string }, created: LocalEventTime | undefined): boolean {
  if (created === undefined) return false;
  const started = Date.parse(session.createdAt);
  return Number.isFinite(started) && started <= created.at + created.marginMs;
}
