/**
 * The co-work use cases: start a session (superseding the Case's older forms), accept a customer's
 * submit, publish an agent's answer, record the conversation's owner, abandon an undelivered form.
 */
import { errorMessage } from '../../util/errors';
import { eventFieldsFor, picklistFieldsOf, resolveChoices, validateAnswers, type AnswerProblem, type FormSpec, type ResolvedChoices } from '../domain/formSpec';
import { InvalidInputError, type PicklistValue } from '../ports';
import { isPending, newSession, type CoworkSession, type Owner } from '../domain/session';
import { newSessionKey } from '../../util/sessionKey';
import { DEFAULT_START_LIMITS, type CoworkContext, type CoworkServiceDeps } from './coworkContext';
import { SlidingWindowLimiter } from '../../util/rateWindow';

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
  /** `replacedHere`: how many older forms of this conversation the new one replaced. */
  | { kind: 'started'; session: CoworkSession; choices: ResolvedChoices; replacedHere: number }
  | { kind: 'invalid_case_ref'; message: string }
  | { kind: 'case_not_found' }
  | { kind: 'case_closed'; caseNumber: string }
  /** Too many forms started in the last minute for this conversation or this Case: nothing started. */
  | { kind: 'rate_limited'; scope: 'conversation' | 'case'; retryAfterSeconds: number };

export type SubmitOutcome =
  | { kind: 'accepted'; session: CoworkSession; published: boolean }
  | { kind: 'already_received'; session: CoworkSession }
  | { kind: 'stale_form'; superseded?: true }
  | { kind: 'invalid'; problems: AnswerProblem[] };

export type AgentAnswerOutcome =
  | { kind: 'published'; session: CoworkSession; eventUuid: string }
  | { kind: 'no_session' }
  | { kind: 'not_pending'; session: CoworkSession }
  | { kind: 'invalid'; problems: AnswerProblem[] }
  | { kind: 'publish_failed'; message: string };

/** The window of the form start limits (COWORK_FORM_STARTS_PER_MINUTE, COWORK_CASE_FORM_STARTS_PER_MINUTE). */
const START_WINDOW_MS = 60_000;

/** The ports and settings SessionUseCases uses, and nothing else. */
export type SessionUseCasesDeps = Pick<
  CoworkServiceDeps,
  'caseStore' | 'deadlines' | 'effects' | 'effectsLeaseMs' | 'eventBus' | 'eventTimeoutMs' | 'inflight' | 'log' | 'repository' | 'sessionTtlMs' | 'startLimits'
>;

export class SessionUseCases {
  /** Form starts per conversation and per Case (in this process): one caller cannot start forms without end. */
  private readonly startsPerConversation: SlidingWindowLimiter;
  private readonly startsPerCase: SlidingWindowLimiter;

  constructor(
    private readonly steps: CoworkContext,
    private readonly deps: SessionUseCasesDeps,
  ) {
    const limits = deps.startLimits ?? DEFAULT_START_LIMITS;
    this.startsPerConversation = new SlidingWindowLimiter(limits.perConversation, START_WINDOW_MS, () => steps.now());
    this.startsPerCase = new SlidingWindowLimiter(limits.perCase, START_WINDOW_MS, () => steps.now());
  }

  private rateLimited(scope: 'conversation' | 'case', key: string, retryAfterMs: number): StartOutcome {
    this.deps.log.warn({ scope, key, retryAfterMs }, 'form start refused: too many in the last minute');
    return { kind: 'rate_limited', scope, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
  }

  /**
   * A form token whose session storage no longer has (memory storage and a restart): its signed
   * binding, when it was minted here for this conversation within the session lifetime and names a
   * known form; undefined otherwise (the session exists, or the token is not ours).
   */
  async lostForm(formToken: unknown, conversationId: string): Promise<{ caseId: string; formId: string } | undefined> {
    const binding = this.steps.formTokens.verify(formToken, conversationId);
    if (!binding || !this.steps.forms.has(binding.formId)) return undefined;
    if (this.steps.now() - binding.issuedAt > this.deps.sessionTtlMs) return undefined;
    if (await this.deps.repository.get(binding.sessionKey)) return undefined;
    return { caseId: binding.caseId, formId: binding.formId };
  }

  /** Loads the Case and its chat, stores a new session and registers it for routing. */
  async start(request: StartRequest): Promise<StartOutcome> {
    const { form } = request;
    // Counted before the Case is read: a replayed start costs no Salesforce request.
    const byConversation = this.startsPerConversation.take(request.conversationId);
    if (!byConversation.ok) return this.rateLimited('conversation', request.conversationId, byConversation.retryAfterMs);
    let caseRecord;
    try {
      caseRecord = await this.deps.caseStore.findCase(
        request.caseRef,
        form.inputs.map((i) => i.caseField),
      );
    } catch (err) {
      if (err instanceof InvalidInputError) return { kind: 'invalid_case_ref', message: err.message };
      throw err;
    }
    if (!caseRecord) return { kind: 'case_not_found' };
    if (caseRecord.isClosed) return { kind: 'case_closed', caseNumber: caseRecord.caseNumber };
    const byCase = this.startsPerCase.take(caseRecord.id);
    if (!byCase.ok) return this.rateLimited('case', caseRecord.id, byCase.retryAfterMs);

    // The store may have read the chat session with the Case (one request): ask only when it did not.
    const chatLookup = caseRecord.chatSession !== undefined ? Promise.resolve(caseRecord.chatSession) : this.deps.caseStore.findChatSession(caseRecord.id);
    const [chatSession, choices] = await Promise.all([chatLookup, this.loadChoices(form)]);
    const now = this.steps.now();
    // Names its Case: the store keeps the session beside the Case's document (one transaction at start and claim).
    const key = newSessionKey(caseRecord.id);
    const session = newSession(
      {
        key,
        caseId: caseRecord.id,
        caseNumber: caseRecord.caseNumber,
        chatSession: chatSession ?? null,
        formId: form.id,
        formToken: this.steps.formTokens.mint({
          sessionKey: key,
          caseId: caseRecord.id,
          formId: form.id,
          conversationId: request.conversationId,
          issuedAt: now,
        }),
        conversationId: request.conversationId,
        conversationReference: request.conversationReference,
        userId: request.userId,
        choices,
      },
      now,
      this.deps.sessionTtlMs,
    );
    // Listed under its Case and linked to the Case as its newest conversation (for an agent's request) in one write.
    const othersOfCase = await this.deps.repository.create(session);
    await this.deps.deadlines.schedule(now + this.deps.sessionTtlMs, { sessionKey: session.key, kind: 'expire' });
    this.deps.log.info({ sessionKey: session.key, caseId: session.caseId, chat: chatSession?.objectType ?? 'none' }, 'co-work session started');
    const replacedHere = await this.supersedeOlderForms(session, othersOfCase);
    this.steps.report(session, 'form_sent', null, request.statusDetail ?? "The form was sent to the customer's chat.");
    return { kind: 'started', session, choices, replacedHere };
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
      if (session.state === 'expired') return session.supersededBy ? { kind: 'stale_form', superseded: true } : { kind: 'stale_form' };
      return { kind: 'already_received', session };
    }
    if (this.steps.pastExpiry(session)) {
      // Its reminder was lost (e.g. a restart): expire it now and refuse the late answer. No
      // separate notice: this turn's reply says it, and a proactive turn here would wait on itself.
      await this.steps.expire(session.key, { notify: false });
      return { kind: 'stale_form' };
    }
    const form = this.steps.requireForm(session.formId);
    const validation = validateAnswers(form, session.choices, request.raw);
    if (!validation.ok) return { kind: 'invalid', problems: validation.problems };

    // Listed as in flight first: if this process dies after storing the answer, another finds it. Nothing is
    // due for it before its event is late (a republish) or, once claimed, its effects lease ran out (a takeover).
    await this.deps.inflight.add(session.key, { notBefore: this.steps.now() + Math.min(this.deps.eventTimeoutMs, this.deps.effectsLeaseMs) });
    const now = new Date(this.steps.now()).toISOString();
    const stored = await this.deps.repository.update(
      session.key,
      (current) =>
        current.state === 'form_sent'
          ? { ...current, state: 'submitted', submitted: validation.answers, submittedAt: now, publishAttempts: 1, lastPublishedAt: now }
          : undefined,
      { from: session },
    );
    if (!stored.changed || !stored.session) {
      return stored.session && stored.session.state !== 'expired' ? { kind: 'already_received', session: stored.session } : { kind: 'stale_form' };
    }
    this.steps.report(stored.session, 'submitted', this.steps.labelsOf(stored.session, validation.answers), 'The customer submitted the form.');
    const published = await this.steps.publish(stored.session);
    return { kind: 'accepted', session: stored.session, published };
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
    const form = this.steps.requireForm(session.formId);
    const validation = validateAnswers(form, session.choices, request.raw);
    if (!validation.ok) return { kind: 'invalid', problems: validation.problems };
    try {
      const result = await this.deps.eventBus.publish(form.topic, { ...eventFieldsFor(form, validation.answers), [form.correlationField]: session.caseId });
      this.deps.log.info({ sessionKey: session.key, caseId: session.caseId, eventUuid: result.eventUuid }, "agent's answer published for the Case");
      return { kind: 'published', session, eventUuid: result.eventUuid };
    } catch (err) {
      this.deps.log.error({ err, sessionKey: session.key }, "publishing the agent's answer failed");
      return { kind: 'publish_failed', message: errorMessage(err) };
    }
  }

  /**
   * A session whose form never reached the customer (their chat could not be reached): it fails
   * at once instead of blocking the Case until it expires, and the agent is told why.
   */
  async abandon(sessionKey: string, reason: string): Promise<void> {
    const result = await this.deps.repository.update(sessionKey, (s) => (s.state === 'form_sent' ? { ...s, state: 'failed', failure: reason } : undefined));
    if (!result.changed || !result.session) return;
    this.deps.log.warn({ sessionKey, caseId: result.session.caseId, reason }, 'co-work session abandoned: the form did not reach the customer');
    this.steps.report(result.session, 'failed', null, reason);
  }

  /** Records who owns the session's conversation (the bot, or a human after a handoff). */
  async setOwner(sessionKey: string, owner: Owner, options: { reportRequest?: boolean } = {}): Promise<void> {
    const result = await this.deps.repository.update(sessionKey, (s) =>
      s.owner.kind === owner.kind && (s.owner.kind === 'bot' || (owner.kind === 'human' && s.owner.agentId === owner.agentId)) ? undefined : { ...s, owner },
    );
    if (result.changed && result.session && owner.kind === 'human' && isPending(result.session.state) && options.reportRequest !== false) {
      this.steps.report(result.session, 'person_requested', null, 'The customer asked for a person. You can answer the form for them from the panel.');
    }
  }

  /**
   * A new form for a Case replaces the Case's older unanswered forms of the same spec, in every
   * conversation: they expire (`supersededBy`), their cards are refused, and each customer is told
   * once. Customers of other conversations are told in their own proactive turn, not awaited here
   * (this turn holds the starting conversation, and theirs may be starting a form too). Resolves
   * how many of the replaced forms were in the starting conversation (its reply tells that one).
   * `othersOfCase`: the Case's other listed sessions, as the new session's listing found them.
   */
  private async supersedeOlderForms(current: CoworkSession, othersOfCase: readonly string[]): Promise<number> {
    const older = (await this.deps.repository.getMany(othersOfCase)).filter((s) => s.formId === current.formId && s.state === 'form_sent');
    let here = 0;
    for (const session of older) {
      const result = await this.deps.repository.update(
        session.key,
        (s) => (s.state === 'form_sent' ? { ...s, state: 'expired', supersededBy: current.key } : undefined),
        { from: session },
      );
      if (!result.changed || !result.session) continue;
      this.deps.log.info({ sessionKey: session.key, supersededBy: current.key, caseId: current.caseId }, 'co-work session superseded by a newer form');
      this.steps.report(result.session, 'superseded', null, 'A newer form for this Case replaced this one; nothing was changed.');
      if (result.session.conversationId === current.conversationId) {
        here++;
        continue;
      }
      const replaced = result.session;
      void Promise.resolve(this.deps.effects.superseded?.(replaced)).catch((err: unknown) =>
        this.deps.log.error({ err, sessionKey: replaced.key }, 'telling a customer their form was replaced failed'),
      );
    }
    return here;
  }

  private async loadChoices(form: FormSpec): Promise<ResolvedChoices> {
    const fields = picklistFieldsOf(form);
    const values = await Promise.all(fields.map((f) => this.deps.caseStore.picklistValues(f)));
    const picklists: Record<string, readonly PicklistValue[]> = {};
    fields.forEach((f, i) => (picklists[f] = values[i] ?? []));
    return resolveChoices(form, picklists);
  }
}

/** The form token the card carried is the session's own (`===` alone: anything but that same string is refused). */
function tokenMatches(expected: string, given: unknown): boolean {
  return given === expected;
}
