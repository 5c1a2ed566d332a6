/**
 * The co-work use cases, independent of any chat SDK and of Salesforce's wire formats:
 * start a session, accept a customer's submit, react to the event, run deadlines.
 *
 * Side effects towards the chat (thank-you, expiry notice) go through `SessionEffects`,
 * implemented by the conversation layer with proactive turns.
 */
import { randomBytes } from 'node:crypto';
import { FormTokenSigner } from './formToken';
import {
  answerLabels,
  answersFromEvent,
  caseFieldsFor,
  eventFieldsFor,
  picklistFieldsOf,
  resolveChoices,
  validateAnswers,
  type AnswerProblem,
  type FormSpec,
  type ResolvedChoices,
} from './formSpec';
import type { Log } from './log';
import { InvalidInputError, PermanentCaseError, type CaseStore, type CoworkStatus, type EventBus, type PicklistValue, type PlatformEvent, type PublishOptions, type StatusPublisher } from './ports';
import { KEY_PREFIX, normalizeId } from './salesforceId';
import { isPending, newSession, type Answers, type CoworkSession, type Owner } from './session';
import type { SessionRepository } from './sessionRepository';
import type { DeadlineQueue } from './deadlines';
import type { InFlightIndex } from './inflight';
import { DEFAULT_EVENT_CLOCK_SKEW_MS, eventCreatedAt, startedBeforeEvent } from './eventAge';
import type { CaseLinks } from './links';

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
  /** Tell the conversation the Case could not be updated (a permanent error). */
  failed(session: CoworkSession): Promise<void>;
}

export interface StartRequest {
  caseRef: string;
  form: FormSpec;
  conversationId: string;
  conversationReference: Readonly<Record<string, unknown>>;
  userId: string;
  /** What the `form_sent` status tells the agent, when there is more to say than the default. */
  statusDetail?: string;
}

export type StartOutcome =
  | { kind: 'started'; session: CoworkSession; choices: ResolvedChoices }
  | { kind: 'invalid_case_ref'; message: string }
  | { kind: 'case_not_found' }
  | { kind: 'case_closed'; caseNumber: string };

export type SubmitOutcome =
  | { kind: 'accepted'; session: CoworkSession; published: boolean }
  | { kind: 'already_received'; session: CoworkSession }
  | { kind: 'stale_form' }
  | { kind: 'invalid'; problems: AnswerProblem[] };

export type AgentAnswerOutcome =
  | { kind: 'published'; session: CoworkSession; eventUuid: string }
  | { kind: 'no_session' }
  | { kind: 'not_pending'; session: CoworkSession }
  | { kind: 'invalid'; problems: AnswerProblem[] }
  | { kind: 'publish_failed'; message: string };

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
  /** Clock difference allowed between the org (an event's CreatedDate) and this bot (a session's start). Default 5 s. */
  eventClockSkewMs?: number;
  /** Signs the form tokens' Case binding (per-deployment key); default: a random key of this process. */
  formTokens?: FormTokenSigner;
  now?: () => number;
  /** Progress for the agent's side (`Cowork_Status__e`); none when status events are off. */
  status?: StatusPublisher;
  /** Case → its recent conversations, for the agent's requests from the Case; written when a session starts. */
  links?: CaseLinks;
}

const MAX_PUBLISH_ATTEMPTS = 3;
/** Session keys are 16 random bytes in hex (see `start`); anything else on an event names no session. */
const SESSION_KEY = /^[0-9a-f]{32}$/;

export class CoworkService {
  private readonly forms: ReadonlyMap<string, FormSpec>;
  private readonly formsByTopic = new Map<string, FormSpec[]>();
  private readonly now: () => number;
  /** Sessions whose effects this process is performing right now: the sweep leaves them alone. */
  private readonly completing = new Set<string>();
  private readonly formTokens: FormTokenSigner;

  constructor(private readonly deps: CoworkServiceDeps) {
    this.forms = new Map(deps.forms.map((f) => [f.id, f]));
    this.formTokens = deps.formTokens ?? new FormTokenSigner(randomBytes(32));
    for (const form of deps.forms) this.formsByTopic.set(form.topic, [...(this.formsByTopic.get(form.topic) ?? []), form]);
    this.now = deps.now ?? Date.now;
  }

  /** Topics the process must subscribe to (one stream each). */
  get topics(): string[] {
    return [...this.formsByTopic.keys()];
  }

  form(formId: string): FormSpec | undefined {
    return this.forms.get(formId);
  }

  async get(sessionKey: string): Promise<CoworkSession | undefined> {
    return this.deps.repository.get(sessionKey);
  }

  /**
   * A form token whose session storage no longer has (memory storage and a restart): its signed
   * binding, when it was minted here for this conversation within the session lifetime and names a
   * known form; undefined otherwise (the session exists, or the token is not ours).
   */
  async lostForm(formToken: unknown, conversationId: string): Promise<{ caseId: string; formId: string } | undefined> {
    const binding = this.formTokens.verify(formToken, conversationId);
    if (!binding || !this.forms.has(binding.formId)) return undefined;
    if (this.now() - binding.issuedAt > this.deps.sessionTtlMs) return undefined;
    if (await this.deps.repository.get(binding.sessionKey)) return undefined;
    return { caseId: binding.caseId, formId: binding.formId };
  }

  /** Loads the Case and its chat, stores a new session and registers it for routing. */
  async start(request: StartRequest): Promise<StartOutcome> {
    const { form } = request;
    let caseRecord;
    try {
      caseRecord = await this.deps.caseStore.findCase(request.caseRef, form.inputs.map((i) => i.caseField));
    } catch (err) {
      if (err instanceof InvalidInputError) return { kind: 'invalid_case_ref', message: err.message };
      throw err;
    }
    if (!caseRecord) return { kind: 'case_not_found' };
    if (caseRecord.isClosed) return { kind: 'case_closed', caseNumber: caseRecord.caseNumber };

    // The store may have read the chat session with the Case (one request): ask only when it did not.
    const chatLookup = caseRecord.chatSession !== undefined ? Promise.resolve(caseRecord.chatSession) : this.deps.caseStore.findChatSession(caseRecord.id);
    const [chatSession, choices] = await Promise.all([chatLookup, this.loadChoices(form)]);
    const now = this.now();
    const key = randomToken(16);
    const session = newSession(
      {
        key,
        caseId: caseRecord.id,
        caseNumber: caseRecord.caseNumber,
        chatSession: chatSession ?? null,
        formId: form.id,
        formToken: this.formTokens.mint({ sessionKey: key, caseId: caseRecord.id, formId: form.id, conversationId: request.conversationId, issuedAt: now }),
        conversationId: request.conversationId,
        conversationReference: request.conversationReference,
        userId: request.userId,
        choices,
      },
      now,
      this.deps.sessionTtlMs,
    );
    await this.deps.repository.create(session);
    await this.deps.links?.link(session.caseId, { conversationId: session.conversationId, conversationReference: session.conversationReference, userId: session.userId });
    await this.deps.deadlines.schedule(now + this.deps.sessionTtlMs, { sessionKey: session.key, kind: 'expire' });
    this.deps.log.info({ sessionKey: session.key, caseId: session.caseId, chat: chatSession?.objectType ?? 'none' }, 'co-work session started');
    this.report(session, 'form_sent', null, request.statusDetail ?? "The form was sent to the customer's chat.");
    return { kind: 'started', session, choices };
  }

  /**
   * A customer's answer for the session `sessionKey`. The token must be the session's own form
   * token and the session must belong to this conversation; the Case Id and session key come
   * from storage, never from the payload. Stores the answer (state `submitted`), then publishes.
   */
  async submit(request: {
    sessionKey: string;
    /** The session as the caller just read it, if it did (its token and conversation never change; the write re-checks its state). */
    session?: CoworkSession;
    formToken: unknown;
    conversationId: string;
    raw: Readonly<Record<string, unknown>>;
  }): Promise<SubmitOutcome> {
    const session = request.session?.key === request.sessionKey ? request.session : await this.deps.repository.get(request.sessionKey);
    if (!session || session.conversationId !== request.conversationId || !tokenMatches(session.formToken, request.formToken)) {
      return { kind: 'stale_form' };
    }
    if (session.state !== 'form_sent') {
      return session.state === 'expired' ? { kind: 'stale_form' } : { kind: 'already_received', session };
    }
    if (this.pastExpiry(session)) {
      // Its reminder was lost (e.g. a restart): expire it now and refuse the late answer. No
      // separate notice: this turn's reply says it, and a proactive turn here would wait on itself.
      await this.expire(session.key, { notify: false });
      return { kind: 'stale_form' };
    }
    const form = this.requireForm(session.formId);
    const validation = validateAnswers(form, session.choices, request.raw);
    if (!validation.ok) return { kind: 'invalid', problems: validation.problems };

    // Listed as in flight first: if this process dies after storing the answer, another finds it.
    await this.deps.inflight.add(session.key);
    const now = new Date(this.now()).toISOString();
    const stored = await this.deps.repository.update(session.key, (current) =>
      current.state === 'form_sent'
        ? { ...current, state: 'submitted', submitted: validation.answers, submittedAt: now, publishAttempts: 1, lastPublishedAt: now }
        : undefined,
    );
    if (!stored.changed || !stored.session) {
      return stored.session && stored.session.state !== 'expired' ? { kind: 'already_received', session: stored.session } : { kind: 'stale_form' };
    }
    this.report(stored.session, 'submitted', this.labelsOf(stored.session, validation.answers), 'The customer submitted the form.');
    const published = await this.publish(stored.session);
    return { kind: 'accepted', session: stored.session, published };
  }

  /**
   * Routes one event to the session(s) it answers and performs their effects exactly once:
   * the session key when the event has one, else every pending session of its Case.
   */
  async handleEvent(event: PlatformEvent): Promise<void> {
    for (const form of this.formsByTopic.get(event.topic) ?? []) {
      const caseId = typeof event.payload[form.correlationField] === 'string' ? normalizeId(event.payload[form.correlationField] as string) : undefined;
      if (!caseId || !caseId.startsWith(KEY_PREFIX.Case)) {
        this.deps.log.warn({ eventId: event.id, topic: event.topic }, 'event ignored: no valid Case Id in its correlation field');
        continue;
      }
      const sessionKey = event.payload[form.sessionKeyField];
      const hasSessionKey = typeof sessionKey === 'string' && sessionKey !== '';
      if (hasSessionKey && !SESSION_KEY.test(sessionKey)) {
        this.deps.log.warn({ eventId: event.id, caseId }, 'event ignored: its session key is not one this bot issues');
        continue;
      }
      const targets = hasSessionKey ? await this.deps.repository.getMany([sessionKey]) : await this.deps.repository.pendingForCase(caseId);
      let mine = targets.filter((s) => s.formId === form.id && s.caseId === caseId);
      if (!hasSessionKey) mine = this.startedBefore(event, mine);
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
            this.deps.log.error({ err: err.cause, eventId: event.id, sessionKey: session.key }, 'finishing an answered session failed; the in-flight sweep will finish it');
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
    const skewMs = this.deps.eventClockSkewMs ?? DEFAULT_EVENT_CLOCK_SKEW_MS;
    const fresh = sessions.filter((s) => startedBeforeEvent(s, createdAt, skewMs));
    if (fresh.length < sessions.length) {
      const createdDate = createdAt === undefined ? 'unknown' : new Date(createdAt).toISOString();
      this.deps.log.info({ eventId: event.id, createdDate, sessionKeys: sessions.filter((s) => !fresh.includes(s)).map((s) => s.key) }, 'event ignored for sessions started after it was created');
    }
    return fresh;
  }

  /**
   * A human agent answers on the customer's behalf: the event is published with the Case Id
   * only (the original pattern of an agent's flow), so it reaches every waiting session of the
   * Case and completes them the same way a customer's answer does. The session state changes
   * when the event comes back, not here.
   */
  async publishAgentAnswer(request: { sessionKey: string; raw: Readonly<Record<string, unknown>> }): Promise<AgentAnswerOutcome> {
    const session = await this.deps.repository.get(request.sessionKey);
    if (!session) return { kind: 'no_session' };
    if (!isPending(session.state)) return { kind: 'not_pending', session };
    const form = this.requireForm(session.formId);
    const validation = validateAnswers(form, session.choices, request.raw);
    if (!validation.ok) return { kind: 'invalid', problems: validation.problems };
    try {
      const result = await this.deps.eventBus.publish(form.topic, { ...eventFieldsFor(form, validation.answers), [form.correlationField]: session.caseId });
      this.deps.log.info({ sessionKey: session.key, caseId: session.caseId, eventUuid: result.eventUuid }, "agent's answer published for the Case");
      return { kind: 'published', session, eventUuid: result.eventUuid };
    } catch (err) {
      this.deps.log.error({ err, sessionKey: session.key }, "publishing the agent's answer failed");
      return { kind: 'publish_failed', message: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Sessions of a Case still waiting for their answer. */
  async pendingForCase(caseId: string): Promise<CoworkSession[]> {
    return this.deps.repository.pendingForCase(caseId);
  }

  /**
   * A session whose form never reached the customer (their chat could not be reached): it fails
   * at once instead of blocking the Case until it expires, and the agent is told why.
   */
  async abandon(sessionKey: string, reason: string): Promise<void> {
    const result = await this.deps.repository.update(sessionKey, (s) => (s.state === 'form_sent' ? { ...s, state: 'failed', failure: reason } : undefined));
    if (!result.changed || !result.session) return;
    this.deps.log.warn({ sessionKey, caseId: result.session.caseId, reason }, 'co-work session abandoned: the form did not reach the customer');
    this.report(result.session, 'failed', null, reason);
  }

  /** Records who owns the session's conversation (the bot, or a human after a handoff). */
  async setOwner(sessionKey: string, owner: Owner): Promise<void> {
    const result = await this.deps.repository.update(sessionKey, (s) => (s.owner.kind === owner.kind && (s.owner.kind === 'bot' || (owner.kind === 'human' && s.owner.agentId === owner.agentId)) ? undefined : { ...s, owner }));
    if (result.changed && result.session && owner.kind === 'human' && isPending(result.session.state)) {
      this.report(result.session, 'person_requested', null, 'The customer asked for a person. You can answer the form for them from the panel.');
    }
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

  private report(session: CoworkSession, state: CoworkStatus['state'], answer: string | null, detail: string | null): void {
    this.reportStatus({ caseId: session.caseId, sessionKey: session.key, state, answer, detail });
  }

  private labelsOf(session: CoworkSession, answers: Answers): string | null {
    const form = this.forms.get(session.formId);
    if (!form) return null;
    const labels = Object.values(answerLabels(form, session.choices, answers));
    return labels.length > 0 ? labels.join(', ') : null;
  }

  /** Runs the deadlines that are due: expire sessions that waited too long. */
  async runDueDeadlines(): Promise<number> {
    const due = await this.deps.deadlines.takeDue(this.now());
    for (const deadline of due) {
      try {
        await this.expire(deadline.sessionKey);
      } catch (err) {
        this.deps.log.error({ err, sessionKey: deadline.sessionKey, kind: deadline.kind }, 'deadline failed; will retry');
        await this.deps.deadlines.schedule(this.now() + this.deps.eventTimeoutMs, deadline);
      }
    }
    return due.length;
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
    if (session.state === 'form_sent' && this.pastExpiry(session)) {
      // Too late: the form expired (its reminder was lost). An answer now would thank a conversation long gone.
      this.deps.log.info({ eventId: event.id, sessionKey: session.key }, 'event ignored: the session had expired');
      await this.expire(session.key);
      return;
    }
    // A submitted session was listed in flight by its submit and stays listed while pending: no second read.
    if (session.state !== 'submitted') await this.deps.inflight.add(session.key);
    const leaseUntil = new Date(this.now() + this.deps.effectsLeaseMs).toISOString();
    const claimed = await this.deps.repository.update(session.key, (current) =>
      isPending(current.state)
        ? { ...current, state: 'answered', answers: validation.answers, answeredByEventId: event.id, effectsOwner: this.deps.instanceId, effectsLeaseUntil: leaseUntil }
        : undefined,
    );
    if (!claimed.changed || !claimed.session) {
      this.deps.log.debug({ eventId: event.id, sessionKey: session.key, state: claimed.session?.state }, 'event already handled for this session');
      return;
    }
    this.deps.log.info({ eventId: event.id, sessionKey: session.key, caseId: session.caseId }, 'event answered the session');
    this.report(claimed.session, 'answered', this.labelsOf(claimed.session, validation.answers), event.payload[form.sessionKeyField] ? 'The answer came back from Salesforce.' : 'Answered for the Case (an agent or a flow).');
    try {
      // Just claimed: no earlier attempt can have updated the Case for this session. Only when the
      // event answers several sessions of the Case is it read first (one write, not one per session).
      await this.completeAnswered(claimed.session, { readCaseFirst: !onlySessionAnswered });
    } catch (err) {
      throw new ClaimedError(err);
    }
  }

  /**
   * Effects of an answered session, in order: tell the conversation, then update the Case. Each is
   * recorded once. `readCaseFirst: false` only for a session this call just claimed and that no other
   * session shares an answer with (the Case is then written without reading it first).
   */
  async completeAnswered(session: CoworkSession, { readCaseFirst }: { readCaseFirst: boolean } = { readCaseFirst: true }): Promise<void> {
    if (this.completing.has(session.key)) return;
    this.completing.add(session.key);
    try {
      await this.runEffects(session, readCaseFirst);
    } finally {
      this.completing.delete(session.key);
    }
  }

  private async runEffects(session: CoworkSession, readCaseFirst: boolean): Promise<void> {
    const form = this.requireForm(session.formId);
    const answers: Answers = session.answers ?? {};
    let current = session;
    if (!current.thankedAt) {
      // Waiting for the conversation (a slow customer turn) may eat into the lease: it is renewed
      // once the conversation is ours, and the thank-you is not sent if another instance took over.
      const stillOurs = async (): Promise<boolean> => {
        const renewed = await this.renewLease(current);
        if (renewed) current = renewed;
        return renewed !== undefined;
      };
      if (!(await this.deps.effects.answered(current, answerLabels(form, current.choices, answers), stillOurs))) return;
      // From the channel accepting the thank-you until this write, a crash makes the taker-over thank again.
      const acceptedAt = performance.now();
      const marked = await this.deps.repository.update(current.key, (s) => (s.thankedAt ? undefined : { ...s, thankedAt: new Date(this.now()).toISOString() }));
      current = marked.session ?? current;
      this.deps.log.debug({ sessionKey: current.key, duplicateWindowMs: Math.round((performance.now() - acceptedAt) * 10) / 10 }, 'thank-you recorded');
    }
    try {
      await this.deps.caseStore.updateCase(current.caseId, caseFieldsFor(form, answers), { readFirst: readCaseFirst });
    } catch (err) {
      if (!(err instanceof PermanentCaseError)) throw err;
      this.deps.log.error({ sessionKey: current.key, caseId: current.caseId, errorCode: err.errorCode, error: err.message }, 'Case update refused');
      const failed = await this.deps.repository.update(current.key, (s) => (s.state === 'answered' ? { ...s, state: 'failed', failure: `${err.errorCode}: ${err.message}` } : undefined));
      if (failed.changed && failed.session) {
        this.report(failed.session, 'failed', this.labelsOf(failed.session, answers), `The Case could not be updated: ${err.errorCode}: ${err.message}`);
        await this.deps.effects.failed(failed.session);
      }
      await this.deps.inflight.remove(current.key);
      return;
    }
    const done = await this.deps.repository.update(current.key, (s) =>
      s.state === 'answered' ? { ...s, state: 'done', caseUpdatedAt: new Date(this.now()).toISOString(), effectsLeaseUntil: null } : undefined,
    );
    if (done.changed && done.session) this.report(done.session, 'saved', this.labelsOf(done.session, answers), 'The answer is saved on the Case.');
    await this.deps.inflight.remove(current.key);
    this.deps.log.info({ sessionKey: current.key, caseId: current.caseId }, 'co-work session done');
  }

  private async publish(session: CoworkSession, options: PublishOptions = {}): Promise<boolean> {
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

  /**
   * Finishes what an instance started and did not finish, wherever it ran: answers whose event
   * did not come back in time are published again (a few times), answered sessions whose effects
   * lease expired (their instance died) are completed. Every step is a guarded transition, so
   * instances sweeping at once do each thing once.
   */
  async recoverInFlight(): Promise<void> {
    const keys = await this.deps.inflight.all();
    if (keys.length === 0) return;
    const sessions = new Map((await this.deps.repository.getMany(keys)).map((s) => [s.key, s]));
    const now = this.now();
    for (const key of keys) {
      const session = sessions.get(key);
      try {
        if (!session || (session.state !== 'form_sent' && session.state !== 'submitted' && session.state !== 'answered')) {
          // Only a finished (or vanished) session leaves the index here: one still form_sent may be
          // between its listing and its submitted write (submit lists it first), and stays listed
          // until it is submitted or expires.
          await this.deps.inflight.remove(key);
        } else if (session.state === 'submitted') {
          await this.republishIfDue(session, now);
        } else if (session.state === 'answered' && !this.completing.has(key) && (!session.effectsLeaseUntil || Date.parse(session.effectsLeaseUntil) + (this.deps.effectsSendTimeoutMs ?? 0) <= now)) {
          await this.takeOverEffects(session, now);
        }
      } catch (err) {
        this.deps.log.error({ err, sessionKey: key }, 'recovering an in-flight session failed; will retry');
      }
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
      s.state === 'submitted' && s.publishAttempts === session.publishAttempts ? { ...s, publishAttempts: s.publishAttempts + 1, lastPublishedAt: stamped } : undefined,
    );
    if (!bumped.changed || !bumped.session) return;
    // Second attempt over the Pub/Sub API again, the last one over REST.
    const over = bumped.session.publishAttempts >= MAX_PUBLISH_ATTEMPTS ? 'rest' : undefined;
    this.deps.log.warn({ sessionKey: session.key, attempts: bumped.session.publishAttempts, over: over ?? 'pubsub' }, 'the answer event did not come back in time; publishing again');
    await this.publish(bumped.session, over ? { over } : {});
  }

  /** Extends this instance's lease when less than half of it is left; `undefined` when it is no longer ours. */
  private async renewLease(session: CoworkSession): Promise<CoworkSession | undefined> {
    const now = this.now();
    const until = session.effectsLeaseUntil ? Date.parse(session.effectsLeaseUntil) : 0;
    if (session.effectsOwner === this.deps.instanceId && until - now > this.deps.effectsLeaseMs / 2) return session;
    const leaseUntil = new Date(now + this.deps.effectsLeaseMs).toISOString();
    const renewed = await this.deps.repository.update(session.key, (s) =>
      s.state === 'answered' && s.effectsOwner === session.effectsOwner && s.effectsLeaseUntil === session.effectsLeaseUntil
        ? { ...s, effectsOwner: this.deps.instanceId, effectsLeaseUntil: leaseUntil }
        : undefined,
    );
    if (renewed.changed) return renewed.session;
    this.deps.log.warn({ sessionKey: session.key, owner: renewed.session?.effectsOwner, state: renewed.session?.state }, 'another instance took over this session; standing down');
    return undefined;
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
    this.deps.log.error({ sessionKey: session.key, attempts: session.publishAttempts }, 'the answer event never came back; completing the session from the stored answer');
    this.report(claimed.session, 'answered', this.labelsOf(claimed.session, claimed.session.answers ?? {}), 'The answer event never came back; the stored answer is used.');
    await this.completeAnswered(claimed.session);
  }

  private async takeOverEffects(session: CoworkSession, now: number): Promise<void> {
    const leaseUntil = new Date(now + this.deps.effectsLeaseMs).toISOString();
    const taken = await this.deps.repository.update(session.key, (s) =>
      s.state === 'answered' && s.effectsLeaseUntil === session.effectsLeaseUntil ? { ...s, effectsOwner: this.deps.instanceId, effectsLeaseUntil: leaseUntil } : undefined,
    );
    if (!taken.changed || !taken.session) return;
    this.deps.log.warn({ sessionKey: session.key, previousOwner: session.effectsOwner }, 'finishing a session whose instance did not');
    await this.completeAnswered(taken.session);
  }

  /** Only a form nobody answered expires: a submitted answer is kept until its event comes back. */
  private async expire(sessionKey: string, options: { notify: boolean } = { notify: true }): Promise<void> {
    const result = await this.deps.repository.update(sessionKey, (s) => (s.state === 'form_sent' ? { ...s, state: 'expired' } : undefined));
    if (!result.changed || !result.session) return;
    this.deps.log.info({ sessionKey, caseId: result.session.caseId }, 'co-work session expired');
    this.report(result.session, 'expired', null, 'The form expired without an answer; nothing was changed.');
    if (options.notify) await this.deps.effects.expired(result.session);
  }

  private pastExpiry(session: CoworkSession): boolean {
    return this.now() >= Date.parse(session.expiresAt);
  }

  private async loadChoices(form: FormSpec): Promise<ResolvedChoices> {
    const fields = picklistFieldsOf(form);
    const values = await Promise.all(fields.map((f) => this.deps.caseStore.picklistValues(f)));
    const picklists: Record<string, readonly PicklistValue[]> = {};
    fields.forEach((f, i) => (picklists[f] = values[i] ?? []));
    return resolveChoices(form, picklists);
  }

  private requireForm(formId: string): FormSpec {
    const form = this.forms.get(formId);
    if (!form) throw new Error(`session refers to unknown form "${formId}"`);
    return form;
  }
}

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function tokenMatches(expected: string, given: unknown): boolean {
  return typeof given === 'string' && given.length === expected.length && given === expected;
}

/** A failure after the session was claimed: the in-flight sweep will finish it, the event need not come again. */
class ClaimedError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}
