/**
 * What the co-work parts share: the dependencies, the forms, and the steps more than one part takes
 * (report a status, expire a form, publish a stored answer).
 */
import { randomBytes } from 'node:crypto';
import { FormTokenSigner } from '../domain/formToken';
import { answerLabels, eventFieldsFor, requireForm, type FormSpec } from '../domain/formSpec';
import type { Log } from '../../util/log';
import type { CaseStore, CoworkStatus, EventBus, OrgClock, PlatformEvent, PublishOptions, StatusPublisher } from '../ports';
import { DEFAULT_EVENT_CLOCK_SKEW_MS, eventCreatedLocally, type LocalEventTime } from '../domain/eventAge';
import type { Answers, CoworkSession } from '../domain/session';
import type { SessionRepository } from '../stores/sessionRepository';
import type { DeadlineQueue } from '../stores/deadlines';
import type { InFlightIndex } from '../stores/inflight';

/** What the conversation layer does when a session reaches a milestone. */
export interface SessionEffects {
  /**
   * Tell the conversation the answer arrived (the thank-you and result card, or the agent's notice).
   * `stillOurs` is asked once the conversation is this turn's (after any wait for it), right before
   * anything is sent: when it answers false, send nothing and resolve false.
   */
  answered(session: CoworkSession, labels: Readonly<Record<string, string>>, stillOurs: () => Promise<boolean>): Promise<boolean>;
  /** Tell the customer the session expired. */
  expired(session: CoworkSession): Promise<void>;
  /**
   * Tell the customer a newer form of the same Case replaced this session's (`supersededBy` set),
   * or that a later answer is already on the Case. Once per session.
   */
  superseded?(session: CoworkSession): Promise<void>;
  /** The answer is on the Case (e.g. the form card can say so). A failure here changes nothing. */
  saved?(session: CoworkSession): Promise<void>;
  /** Tell the conversation the Case could not be updated (a permanent error). */
  failed(session: CoworkSession): Promise<void>;
}

export interface CoworkServiceDeps {
  caseStore: CaseStore;
  eventBus: EventBus;
  repository: SessionRepository;
  deadlines: DeadlineQueue;
  inflight: InFlightIndex;
  /** Identifies this process in effect leases (several instances share the storage). */
  instanceId: string;
  /** How long an instance's claim on an answered session's effects holds before another may take over. */
  effectsLeaseMs: number;
  /**
   * Longest a thank-you send may take before it is abandoned (the effects bound it). Another
   * instance takes over only after the lease plus this, so it never starts while a send that
   * began inside the lease may still be accepted by the channel. Default 0.
   */
  effectsSendTimeoutMs?: number;
  forms: readonly FormSpec[];
  effects: SessionEffects;
  log: Log;
  sessionTtlMs: number;
  eventTimeoutMs: number;
  /**
   * Clock difference allowed between the org (an event's CreatedDate) and this bot (a session's
   * start) until `orgClock` has measured it. Default 5 s.
   */
  eventClockSkewMs?: number;
  /** The org's clock as measured from this bot's (salesforce/orgClock.ts); none: the allowance above always. */
  orgClock?: OrgClock;
  /** Signs the form tokens' Case binding (per-deployment key); default: a random key of this process. */
  formTokens?: FormTokenSigner;
  now?: () => number;
  /** Forms started per minute, per conversation and per Case (COWORK_FORM_STARTS_PER_MINUTE, COWORK_CASE_FORM_STARTS_PER_MINUTE). */
  startLimits?: { perConversation: number; perCase: number };
  /** Progress for the agent's side (`Cowork_Status__e`); none when status events are off. */
  status?: StatusPublisher;
}

export const DEFAULT_START_LIMITS = { perConversation: 5, perCase: 10 } as const;

/** What the shared steps use: the forms, the bus, the sessions, the effects, the clock and the status report. */
export type CoworkContextDeps = Pick<
  CoworkServiceDeps,
  'forms' | 'formTokens' | 'now' | 'eventBus' | 'repository' | 'effects' | 'log' | 'orgClock' | 'eventClockSkewMs' | 'status'
>;

/** The steps more than one part of the flow takes; each part gets its own ports besides (no shared bag). */
export class CoworkContext {
  readonly forms: ReadonlyMap<string, FormSpec>;
  readonly formsByTopic = new Map<string, FormSpec[]>();
  readonly now: () => number;
  readonly formTokens: FormTokenSigner;

  constructor(private readonly deps: CoworkContextDeps) {
    this.forms = new Map(deps.forms.map((f) => [f.id, f]));
    this.formTokens = deps.formTokens ?? new FormTokenSigner(randomBytes(32));
    for (const form of deps.forms) this.formsByTopic.set(form.topic, [...(this.formsByTopic.get(form.topic) ?? []), form]);
    this.now = deps.now ?? Date.now;
  }

  /**
   * Tells the agent's side (`Cowork_Status__e`) about a session, or about a Case without one.
   * Never throws and never waits: the customer's flow does not depend on the agent's panel.
   */
  reportStatus(status: CoworkStatus): void {
    if (!this.deps.status) return;
    try {
      this.deps.status.publish(status);
    } catch (err) {
      this.deps.log.warn({ err, caseId: status.caseId, state: status.state }, 'co-work status not published');
    }
  }

  report(session: CoworkSession, state: CoworkStatus['state'], answer: string | null, detail: string | null): void {
    this.reportStatus({ caseId: session.caseId, sessionKey: session.key, state, answer, detail });
  }

  labelsOf(session: CoworkSession, answers: Answers): string | null {
    const form = this.forms.get(session.formId);
    if (!form) return null;
    const labels = Object.values(answerLabels(form, session.choices, answers));
    return labels.length > 0 ? labels.join(', ') : null;
  }

  async publish(session: CoworkSession, options: PublishOptions = {}): Promise<boolean> {
    const form = this.requireForm(session.formId);
    const fields = {
      ...eventFieldsFor(form, session.submitted ?? {}),
      [form.correlationField]: session.caseId,
      [form.sessionKeyField]: session.key,
    };
    try {
      const result = await this.deps.eventBus.publish(form.topic, fields, options);
      this.deps.log.debug({ sessionKey: session.key, eventUuid: result.eventUuid, via: result.via }, 'answer published');
      return true;
    } catch (err) {
      // The answer is stored and the session is in flight: the sweep publishes it again. A publish
      // that failed does not count as an attempt (an outage must not use them up).
      this.deps.log.error({ err, sessionKey: session.key }, 'publishing the answer failed; it is kept and will be published again');
      await this.deps.repository.update(session.key, (s) =>
        s.state === 'submitted' && s.publishAttempts === session.publishAttempts ? { ...s, publishAttempts: Math.max(0, s.publishAttempts - 1) } : undefined,
      );
      return false;
    }
  }

  /** Only a form nobody answered expires: a submitted answer is kept until its event comes back. */
  async expire(sessionKey: string, options: { notify: boolean } = { notify: true }): Promise<void> {
    const result = await this.deps.repository.update(sessionKey, (s) => (s.state === 'form_sent' ? { ...s, state: 'expired' } : undefined));
    if (!result.changed || !result.session) return;
    this.deps.log.info({ sessionKey, caseId: result.session.caseId }, 'co-work session expired');
    this.report(result.session, 'expired', null, 'The form expired without an answer; nothing was changed.');
    if (options.notify) await this.deps.effects.expired(result.session);
  }

  /** When the org created `event`, in this bot's clock, with its margin (see eventAge.ts). */
  eventTime(event: PlatformEvent): LocalEventTime | undefined {
    return eventCreatedLocally(event, this.deps.orgClock, this.deps.eventClockSkewMs ?? DEFAULT_EVENT_CLOCK_SKEW_MS);
  }

  pastExpiry(session: CoworkSession): boolean {
    return this.now() >= Date.parse(session.expiresAt);
  }

  requireForm(formId: string): FormSpec {
    return requireForm((id) => this.forms.get(id), formId);
  }
}
