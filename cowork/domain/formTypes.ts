/**
 * What a form is, as data: the `FormSpec` types (its inputs and where their choices come from, the
 * event and Case fields each answer travels to, what the bot says, the result card), the shapes of
 * answers and of their problems, `FormSpecError`, and the limits every spec obeys. No behaviour:
 * answers are mapped in `formAnswers.ts`, the sentences made in `formTexts.ts`; `formSpec.ts`
 * exports all of it.
 */
import { CoworkError } from '../../util/errors';

/** A platform-event custom field and its length (Text(255) → 255). Lengths count UTF-16 units, as Salesforce does. */
export interface EventFieldRef {
  name: string;
  length: number;
}

/** One selectable answer: `value` is what travels and is stored, `label` what the customer sees. */
export interface ChoiceOption {
  value: string;
  label: string;
  /** A short explanation, given when the customer asks what the choice means (static choices). */
  description?: string;
}

/** Where a choice input's options come from. */
export type ChoiceSource =
  /** The org's active picklist values of a Case field, in the org's order (labels as the org shows them). */
  | {
      kind: 'picklist';
      caseField: string;
      /** Short explanations by picklist value, given when the customer asks what a choice means. */
      descriptions?: Readonly<Record<string, string>>;
    }
  /** A fixed list, for questions that have no picklist behind them. */
  | { kind: 'static'; options: readonly ChoiceOption[] };

interface FormInputBase {
  /** Card input id and the key of the answer everywhere (session, templates). Letters, digits, underscore. */
  id: string;
  /** The question as the customer reads it. */
  label: string;
  /** Short name of the answer, used as the fact title on the result card. */
  factTitle: string;
  required: boolean;
  /** The event field that carries the answer. Platform event fields cannot be picklists: it is Text. */
  eventField: EventFieldRef;
  /** The Case field the answer is written to once the event came back. */
  caseField: string;
}

export interface ChoiceFormInput extends FormInputBase {
  kind: 'choice';
  choices: ChoiceSource;
}

export interface TextFormInput extends FormInputBase {
  kind: 'text';
  /** Upper bound the card enforces; must fit in the event field. */
  maxLength: number;
  placeholder?: string;
}

export type FormInput = ChoiceFormInput | TextFormInput;

/**
 * What the bot says. Templates use `{name}` placeholders:
 * - `thankYou`: `{<inputId>}` for each answer's label (choice) or text;
 * - `reAsk`: `{choices}` for the numbered list of choices, `{question}` for the input's label.
 */
export interface FormMessages {
  /** Sent with the form card. */
  intro: string;
  /** Sent right after a valid submit, before the event came back. */
  acknowledgement: string;
  /** A second submit (card or typed) of a form already answered. */
  alreadyReceived: string;
  thankYou: string;
  /** A typed answer that matched nothing (or more than one choice). */
  reAsk: string;
  refusals: {
    /** The card's form token is stale, foreign or tampered with. */
    staleForm: string;
    /** The answer was refused; the specific problems follow this text. */
    invalidAnswer: string;
    /** A typed message too long to be an answer. */
    tooLong: string;
  };
}

export interface ResultCardSpec {
  title: string;
  /** File name under `cards/images/` (the bot serves it itself). */
  imageFile: string;
  imageAltText: string;
}

export interface FormSpec {
  /** Stable identifier, stored in sessions (e.g. 'use-of-funds'). */
  id: string;
  /** Card heading. */
  title: string;
  /** Platform event topic, e.g. '/event/Use_of_Funds__e'. */
  topic: string;
  /** Event field carrying the Case Id (the correlation key). */
  correlationField: string;
  /** Event field carrying the session key (absent when the event was published elsewhere, e.g. by an agent's flow). */
  sessionKeyField: string;
  inputs: readonly FormInput[];
  /** What the bot says, in the form's first language (English for the seed's form). */
  messages: FormMessages;
  /**
   * The same sentences in other languages, by language subtag ("fr" serves fr-FR, fr-CA ...);
   * a sentence a translation leaves out is said as in `messages`.
   */
  translations?: Readonly<Record<string, DeepPartialMessages>>;
  resultCard: ResultCardSpec;
}

export type DeepPartialMessages = Partial<Omit<FormMessages, 'refusals'>> & { refusals?: Partial<FormMessages['refusals']> };

/** Concrete options per choice input id (text inputs have none). */
export type ResolvedChoices = Readonly<Record<string, readonly ChoiceOption[]>>;

/** Answer values per input id: the choice value (not the label) or the trimmed text. */
export type FormAnswers = Readonly<Record<string, string>>;

export interface AnswerProblem {
  inputId: string;
  /** Safe to show to the customer. */
  message: string;
}

export type AnswerValidation = { ok: true; answers: FormAnswers } | { ok: false; problems: AnswerProblem[] };

/** A spec that cannot work; its message lists every problem. */
export class FormSpecError extends CoworkError {
  override readonly name = 'FormSpecError';
  readonly code = 'ERR_COWORK_FORM_SPEC';
  constructor(
    readonly specId: string,
    readonly problems: readonly string[],
  ) {
    super(`form spec "${specId}" is invalid: ${problems.join('; ')}`);
  }
}

/** No answer is longer than this, whatever the event field allows: it is a chat form, not a document. */
export const ABSOLUTE_ANSWER_CAP = 1000;

/** Keys the submit action's `data` puts next to the inputs in the activity's `value`: no input may shadow them. */
export const RESERVED_SUBMIT_KEYS: readonly string[] = ['cowork', 'formToken'];

/** A `{name}` of a template (thank-you, re-ask). */
export const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;
