/**
 * An agent's request from the Case (`Cowork_Request__e`, published by the Send_Cowork_Form
 * flow): the bot sends the scripted message and the form into the Case's newest linked
 * conversation, in a proactive turn, exactly as if the chat had started the session. Every
 * request is answered on `Cowork_Status__e`, never with silence:
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
 * Every instance sees every request: the claim in the Case's link document (eTag-guarded) lets
 * exactly one of them send. A request for a Case with no link is answered `no_chat` by each
 * instance that sees it (there is nothing to claim: the panel shows the same state twice).
 */
import { type ProactiveTurns } from '../../dialogs/coworkTurn';
import type { CoworkService } from '../../cowork/coworkService';
import type { FormSpec } from '../../cowork/formSpec';
import { isHumanOwned, type HandoffRepository } from '../../cowork/handoff';
import type { CaseLinks, ConversationLink } from '../../cowork/links';
import type { Log } from '../../util/log';
import type { PlatformEvent } from '../../cowork/ports';
import { KEY_PREFIX, normalizeId } from '../../cowork/salesforceId';
import type { KeyedSerialQueue } from '../../util/serialQueue';
import type { CoworkBot } from '../turn/coworkBot';

export interface CoworkRequestsDeps {
  /** Proactive turns, through the host's adapter. */
  proactive: ProactiveTurns;
  queue: KeyedSerialQueue;
  bot: CoworkBot;
  service: CoworkService;
  links: CaseLinks;
  handoffs: HandoffRepository;
  /** The form a request without `Form_Id__c` asks for. */
  defaultForm: FormSpec;
  /** `COWORK_REQUEST_MAX_AGE_SECONDS`, in ms: an older request sends no form. */
  maxAgeMs: number;
  log: Log;
}

export class CoworkRequests {
  constructor(private readonly deps: CoworkRequestsDeps) {}

  /** The handler of the request topic's one subscription. Resolves once the request's effects are stored. */
  async handle(event: PlatformEvent): Promise<void> {
    const { service, log } = this.deps;
    const rawCase = event.payload.Correlation_Id__c;
    const caseId = typeof rawCase === 'string' ? normalizeId(rawCase) : undefined;
    if (!caseId || !caseId.startsWith(KEY_PREFIX.Case)) {
      log.warn({ eventId: event.id }, 'co-work request ignored: no valid Case Id in Correlation_Id__c');
      return;
    }
    const requestedBy = typeof event.payload.Requested_By__c === 'string' ? event.payload.Requested_By__c : null;
    const formId = typeof event.payload.Form_Id__c === 'string' && event.payload.Form_Id__c !== '' ? event.payload.Form_Id__c : this.deps.defaultForm.id;
    const form = service.form(formId);
    const status = (state: 'no_chat' | 'already_pending' | 'failed' | 'expired', sessionKey: string | null, detail: string): void => {
      log.info({ eventId: event.id, caseId, requestedBy, state }, `co-work request answered: ${detail}`);
      service.reportStatus({ caseId, sessionKey, state, answer: null, detail });
    };
    if (!form) {
      status('failed', null, `This bot has no form "${formId.slice(0, 64)}".`);
      return;
    }
    const { claimed, links } = await this.deps.links.claimRequest(caseId, event.id);
    const link = links[0];
    if (!link) {
      status('no_chat', null, 'No customer chat is linked to this Case: the customer needs to be in a chat with the bot first.');
      return;
    }
    if (!claimed) {
      log.debug({ eventId: event.id, caseId }, 'co-work request already taken (another instance, or delivered again)');
      return;
    }
    // A request the org created long ago (delivered late, replayed after an outage) surprises the
    // customer with a form nobody is waiting for any more: the agent is told instead.
    const created = service.eventTime(event);
    const ageMs = created ? service.now() - created.at - created.marginMs : 0;
    if (ageMs > this.deps.maxAgeMs) {
      const minutes = Math.round(ageMs / 60_000);
      status(
        'expired',
        null,
        `This request was made ${minutes >= 1 ? `about ${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(ageMs / 1000)} seconds`} ago and reached the bot too late (the limit is ${Math.round(this.deps.maxAgeMs / 1000)} s): no form was sent. Send the form again if it is still needed.`,
      );
      return;
    }

    // Claimed: a redelivery will not come back here, so an unexpected failure is answered now.
    try {
      await this.send(event, caseId, form, link, requestedBy, status);
    } catch (err) {
      log.error({ err, eventId: event.id, caseId }, 'co-work request failed');
      status('failed', null, 'Something went wrong on the bot side; nothing was sent. Please send the form again.');
    }
  }

  private async send(
    event: PlatformEvent,
    caseId: string,
    form: FormSpec,
    link: ConversationLink,
    requestedBy: string | null,
    status: (state: 'no_chat' | 'already_pending' | 'failed' | 'expired', sessionKey: string | null, detail: string) => void,
  ): Promise<void> {
    const { log } = this.deps;
    const handoff = await this.deps.handoffs.get(link.conversationId);
    const detail = isHumanOwned(handoff)
      ? `The form was sent; note that the customer asked for a person (handoff ${handoff.state}). You can also answer it for them.`
      : undefined;
    let started: string | undefined;
    try {
      await this.deps.queue.run(link.conversationId, () =>
        this.deps.proactive.run(link.conversationReference, async (context) => {
          // Checked in the conversation's queue: of requests arriving together, the first one's
          // session is stored before the next one looks (no second form for one burst).
          if (await this.alreadyPending(caseId, status)) return;
          const outcome = await this.deps.bot.startRequested(context, caseId, form, detail, (sessionKey) => (started = sessionKey));
          if (outcome.kind === 'started') return;
          const why =
            outcome.kind === 'rate_limited'
              ? `Too many forms were started for this Case or this chat in the last minute: nothing was sent. Try again in ${outcome.retryAfterSeconds} s.`
              : outcome.kind === 'case_closed'
                ? `Case ${outcome.caseNumber} is closed.`
                : outcome.kind === 'case_not_found'
                  ? 'The Case was not found.'
                  : `The Case cannot take a form: ${outcome.message}`;
          status('failed', null, why);
        }),
      );
    } catch (err) {
      if (!started) {
        // Failed before a session existed: the Case or the storage, not the chat.
        log.warn({ err, eventId: event.id, caseId }, 'co-work request: the form could not be started');
        status('failed', null, 'The form could not be started (Salesforce or the bot storage did not answer): nothing was sent. Please try again.');
        return;
      }
      log.warn({ err, eventId: event.id, caseId, conversationId: link.conversationId }, "co-work request: the customer's chat could not be reached");
      await this.deps.service.abandon(started, "The customer's chat could not be reached (they may have left): nothing was sent.");
      return;
    }
    if (started) log.info({ eventId: event.id, caseId, requestedBy, sessionKey: started }, 'co-work form sent at the request of the Case');
  }

  /** True (and answered `already_pending`) when a form of the Case still waits for the customer. */
  private async alreadyPending(caseId: string, status: (state: 'already_pending', sessionKey: string, detail: string) => void): Promise<boolean> {
    const pending = await this.deps.service.pendingForCase(caseId);
    const waiting = pending.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (!waiting) return false;
    status(
      'already_pending',
      waiting.key,
      `A form is already waiting for the customer's answer (${waiting.state === 'submitted' ? 'answer submitted, being saved' : 'sent, not answered yet'}).`,
    );
    return true;
  }
}
