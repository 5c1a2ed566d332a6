/**
 * The port of typed answers: what a recogniser is given (the customer's text, the form, the options
 * the customer saw) and what it answers (a candidate with a confidence, or a reason it is none), plus
 * the finer result of the built-in recogniser (`recognizeAnswer`, which the agent relay calls directly).
 *
 * A host bot plugs in its own recogniser through `CoworkOptions.recognizer`; whichever answers, the
 * dialog confirms its candidate with the customer before anything is published.
 */
import type { ChoiceFormInput, ChoiceOption, FormSpec } from '../cowork/domain/formSpec';

/** Longer messages are not answers; they are refused before any recogniser runs on them. */
export const MAX_TYPED_ANSWER_LENGTH = 500;

/** Why a message is no answer. */
export type NoAnswerReason = 'empty' | 'negated' | 'question' | 'refusal' | 'several' | 'unrelated';

export type AnswerRecognition =
  | { kind: 'match'; value: string; confidence: number }
  | { kind: 'ambiguous'; candidates: ChoiceOption[] }
  /** `mentioned`: the choices the message names (e.g. the subject of a question), in list order. */
  | { kind: 'none'; reason: NoAnswerReason; mentioned: ChoiceOption[] }
  | { kind: 'tooLong'; maxLength: number };

/** What a recogniser is given: the customer's text, the form and the options the customer saw. */
export interface TypedAnswerRequest {
  text: string;
  form: FormSpec;
  input: ChoiceFormInput;
  options: readonly ChoiceOption[];
  /** The activity's locale, e.g. "en-US" or "fr-FR". */
  locale: string;
}

/**
 * A candidate (one option's value, with a confidence between 0 and 1), or a reason the text is no
 * answer. `mentioned` values name options the text is about (for "what is X?", "not X", "X or Y").
 */
export type TypedAnswer =
  { kind: 'candidate'; value: string; confidence: number } | { kind: 'none'; reason: NoAnswerReason | 'tooLong'; mentioned?: readonly string[] };

/** The port: plug in another implementation through `CoworkOptions.recognizer`. */
export interface AnswerRecognizer {
  recognize(request: TypedAnswerRequest): Promise<TypedAnswer>;
}

/** Below this, a candidate is not even offered for confirmation. */
export const MIN_CANDIDATE_CONFIDENCE = 0.5;

/** A `none` result of the built-in recogniser, with the choices the message names. */
export function noAnswer(reason: NoAnswerReason, mentioned: ChoiceOption[] = []): AnswerRecognition {
  return { kind: 'none', reason, mentioned };
}
