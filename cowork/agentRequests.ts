/**
 * An agent's request from the Case for a form (`Cowork_Request__e`, decoded by the Salesforce
 * adapter): what the core decides, and what it answers on the agent's panel (`Cowork_Status__e`).
 * Every request is answered, never with silence:
 *
 * - created longer ago than COWORK_REQUEST_MAX_AGE_SECONDS (by the org's clock, as measured: a
 *   request replayed after an outage, say) → `expired`; nothing is sent
 * - no conversation linked to the Case  → `no_chat`
 * - a form of the Case still waiting     → `already_pending` (its session key; nothing is sent)
 * - the Case cannot take a form          → `failed` (not found, closed, unknown form)
 * - the customer's chat cannot be reached (they left, the channel refuses) → `failed`
 * - the customer asked for a person      → the form is sent all the same (the agent asked for it,
 *   and answering it does not need the bot to own the chat), and `form_sent` says so
 * - otherwise                            → `form_sent` (then submitted, answered, saved as usual)
 *
 * Every instance sees every request: the claim in the Case's document (eTag-guarded) lets exactly one
 * of them send. A request for a Case with no link is answered `no_chat` by each instance that sees it
 * (there is nothing to claim: the panel shows the same state twice). The host runs the proactive turn
 * that sends the form (bot/proactive/coworkRequests.ts).
 */
import type { CoworkService, StartOutcome } from './coworkService';
import type { FormSpec } from './domain/formSpec';
import { isHumanOwned, type HandoffRepository } from './stores/handoff';
import type { CaseLinks, ConversationLink } from './stores/links';
import type { PlatformEvent } from './ports';
import type { Log } from '../util/log';

/** A request as the adapter decoded it: its Case (an 18-character Case Id), who asked, which form. */
export interface AgentRequest {
  eventId: string;
  caseId: string;
  requestedBy: string | null;
  /** The form asked for; none: the default form. */
  formId: string | null;
  /** The event itself, for when the org created it. */
  event: PlatformEvent;
}

/** What the adapter makes of an event of the request topic: a request, or why it is none. */
export type DecodedRequest = { ok: true; request: AgentRequest } | { ok: false; eventId: string; problem: string };

/** What the host does with a request the core took: send `form` into `link`'s conversation. */
export interface RequestToSend {
  request: AgentRequest;
  form: FormSpec;
  link: ConversationLink;
  /** What the panel's `form_sent` says besides (the customer asked for a person). */
  detail: string | undefined;
}

type AnsweredState = 'no_chat' | 'already_pending' | 'failed' | 'expired';

export interface AgentRequestsDeps {
  service: CoworkService;
  links: CaseLinks;
  handoffs: HandoffRepository;
  /** The form a request without `Form_Id__c` asks for. */
  defaultForm: FormSpec;
  /** `COWORK_REQUEST_MAX_AGE_SECONDS`, in ms: an older request sends no form. */
  maxAgeMs: number;
  log: Log;
}

export class AgentRequests {
  constructor(private readonly deps: AgentRequestsDeps) {}

  /**
   * Takes a request: resolves with what to send, or undefined once it is answered (or is another
   * instance's, or was seen before). Resolves once the claim is stored.
   */
  async take(decoded: DecodedRequest): Promise<RequestToSend | undefined> {
    const { service, log } = this.deps;
    if (!decoded.ok) {
      log.warn({ eventId: decoded.eventId }, `co-work request ignored: ${decoded.problem}`);
      return undefined;
    }
    const { request } = decoded;
    const form = service.form(request.formId ?? this.deps.defaultForm.id);
    if (!form) {
      this.answer(request, 'failed', null, `This bot has no form "${(request.formId ?? '').slice(0, 64)}".`);
      return undefined;
    }
    const { claimed, links } = await this.deps.links.claimRequest(request.caseId, request.eventId);
    const link = links[0];
    if (!link) {
      this.answer(request, 'no_chat', null, 'No customer chat is linked to this Case: the customer needs to be in a chat with the bot first.');
      return undefined;
    }
    if (!claimed) {
      log.debug({ eventId: request.eventId, caseId: request.caseId }, 'co-work request already taken (another instance, or delivered again)');
      return undefined;
    }
    // A request the org created long ago (delivered late, replayed after an outage) surprises the
    // customer with a form nobody is waiting for any more: the agent is told instead.
    const created = service.eventTime(request.event);
    const ageMs = created ? service.now() - created.at - created.marginMs : 0;
    if (ageMs > this.deps.maxAgeMs) {
      const minutes = Math.round(ageMs / 60_000);
      const age = minutes >= 1 ? `about ${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(ageMs / 1000)} seconds`;
      this.answer(
        request,
        'expired',
        null,
        `This request was made ${age} ago and reached the bot too late (the limit is ${Math.round(this.deps.maxAgeMs / 1000)} s): no form was sent. Send the form again if it is still needed.`,
      );
      return undefined;
    }
    const handoff = await this.deps.handoffs.get(link.conversationId);
    const detail = isHumanOwned(handoff)
      ? `The form was sent; note that the customer asked for a person (handoff ${handoff.state}). You can also answer it for them.`
      : undefined;
    return { request, form, link, detail };
  }

  /**
   * True (and answered `already_pending`) when a form of the Case still waits for the customer.
   * Asked in the conversation's queue: of requests arriving together, the first one's session is
   * stored before the next one looks (no second form for one burst).
   */
  async alreadyPending(request: AgentRequest): Promise<boolean> {
    const pending = await this.deps.service.pendingForCase(request.caseId);
    const waiting = pending.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (!waiting) return false;
    const state = waiting.state === 'submitted' ? 'answer submitted, being saved' : 'sent, not answered yet';
    this.answer(request, 'already_pending', waiting.key, `A form is already waiting for the customer's answer (${state}).`);
    return true;
  }

  /** The start of the form was refused (the Case, the limits): the agent is told why. */
  refused(request: AgentRequest, outcome: Exclude<StartOutcome, { kind: 'started' }>): void {
    const why =
      outcome.kind === 'rate_limited'
        ? `Too many forms were started for this Case or this chat in the last minute: nothing was sent. Try again in ${outcome.retryAfterSeconds} s.`
        : outcome.kind === 'case_closed'
          ? `Case ${outcome.caseNumber} is closed.`
          : outcome.kind === 'case_not_found'
            ? 'The Case was not found.'
            : `The Case cannot take a form: ${outcome.message}`;
    this.answer(request, 'failed', null, why);
  }

  /** The turn failed before a session existed: the Case or the storage, not the chat. */
  notStarted(request: AgentRequest, err: unknown): void {
    this.deps.log.warn({ err, eventId: request.eventId, caseId: request.caseId }, 'co-work request: the form could not be started');
    this.answer(request, 'failed', null, 'The form could not be started (Salesforce or the bot storage did not answer): nothing was sent. Please try again.');
  }

  /** The session was started but the customer's chat could not be reached: it is abandoned, and the panel says so. */
  async unreachable(request: AgentRequest, sessionKey: string, conversationId: string, err: unknown): Promise<void> {
    this.deps.log.warn({ err, eventId: request.eventId, caseId: request.caseId, conversationId }, "co-work request: the customer's chat could not be reached");
    await this.deps.service.abandon(sessionKey, "The customer's chat could not be reached (they may have left): nothing was sent.");
  }

  /** Something unexpected after the claim: a redelivery will not come back, so it is answered now. */
  failed(request: AgentRequest, err: unknown): void {
    this.deps.log.error({ err, eventId: request.eventId, caseId: request.caseId }, 'co-work request failed');
    this.answer(request, 'failed', null, 'Something went wrong on the bot side; nothing was sent. Please send the form again.');
  }

  sent(request: AgentRequest, sessionKey: string): void {
    this.deps.log.info(
      { eventId: request.eventId, caseId: request.caseId, requestedBy: request.requestedBy, sessionKey },
      'co-work form sent at the request of the Case',
    );
  }

  private answer(request: AgentRequest, state: AnsweredState, sessionKey: string | null, detail: string): void {
    const { caseId, eventId, requestedBy } = request;
    this.deps.log.info({ eventId, caseId, requestedBy, state }, `co-work request answered: ${detail}`);
    this.deps.service.reportStatus({ caseId, sessionKey, state, answer: null, detail });
  }
}
