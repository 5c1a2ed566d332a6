/**
 * A co-work session: one customer conversation waiting for one form's answer on one Case.
 *
 * It is a persisted state machine, not a pending promise:
 *
 *   form_sent ──submit──▶ submitted ──event──▶ answered ──▶ done
 *       │                     │                    └─(permanent Case error)─▶ failed
 *       └─────────────────────┴──(event from elsewhere: an agent's flow)──▶ answered
 *   form_sent ──ttl──▶ expired   (a submitted answer never expires: it is kept until its event comes back)
 *
 * Every transition is written to storage (with the item's eTag) before its side effect, so a
 * restart at any point loses nothing and a transition happens once even across instances.
 */

export const SESSION_STATES = ['form_sent', 'submitted', 'answered', 'done', 'expired', 'failed'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** States in which the session still waits for its event. */
export const PENDING_STATES: readonly SessionState[] = ['form_sent', 'submitted'];

export function isPending(state: SessionState): boolean {
  return PENDING_STATES.includes(state);
}

/** Answers keyed by the form's input id; values are the org's values (e.g. picklist API names). */
export type Answers = Readonly<Record<string, string>>;

/** Who owns the conversation right now: the bot, or a human agent after a handoff. */
export type Owner = { kind: 'bot' } | { kind: 'human'; since: string; agentId?: string };

export interface CoworkSession {
  /** Opaque, unguessable key naming its Case (`sessionKey.ts`); travels on the event as `Session_Key__c`. */
  key: string;
  caseId: string;
  caseNumber: string;
  chatSession: { objectType: 'MessagingSession' | 'LiveChatTranscript'; id: string } | null;
  formId: string;
  /** Opaque random token the form card carries; the only thing a submit may name. */
  formToken: string;
  conversationId: string;
  /** The botbuilder conversation reference, kept as JSON (the core never looks inside). */
  conversationReference: Readonly<Record<string, unknown>>;
  userId: string;
  state: SessionState;
  /** Choices offered on the card (value → label), as the org had them when the form was sent. */
  choices: Readonly<Record<string, ReadonlyArray<{ value: string; label: string }>>>;
  /** What the customer submitted (before the event came back). */
  submitted: Answers | null;
  /** What the event said: the truth once present. */
  answers: Answers | null;
  /** How many times the submitted answer was published, and when last. */
  publishAttempts: number;
  lastPublishedAt: string | null;
  /** EventUuid of the event that answered the session. */
  answeredByEventId: string | null;
  /**
   * Which instance is performing the answered session's effects, and until when that claim holds.
   * An instance that finds the lease expired (its holder died) takes it over and finishes the work.
   */
  effectsOwner: string | null;
  effectsLeaseUntil: string | null;
  thankedAt: string | null;
  /**
   * The thank-you's failed attempts (any instance), and when the first failed. At most
   * MAX_THANK_YOU_ATTEMPTS, within THANK_YOU_WINDOW_MS of the first: then it is given up
   * (`thankYouUndelivered` says why) and the Case is written without it.
   */
  thankYouAttempts?: number;
  thankYouFirstFailedAt?: string | null;
  thankYouUndelivered?: string | null;
  caseUpdatedAt: string | null;
  failure: string | null;
  owner: Owner;
  /** Expired because a newer form of the same Case and spec replaced it: the newer session's key. */
  supersededBy?: string | null;
  /** When the answer that completed the session was given (the event's CreatedDate, ms since 1970). */
  answerGivenAt?: number | null;
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
  expiresAt: string;
}

/** What a new session is made of; everything else starts empty. */
export type NewSession = Pick<
  CoworkSession,
  'key' | 'caseId' | 'caseNumber' | 'chatSession' | 'formId' | 'formToken' | 'conversationId' | 'conversationReference' | 'userId' | 'choices'
>;

/** A session in its first state, `form_sent`, created at `now` and expiring `ttlMs` later. */
export function newSession(init: NewSession, now: number, ttlMs: number): CoworkSession {
  return {
    ...init,
    state: 'form_sent',
    submitted: null,
    answers: null,
    publishAttempts: 0,
    lastPublishedAt: null,
    effectsOwner: null,
    effectsLeaseUntil: null,
    answeredByEventId: null,
    thankedAt: null,
    caseUpdatedAt: null,
    failure: null,
    owner: { kind: 'bot' },
    createdAt: new Date(now).toISOString(),
    updatedAt: new Date(now).toISOString(),
    submittedAt: null,
    expiresAt: new Date(now + ttlMs).toISOString(),
  };
}

/** When the session's answer was given (ms): the event's CreatedDate as its claim recorded it, else when it was submitted. */
export function answerGivenAt(session: CoworkSession): number {
  return session.answerGivenAt ?? Date.parse(session.submittedAt ?? session.updatedAt);
}
