/**
 * What the customer reads after each outcome of the co-work core, in one place, so every
 * route (card submit, typed answer) answers the same thing to the same outcome.
 */
import type { StartOutcome, SubmitOutcome } from '../cowork/coworkService';
import { messagesFor, type FormSpec } from '../cowork/domain/formSpec';
import { textsFor, type Texts } from './texts';

export function submitOutcomeReply(form: FormSpec, outcome: SubmitOutcome, texts: Texts = textsFor(undefined)): string {
  const messages = messagesFor(form, texts.locale);
  switch (outcome.kind) {
    case 'accepted':
      return messages.acknowledgement;
    case 'already_received':
      return messages.alreadyReceived;
    case 'stale_form':
      return outcome.superseded ? texts.supersededCard : messages.refusals.staleForm;
    case 'invalid':
      return [messages.refusals.invalidAnswer, ...outcome.problems.map((p) => p.message)].join('\n\n');
  }
}

/** The reply to a start that did not produce a session; `undefined` when it did. */
export function startFailureReply(outcome: StartOutcome, texts: Texts = textsFor(undefined)): string | undefined {
  switch (outcome.kind) {
    case 'started':
      return undefined;
    case 'invalid_case_ref':
      return texts.invalidCaseRef(outcome.message);
    case 'case_not_found':
      return texts.caseNotFound;
    case 'case_closed':
      return texts.caseClosed(outcome.caseNumber);
    case 'rate_limited':
      return texts.tooManyStarts(outcome.retryAfterSeconds);
  }
}
