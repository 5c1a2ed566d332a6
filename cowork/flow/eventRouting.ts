/**
 * Event routing: which session(s) an event answers (its session key, else the Case's current form
 * started before the event), and the claim that hands an answered session to the effects pipeline.
 */
import { CoworkError, errorMessage } from '../../util/errors';
import { answersFromEvent, validateAnswers, type FormSpec } from '../domain/formSpec';
import type { PlatformEvent } from '../ports';
import { KEY_PREFIX, normalizeId } from '../../util/salesforceId';
import { isPending, type CoworkSession } from '../domain/session';
import { isSessionKey } from '../../util/sessionKey';
import { eventCreatedAt, startedBeforeEvent } from '../domain/eventAge';
import type { CoworkContext, CoworkServiceDeps } from './coworkContext';
import type { EffectsPipeline } from './effectsPipeline';

/** The ports and settings EventRouter uses, and nothing else. */
export type EventRouterDeps = Pick<CoworkServiceDeps, 'effectsLeaseMs' | 'inflight' | 'instanceId' | 'log' | 'repository'>;

export class EventRouter {
  constructor(
    private readonly steps: CoworkContext,
    private readonly deps: EventRouterDeps,
    private readonly pipeline: EffectsPipeline,
  ) {}

  /**
   * Routes one event to the session(s) it answers and performs their effects exactly once:
   * the session key when the event has one, else every pending session of its Case.
   */
  async handleEvent(event: PlatformEvent): Promise<void> {
    for (const form of this.steps.formsByTopic.get(event.topic) ?? []) {
      const caseId = typeof event.payload[form.correlationField] === 'string' ? normalizeId(event.payload[form.correlationField] as string) : undefined;
      if (!caseId || !caseId.startsWith(KEY_PREFIX.Case)) {
        this.deps.log.warn({ eventId: event.id, topic: event.topic }, 'event ignored: no valid Case Id in its correlation field');
        continue;
      }
      const sessionKey = event.payload[form.sessionKeyField];
      const hasSessionKey = typeof sessionKey === 'string' && sessionKey !== '';
      if (hasSessionKey && !isSessionKey(sessionKey)) {
        this.deps.log.warn({ eventId: event.id, caseId }, 'event ignored: its session key is not one this bot issues');
        continue;
      }
      const targets = hasSessionKey ? await this.deps.repository.forEvent(sessionKey, caseId) : await this.deps.repository.pendingForCase(caseId);
      const ofForm = targets.filter((s) => s.formId === form.id && s.caseId === caseId);
      // Without a session key (an agent's flow), the event answers the Case's current form only, and
      // only when that form was started before the event was published (never a stale answer).
      const mine = hasSessionKey ? ofForm : this.startedBefore(event, currentForm(ofForm));
      if (mine.length === 0) {
        this.deps.log.info({ eventId: event.id, caseId }, 'event ignored: no waiting session for it');
        continue;
      }
      // Every session gets its chance even if another fails. A failure after the claim is finished
      // by the in-flight sweep; one before it makes the handler fail, so the event is delivered again.
      let unclaimed: unknown;
      for (const session of mine) {
        try {
          // An event naming a session answers that one only: nothing else can have updated the Case for it.
          await this.answer(session, form, event, { onlySessionAnswered: hasSessionKey });
        } catch (err) {
          if (err instanceof ClaimedError) {
            this.deps.log.error(
              { err: err.cause, eventId: event.id, sessionKey: session.key },
              'finishing an answered session failed; the in-flight sweep will finish it',
            );
          } else {
            unclaimed ??= err;
            this.deps.log.error({ err, eventId: event.id, sessionKey: session.key }, 'answering a session failed before it was claimed');
          }
        }
      }
      if (unclaimed !== undefined) throw unclaimed;
    }
  }

  /** An event without session key answers only the sessions started before it was created (see eventAge.ts). */
  private startedBefore(event: PlatformEvent, sessions: CoworkSession[]): CoworkSession[] {
    const createdAt = eventCreatedAt(event);
    const created = this.steps.eventTime(event);
    const fresh = sessions.filter((s) => startedBeforeEvent(s, created));
    if (fresh.length < sessions.length) {
      const createdDate = createdAt === undefined ? 'unknown' : new Date(createdAt).toISOString();
      this.deps.log.info(
        {
          eventId: event.id,
          createdDate,
          marginMs: created?.marginMs,
          clockMeasured: created?.measured,
          sessionKeys: sessions.filter((s) => !fresh.includes(s)).map((s) => s.key),
        },
        'event ignored for sessions started after it was created',
      );
    }
    return fresh;
  }

  private async answer(session: CoworkSession, form: FormSpec, event: PlatformEvent, { onlySessionAnswered }: { onlySessionAnswered: boolean }): Promise<void> {
    const validation = validateAnswers(form, session.choices, answersFromEvent(form, event.payload));
    if (!validation.ok) {
      this.deps.log.warn({ eventId: event.id, sessionKey: session.key, problems: validation.problems }, 'event ignored: its answer does not fit the form');
      return;
    }
    if (!isPending(session.state)) {
      this.deps.log.debug({ eventId: event.id, sessionKey: session.key, state: session.state }, 'event already handled for this session');
      return;
    }
    if (session.state === 'form_sent' && this.steps.pastExpiry(session)) {
      // Too late: the form expired (its reminder was lost). An answer now would thank a conversation long gone.
      this.deps.log.info({ eventId: event.id, sessionKey: session.key }, 'event ignored: the session had expired');
      await this.steps.expire(session.key);
      return;
    }
    // A submitted session was listed in flight by its submit and stays listed while pending: no second read.
    // Nothing is due for it before the lease it is about to take (from after this write) runs out: a takeover.
    if (session.state !== 'submitted') await this.deps.inflight.add(session.key, { notBefore: this.steps.now() + this.deps.effectsLeaseMs });
    const leaseUntil = new Date(this.steps.now() + this.deps.effectsLeaseMs).toISOString();
    // Starts from the session as routing read it: its eTag guards the claim, a conflict reads it again. Where the
    // session is kept beside its Case's document, the Case's answer is claimed in the same transaction.
    const claimed = await this.deps.repository.claim(
      session.key,
      (current) =>
        isPending(current.state)
          ? {
              ...current,
              state: 'answered',
              answers: validation.answers,
              answeredByEventId: event.id,
              answerGivenAt: eventCreatedAt(event) ?? this.steps.now(),
              effectsOwner: this.deps.instanceId,
              effectsLeaseUntil: leaseUntil,
            }
          : undefined,
      { from: session },
    );
    if (!claimed.changed || !claimed.session) {
      this.deps.log.debug({ eventId: event.id, sessionKey: session.key, state: claimed.session?.state }, 'event already handled for this session');
      return;
    }
    this.deps.log.info({ eventId: event.id, sessionKey: session.key, caseId: session.caseId }, 'event answered the session');
    this.steps.report(
      claimed.session,
      'answered',
      this.steps.labelsOf(claimed.session, validation.answers),
      event.payload[form.sessionKeyField] ? 'The answer came back from Salesforce.' : 'Answered for the Case (an agent or a flow).',
    );
    try {
      // Just claimed: no earlier attempt can have updated the Case for this session. Only when the
      // event answers several sessions of the Case is it read first (one write, not one per session).
      await this.pipeline.completeAnswered(claimed.session, {
        readCaseFirst: !onlySessionAnswered,
        ...(claimed.caseClaimed !== undefined ? { caseClaimed: claimed.caseClaimed } : {}),
      });
    } catch (err) {
      throw new ClaimedError(err);
    }
  }
}

/**
 * The Case's current form among its pending sessions: the one still waiting for its customer
 * (a newer form supersedes older ones, so there is at most one), else the newest one answered by
 * its customer and waiting for its own event.
 */
export function currentForm(sessions: readonly CoworkSession[]): CoworkSession[] {
  const rank = (s: CoworkSession): number => (s.state === 'form_sent' ? 1 : 0);
  const newest = [...sessions].sort((a, b) => rank(b) - rank(a) || Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
  return newest ? [newest] : [];
}

/** A failure after the session was claimed: the in-flight sweep will finish it, the event need not come again. */
class ClaimedError extends CoworkError {
  readonly code = 'ERR_COWORK_EVENT_CLAIMED';
  constructor(override readonly cause: unknown) {
    super(errorMessage(cause));
  }
}
