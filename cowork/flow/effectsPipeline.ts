/**
 * The effects of an answered session, exactly once: thank the conversation, write the answer on the
 * Case, record each step. An instance holds a lease on the session while it performs them; the
 * recovery sweep takes over a session whose lease ran out.
 */
import { answerLabels, caseFieldsFor } from '../domain/formSpec';
import { PermanentCaseError } from '../ports';
import { answerGivenAt, type Answers, type CoworkSession } from '../domain/session';
import type { CoworkContext, CoworkServiceDeps } from './coworkContext';

/** Attempts at the thank-you before the Case is written without it (each attempt is bounded by the send timeout). */
export const MAX_THANK_YOU_ATTEMPTS = 3;
/** The thank-you is given up this long after its first failed attempt, whatever the count. */
export const THANK_YOU_WINDOW_MS = 60_000;
/** Pause after a failed attempt, times the attempt's number. */
const THANK_YOU_RETRY_PAUSE_MS = 1000;

/** The ports and settings EffectsPipeline uses, and nothing else. */
export type EffectsPipelineDeps = Pick<CoworkServiceDeps, 'caseStore' | 'effects' | 'effectsLeaseMs' | 'inflight' | 'instanceId' | 'log' | 'repository'>;

/** How `completeAnswered` goes about it. */
export interface CompleteOptions {
  readCaseFirst: boolean;
  caseClaimed?: boolean;
}

export class EffectsPipeline {
  /** Sessions whose effects this process is performing right now: the sweep leaves them alone. */
  private readonly completing = new Set<string>();
  /** Everything this pipeline started and has not finished, the un-awaited card update included. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly steps: CoworkContext,
    private readonly deps: EffectsPipelineDeps,
  ) {}

  /** True while this process performs the session's effects. */
  isCompleting(sessionKey: string): boolean {
    return this.completing.has(sessionKey);
  }

  /**
   * Effects of an answered session, in order: tell the conversation, then update the Case. Each is
   * recorded once. `readCaseFirst: false` only for a session this call just claimed and that no other
   * session shares an answer with (the Case is then written without reading it first). `caseClaimed`: the
   * Case's answer was claimed with the session's own claim, in one transaction (`SessionRepository.claim`),
   * with this result: not claimed again.
   */
  async completeAnswered(session: CoworkSession, options: CompleteOptions = { readCaseFirst: true }): Promise<void> {
    if (this.completing.has(session.key)) return;
    this.completing.add(session.key);
    try {
      await this.track(this.runEffects(session, options));
    } finally {
      this.completing.delete(session.key);
    }
  }

  /**
   * Resolves once nothing this pipeline started is still running (effects, and the card updates
   * they do not wait for), however much was started meanwhile. Never rejects.
   */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = (): void => {
      this.running.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  private async runEffects(session: CoworkSession, { readCaseFirst, caseClaimed }: CompleteOptions): Promise<void> {
    const form = this.steps.requireForm(session.formId);
    const answers: Answers = session.answers ?? {};
    let current = session;
    const givenAt = answerGivenAt(session);
    if (!(caseClaimed ?? (await this.deps.repository.claimCaseAnswer(session.caseId, session.formId, givenAt, session.key)))) {
      // A later answer is already on the Case: this older one (a late or replayed event) is not written.
      this.deps.log.info(
        { sessionKey: session.key, caseId: session.caseId, givenAt: new Date(givenAt).toISOString() },
        'answer not written: a later answer is already on the Case',
      );
      const done = await this.deps.repository.update(session.key, (s) =>
        s.state === 'answered' ? { ...s, state: 'done', failure: 'a later answer is already on the Case', effectsLeaseUntil: null } : undefined,
      );
      if (done.changed && done.session && !done.session.thankedAt) await this.deps.effects.superseded?.(done.session);
      await this.deps.inflight.remove(session.key);
      return;
    }
    if (!current.thankedAt && !current.thankYouUndelivered) {
      const thanked = await this.thank(current, answers);
      if (!thanked) return;
      current = thanked;
    }
    try {
      await this.deps.caseStore.updateCase(current.caseId, caseFieldsFor(form, answers), { readFirst: readCaseFirst });
    } catch (err) {
      if (!(err instanceof PermanentCaseError)) throw err;
      this.deps.log.error({ sessionKey: current.key, caseId: current.caseId, errorCode: err.errorCode, error: err.message }, 'Case update refused');
      const failed = await this.deps.repository.update(current.key, (s) =>
        s.state === 'answered' ? { ...s, state: 'failed', failure: `${err.errorCode}: ${err.message}` } : undefined,
      );
      if (failed.changed && failed.session) {
        this.steps.report(
          failed.session,
          'failed',
          this.steps.labelsOf(failed.session, answers),
          `The Case could not be updated: ${err.errorCode}: ${err.message}`,
        );
        await this.deps.effects.failed(failed.session);
      }
      await this.deps.inflight.remove(current.key);
      return;
    }
    const done = await this.deps.repository.update(
      current.key,
      (s) => (s.state === 'answered' ? { ...s, state: 'done', caseUpdatedAt: new Date(this.steps.now()).toISOString(), effectsLeaseUntil: null } : undefined),
      { from: current },
    );
    if (done.changed && done.session)
      this.steps.report(
        done.session,
        'saved',
        this.steps.labelsOf(done.session, answers),
        done.session.thankYouUndelivered
          ? 'The answer is saved on the Case. The customer could not be reached: they were not thanked in the chat.'
          : 'The answer is saved on the Case.',
      );
    await this.deps.inflight.remove(current.key);
    this.deps.log.info({ sessionKey: current.key, caseId: current.caseId }, 'co-work session done');
    // A chat that could not take the thank-you is not asked to update its card either.
    if (done.changed && done.session && !done.session.thankYouUndelivered && this.deps.effects.saved) {
      // Not awaited: it only updates the form card, and the next event need not wait for it.
      void this.track(this.deps.effects.saved(done.session)).catch((err: unknown) =>
        this.deps.log.warn({ err, sessionKey: current.key }, 'telling the conversation the Case was saved failed'),
      );
    }
  }

  /**
   * The thank-you, a bounded number of times: at most MAX_THANK_YOU_ATTEMPTS attempts (counted across
   * instances and restarts) within THANK_YOU_WINDOW_MS of the first failure. Then it is given up and
   * recorded (`thankYouUndelivered`): the Case is written all the same, it never waits on the chat.
   * Resolves the session to go on with, or `undefined` when another instance took it over.
   */
  private async thank(session: CoworkSession, answers: Answers): Promise<CoworkSession | undefined> {
    const form = this.steps.requireForm(session.formId);
    let current = session;
    for (;;) {
      // Waiting for the conversation (a slow customer turn) may eat into the lease: it is renewed
      // once the conversation is ours, and the thank-you is not sent if another instance took over.
      const stillOurs = async (): Promise<boolean> => {
        const renewed = await this.renewLease(current);
        if (renewed) current = renewed;
        return renewed !== undefined;
      };
      let failure: unknown;
      try {
        if (!(await this.deps.effects.answered(current, answerLabels(form, current.choices, answers), stillOurs))) return undefined;
      } catch (err) {
        failure = err;
      }
      if (failure === undefined) {
        // From the channel accepting the thank-you until this write, a crash makes the taker-over thank again.
        const acceptedAt = performance.now();
        // From the session as this instance last wrote or read it: no read first when the storage told its eTag.
        const marked = await this.deps.repository.update(
          current.key,
          (s) => (s.thankedAt ? undefined : { ...s, thankedAt: new Date(this.steps.now()).toISOString() }),
          { from: current },
        );
        this.deps.log.debug({ sessionKey: current.key, duplicateWindowMs: Math.round((performance.now() - acceptedAt) * 10) / 10 }, 'thank-you recorded');
        return marked.session ?? current;
      }
      const now = this.steps.now();
      const attempts = (current.thankYouAttempts ?? 0) + 1;
      const firstFailedAt = current.thankYouFirstFailedAt ?? new Date(now).toISOString();
      const reason = failure instanceof Error ? failure.message.slice(0, 500) : String(failure).slice(0, 500);
      const giveUp = attempts >= MAX_THANK_YOU_ATTEMPTS || now >= Date.parse(firstFailedAt) + THANK_YOU_WINDOW_MS;
      this.deps.log.warn({ err: failure, sessionKey: current.key, caseId: current.caseId, attempt: attempts }, 'the thank-you could not be delivered');
      const recorded = await this.deps.repository.update(current.key, (s) =>
        s.state === 'answered' && !s.thankedAt
          ? { ...s, thankYouAttempts: attempts, thankYouFirstFailedAt: firstFailedAt, thankYouUndelivered: giveUp ? reason : null }
          : undefined,
      );
      if (!recorded.changed || !recorded.session) return recorded.session?.state === 'answered' ? recorded.session : undefined;
      current = recorded.session;
      if (giveUp) {
        this.deps.log.warn({ sessionKey: current.key, caseId: current.caseId, attempts, reason }, 'thank-you given up: the Case is written without it');
        return current;
      }
      // A short pause before the next attempt (a chat that blinked); never past the window.
      const pauseMs = Math.min(THANK_YOU_RETRY_PAUSE_MS * attempts, Math.max(0, Date.parse(firstFailedAt) + THANK_YOU_WINDOW_MS - this.steps.now()));
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  /** Extends this instance's lease when less than half of it is left; `undefined` when it is no longer ours. */
  private async renewLease(session: CoworkSession): Promise<CoworkSession | undefined> {
    const now = this.steps.now();
    const until = session.effectsLeaseUntil ? Date.parse(session.effectsLeaseUntil) : 0;
    if (session.effectsOwner === this.deps.instanceId && until - now > this.deps.effectsLeaseMs / 2) return session;
    const leaseUntil = new Date(now + this.deps.effectsLeaseMs).toISOString();
    const renewed = await this.deps.repository.update(session.key, (s) =>
      s.state === 'answered' && s.effectsOwner === session.effectsOwner && s.effectsLeaseUntil === session.effectsLeaseUntil
        ? { ...s, effectsOwner: this.deps.instanceId, effectsLeaseUntil: leaseUntil }
        : undefined,
    );
    if (renewed.changed) return renewed.session;
    this.deps.log.warn(
      { sessionKey: session.key, owner: renewed.session?.effectsOwner, state: renewed.session?.state },
      'another instance took over this session; standing down',
    );
    return undefined;
  }
}
