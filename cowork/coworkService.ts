/**
 * The co-work use cases, independent of any chat SDK and of Salesforce's wire formats:
 * start a session, accept a customer's submit, react to the event, run deadlines.
 *
 * A facade over the parts that do each job: the use cases (sessionUseCases.ts), event routing
 * (eventRouting.ts), the effects pipeline that writes the Case (effectsPipeline.ts) and the
 * recovery sweep (recovery.ts), sharing one `CoworkContext`. Side effects towards the chat
 * (thank-you, expiry notice) go through `SessionEffects`, implemented by the conversation layer
 * with proactive turns.
 */
import type { FormSpec } from './domain/formSpec';
import type { CoworkStatus, PlatformEvent } from './ports';
import type { CoworkSession, Owner } from './domain/session';
import type { LocalEventTime } from './domain/eventAge';
import { CoworkContext, type CoworkServiceDeps } from './flow/coworkContext';
import { EffectsPipeline } from './flow/effectsPipeline';
import { EventRouter } from './flow/eventRouting';
import { RecoverySweep, type TimedRun } from './flow/recovery';
import { SessionUseCases, type AgentAnswerOutcome, type StartOutcome, type StartRequest, type SubmitOutcome } from './flow/sessionUseCases';

export type { CoworkServiceDeps, SessionEffects } from './flow/coworkContext';
export type { AgentAnswerOutcome, StartOutcome, StartRequest, SubmitOutcome } from './flow/sessionUseCases';
export { currentForm } from './flow/eventRouting';

export class CoworkService {
  private readonly ctx: CoworkContext;
  private readonly useCases: SessionUseCases;
  private readonly router: EventRouter;
  private readonly pipeline: EffectsPipeline;
  private readonly recovery: RecoverySweep;

  constructor(private readonly deps: CoworkServiceDeps) {
    this.ctx = new CoworkContext(deps);
    this.pipeline = new EffectsPipeline(this.ctx, deps);
    this.useCases = new SessionUseCases(this.ctx, deps);
    this.router = new EventRouter(this.ctx, deps, this.pipeline);
    this.recovery = new RecoverySweep(this.ctx, deps, this.pipeline);
  }

  /** Topics the process must subscribe to (one stream each). */
  get topics(): string[] {
    return [...this.ctx.formsByTopic.keys()];
  }

  /** The correlation fields of the forms answered on `topic` (the field naming an event's Case). */
  correlationFields(topic: string): string[] {
    return [...new Set((this.ctx.formsByTopic.get(topic) ?? []).map((f) => f.correlationField))];
  }

  form(formId: string): FormSpec | undefined {
    return this.ctx.forms.get(formId);
  }

  async get(sessionKey: string): Promise<CoworkSession | undefined> {
    return this.deps.repository.get(sessionKey);
  }

  /** Sessions of a Case still waiting for their answer. */
  async pendingForCase(caseId: string): Promise<CoworkSession[]> {
    return this.deps.repository.pendingForCase(caseId);
  }

  /** See `SessionUseCases.lostForm`. */
  lostForm(formToken: unknown, conversationId: string): Promise<{ caseId: string; formId: string } | undefined> {
    return this.useCases.lostForm(formToken, conversationId);
  }

  /** Loads the Case and its chat, stores a new session and registers it for routing. */
  start(request: StartRequest): Promise<StartOutcome> {
    return this.useCases.start(request);
  }

  /** A customer's answer (see `SessionUseCases.submit`). */
  submit(request: Parameters<SessionUseCases['submit']>[0]): Promise<SubmitOutcome> {
    return this.useCases.submit(request);
  }

  /** A human agent answers on the customer's behalf (see `SessionUseCases.publishAgentAnswer`). */
  publishAgentAnswer(request: { sessionKey: string; raw: Readonly<Record<string, unknown>> }): Promise<AgentAnswerOutcome> {
    return this.useCases.publishAgentAnswer(request);
  }

  /** A session whose form never reached the customer fails at once. */
  abandon(sessionKey: string, reason: string): Promise<void> {
    return this.useCases.abandon(sessionKey, reason);
  }

  /** Records who owns the session's conversation (the bot, or a human after a handoff). */
  /** `reportRequest: false`: the handoff target told the Case itself (no second person_requested). */
  setOwner(sessionKey: string, owner: Owner, options?: { reportRequest?: boolean }): Promise<void> {
    return this.useCases.setOwner(sessionKey, owner, options);
  }

  /** Tells the agent's side (`Cowork_Status__e`); never throws, never waits. */
  /** When the org created `event`, in this bot's clock, with its margin (measured or the configured allowance). */
  eventTime(event: PlatformEvent): LocalEventTime | undefined {
    return this.ctx.eventTime(event);
  }

  /** This bot's clock (the one sessions are stamped with). */
  now(): number {
    return this.ctx.now();
  }

  reportStatus(status: CoworkStatus): void {
    this.ctx.reportStatus(status);
  }

  /** Routes one event to the session(s) it answers and performs their effects exactly once. */
  handleEvent(event: PlatformEvent): Promise<void> {
    return this.router.handleEvent(event);
  }

  /** Effects of an answered session (see `EffectsPipeline.completeAnswered`). */
  completeAnswered(session: CoworkSession, options?: { readCaseFirst: boolean }): Promise<void> {
    return this.pipeline.completeAnswered(session, options);
  }

  /** Resolves once the effects this process started (and the card updates after them) have all finished. */
  effectsIdle(): Promise<void> {
    return this.pipeline.idle();
  }

  /** Finishes what an instance started and did not finish (see `RecoverySweep.recoverInFlight`). */
  recoverInFlight(run?: TimedRun): Promise<void> {
    return this.recovery.recoverInFlight(run);
  }

  /** Runs the deadlines that are due: expire sessions that waited too long. */
  runDueDeadlines(run?: TimedRun): Promise<number> {
    return this.recovery.runDueDeadlines(run);
  }

  /** Resolves once the timed work started so far has settled (on stop). */
  drainTimedWork(): Promise<void> {
    return this.recovery.drain();
  }
}
