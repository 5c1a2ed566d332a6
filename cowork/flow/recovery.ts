/**
 * The recovery sweep and the deadlines: finishes what an instance started and did not finish
 * (publishes an answer again, completes it from the stored submit, takes over an expired effects
 * lease) and expires forms that waited too long.
 */
import type { CoworkSession } from '../domain/session';
import type { CoworkContext, CoworkServiceDeps } from './coworkContext';
import type { EffectsPipeline } from './effectsPipeline';
import { KeyedWorkPool } from '../../util/workPool';

const MAX_PUBLISH_ATTEMPTS = 3;
/** Sessions (and deadlines) worked on at once by one instance's timed work. */
export const TIMED_WORK_CONCURRENCY = 16;

/** `wait: false` (the timed loop): resolve once the work is started, not when every item is done. */
export interface TimedRun {
  wait?: boolean;
}

/** The ports and settings RecoverySweep uses, and nothing else. */
export type RecoverySweepDeps = Pick<
  CoworkServiceDeps,
  'deadlines' | 'effectsLeaseMs' | 'effectsSendTimeoutMs' | 'eventTimeoutMs' | 'inflight' | 'instanceId' | 'log' | 'repository'
>;

export class RecoverySweep {
  /** One item per session at a time, a slow one (a hung chat) never holding up the others. */
  private readonly sessions: KeyedWorkPool;
  private readonly deadlines: KeyedWorkPool;

  constructor(
    private readonly steps: CoworkContext,
    private readonly deps: RecoverySweepDeps,
    private readonly pipeline: EffectsPipeline,
  ) {
    this.sessions = new KeyedWorkPool(TIMED_WORK_CONCURRENCY, (err, key) =>
      this.deps.log.error({ err, sessionKey: key }, 'recovering an in-flight session failed; will retry'),
    );
    this.deadlines = new KeyedWorkPool(TIMED_WORK_CONCURRENCY, (err, key) => this.deps.log.error({ err, sessionKey: key }, 'deadline failed'));
  }

  /** Resolves once every item the timed work started has settled (on stop). */
  async drain(): Promise<void> {
    await Promise.all([this.sessions.drain(), this.deadlines.drain()]);
  }

  /**
   * Finishes what an instance started and did not finish, wherever it ran: answers whose event
   * did not come back in time are published again (a few times), answered sessions whose effects
   * lease expired (their instance died) are completed. Every step is a guarded transition, so
   * instances sweeping at once do each thing once.
   */
  async recoverInFlight({ wait = true }: TimedRun = {}): Promise<void> {
    const now = this.steps.now();
    // Only the sessions something may be due for (a row of a Table store says from when): nothing else is read.
    const keys = (await this.deps.inflight.due(now)).filter((key) => !this.sessions.has(key));
    if (keys.length === 0) return;
    const sessions = new Map((await this.deps.repository.getMany(keys)).map((s) => [s.key, s]));
    const started: Array<Promise<void>> = [];
    for (const key of keys) {
      const session = sessions.get(key);
      const item = this.sessions.start(key, () => this.recoverOne(key, session, now));
      if (item) started.push(item);
    }
    if (wait) await Promise.all(started);
  }

  private async recoverOne(key: string, session: CoworkSession | undefined, now: number): Promise<void> {
    if (!session || (session.state !== 'form_sent' && session.state !== 'submitted' && session.state !== 'answered')) {
      // Only a finished (or vanished) session leaves the index here: one still form_sent may be
      // between its listing and its submitted write (submit lists it first), and stays listed
      // until it is submitted or expires.
      await this.deps.inflight.remove(key);
    } else if (session.state === 'submitted') {
      await this.republishIfDue(session, now);
    } else if (
      session.state === 'answered' &&
      !this.pipeline.isCompleting(key) &&
      (!session.effectsLeaseUntil || Date.parse(session.effectsLeaseUntil) + (this.deps.effectsSendTimeoutMs ?? 0) <= now)
    ) {
      await this.takeOverEffects(session, now);
    }
  }

  private async republishIfDue(session: CoworkSession, now: number): Promise<void> {
    const last = Date.parse(session.lastPublishedAt ?? session.submittedAt ?? session.updatedAt);
    if (now < last + this.deps.eventTimeoutMs) return;
    if (session.publishAttempts >= MAX_PUBLISH_ATTEMPTS) {
      await this.answerFromStoredSubmit(session, now);
      return;
    }
    const stamped = new Date(now).toISOString();
    const bumped = await this.deps.repository.update(session.key, (s) =>
      s.state === 'submitted' && s.publishAttempts === session.publishAttempts
        ? { ...s, publishAttempts: s.publishAttempts + 1, lastPublishedAt: stamped }
        : undefined,
    );
    if (!bumped.changed || !bumped.session) return;
    // Second attempt over the Pub/Sub API again, the last one over REST.
    const over = bumped.session.publishAttempts >= MAX_PUBLISH_ATTEMPTS ? 'rest' : undefined;
    this.deps.log.warn(
      { sessionKey: session.key, attempts: bumped.session.publishAttempts, over: over ?? 'pubsub' },
      'the answer event did not come back in time; publishing again',
    );
    await this.steps.publish(bumped.session, over ? { over } : {});
  }

  /**
   * The answer was published MAX_PUBLISH_ATTEMPTS times (the last over REST) and no event came
   * back: the stored answer completes the session (thank-you, Case update over REST), so it is never
   * lost to a broken event bus. An event arriving later finds the session done.
   */
  private async answerFromStoredSubmit(session: CoworkSession, now: number): Promise<void> {
    const leaseUntil = new Date(now + this.deps.effectsLeaseMs).toISOString();
    const claimed = await this.deps.repository.update(session.key, (s) =>
      s.state === 'submitted' && s.submitted
        ? { ...s, state: 'answered', answers: s.submitted, answeredByEventId: null, effectsOwner: this.deps.instanceId, effectsLeaseUntil: leaseUntil }
        : undefined,
    );
    if (!claimed.changed || !claimed.session) return;
    this.deps.log.error(
      { sessionKey: session.key, attempts: session.publishAttempts },
      'the answer event never came back; completing the session from the stored answer',
    );
    this.steps.report(
      claimed.session,
      'answered',
      this.steps.labelsOf(claimed.session, claimed.session.answers ?? {}),
      'The answer event never came back; the stored answer is used.',
    );
    await this.pipeline.completeAnswered(claimed.session);
  }

  private async takeOverEffects(session: CoworkSession, now: number): Promise<void> {
    const leaseUntil = new Date(now + this.deps.effectsLeaseMs).toISOString();
    const taken = await this.deps.repository.update(session.key, (s) =>
      s.state === 'answered' && s.effectsLeaseUntil === session.effectsLeaseUntil
        ? { ...s, effectsOwner: this.deps.instanceId, effectsLeaseUntil: leaseUntil }
        : undefined,
    );
    if (!taken.changed || !taken.session) return;
    this.deps.log.warn({ sessionKey: session.key, previousOwner: session.effectsOwner }, 'finishing a session whose instance did not');
    await this.pipeline.completeAnswered(taken.session);
  }

  /** Runs the deadlines that are due: expire sessions that waited too long (each on its own, see `recoverInFlight`). */
  async runDueDeadlines({ wait = true }: TimedRun = {}): Promise<number> {
    const due = await this.deps.deadlines.takeDue(this.steps.now());
    const started: Array<Promise<void>> = [];
    for (const deadline of due) {
      const run = async (): Promise<void> => {
        try {
          await this.steps.expire(deadline.sessionKey);
        } catch (err) {
          this.deps.log.error({ err, sessionKey: deadline.sessionKey, kind: deadline.kind }, 'deadline failed; will retry');
          await this.deps.deadlines.schedule(this.steps.now() + this.deps.eventTimeoutMs, deadline);
        }
      };
      const item = this.deadlines.start(deadline.sessionKey, run);
      // Already running (or the pool is full): it comes back on a later tick.
      if (item) started.push(item);
      else await this.deps.deadlines.schedule(this.steps.now() + this.deps.eventTimeoutMs, deadline);
    }
    if (wait) await Promise.all(started);
    return due.length;
  }
}
