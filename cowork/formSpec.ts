/**
 * Forms are data. A `FormSpec` says what to ask, how each answer travels on the platform event,
 * which Case field it ends up in, and what the bot says along the way. The dialog, the cards and
 * the router are generic over it: adding a question is adding an input here and a field on the
 * event, not new code.
 *
 * Pure types and functions: no botbuilder, no jsforce, no I/O.
 */
import { CoworkError } from '../util/errors';
import type { PicklistValue } from './ports';

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

/** The form's sentences for a locale ("fr-FR" → the "fr" translation over `messages`). */
export function messagesFor(spec: FormSpec, locale: string | undefined): FormMessages {
  const language = (locale ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  const translation = language ? spec.translations?.[language] : undefined;
  if (!translation) return spec.messages;
  return { ...spec.messages, ...translation, refusals: { ...spec.messages.refusals, ...translation.refusals } };
}

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

/** Case fields whose picklist values the caller must load (e.g. with `CaseStore.picklistValues`) before `resolveChoices`. */
export function picklistFieldsOf(spec: FormSpec): string[] {
  const fields = spec.inputs.flatMap((input) => (input.kind === 'choice' && input.choices.kind === 'picklist' ? [input.choices.caseField] : []));
  return [...new Set(fields)];
}

/**
 * The concrete options of every choice input: active picklist values in the org's order, or the
 * static list. Throws `FormSpecError` when a picklist was not supplied, has no active value, or
 * holds a value that would not fit the event field (the answer could not travel).
 */
export function resolveChoices(spec: FormSpec, picklists: Readonly<Record<string, readonly PicklistValue[]>>): ResolvedChoices {
  const resolved: Record<string, readonly ChoiceOption[]> = {};
  const problems: string[] = [];
  for (const input of spec.inputs) {
    if (input.kind !== 'choice') continue;
    if (input.choices.kind === 'static') {
      resolved[input.id] = input.choices.options;
      continue;
    }
    const field = input.choices.caseField;
    const values = picklists[field];
    if (!values) {
      problems.push(`input "${input.id}": picklist values of Case.${field} were not supplied`);
      continue;
    }
    const options = values.filter((v) => v.active).map((v) => ({ value: v.value, label: v.label || v.value }));
    if (options.length === 0) problems.push(`input "${input.id}": Case.${field} has no active picklist value`);
    for (const option of options) {
      if (option.value.length > input.eventField.length) {
        problems.push(`input "${input.id}": picklist value "${option.value}" does not fit event field ${input.eventField.name} (${input.eventField.length})`);
      }
    }
    resolved[input.id] = options;
  }
  if (problems.length > 0) throw new FormSpecError(spec.id, problems);
  return resolved;
}

/**
 * Checks raw answers (a card submit's `value`, or answers read back from an event) against the
 * spec and the resolved choices. Keys that are not inputs (e.g. `cowork`, `formToken`) are
 * ignored. A choice answer may be the value or, as an agent's flow might publish it, the exact
 * label; it is returned as the value. Every problem is reported, each with a message the
 * customer can act on.
 */
export function validateAnswers(spec: FormSpec, choices: ResolvedChoices, raw: Readonly<Record<string, unknown>>): AnswerValidation {
  const answers: Record<string, string> = {};
  const problems: AnswerProblem[] = [];
  for (const input of spec.inputs) {
    const problem = (message: string): void => {
      problems.push({ inputId: input.id, message });
    };
    const given = Object.prototype.hasOwnProperty.call(raw, input.id) ? raw[input.id] : undefined;
    if (given !== undefined && given !== null && typeof given !== 'string') {
      problem(`The answer to "${input.label}" must be text.`);
      continue;
    }
    const text = input.kind === 'text' ? (given ?? '').trim() : (given ?? '');
    if (text === '') {
      if (input.required) problem(input.kind === 'choice' ? `Please choose an answer to "${input.label}".` : `Please answer "${input.label}".`);
      continue;
    }
    const limit =
      input.kind === 'text' ? Math.min(input.maxLength, input.eventField.length, ABSOLUTE_ANSWER_CAP) : Math.min(input.eventField.length, ABSOLUTE_ANSWER_CAP);
    if (text.length > limit) {
      problem(`The answer to "${input.label}" is too long (${text.length} characters, at most ${limit}).`);
      continue;
    }
    const unsafe = unsafeCharacterProblem(text);
    if (unsafe) {
      problem(`The answer to "${input.label}" ${unsafe}.`);
      continue;
    }
    if (input.kind === 'choice') {
      const options = choices[input.id] ?? [];
      const option = options.find((o) => o.value === text) ?? options.find((o) => o.label === text);
      if (!option) {
        problem(`That is not one of the choices for "${input.label}". Please pick one of: ${options.map((o) => o.label).join(', ')}.`);
        continue;
      }
      answers[input.id] = option.value;
    } else {
      answers[input.id] = text;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, answers };
}

/** The event's custom answer fields (the caller adds the correlation and session key fields). Unanswered inputs are omitted. */
export function eventFieldsFor(spec: FormSpec, answers: FormAnswers): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const input of spec.inputs) {
    const answer = answers[input.id];
    if (answer !== undefined) fields[input.eventField.name] = answer;
  }
  return fields;
}

/**
 * Answers as an event carries them (the event is the truth). Only string values are taken;
 * a missing or null field means no answer. Check the result with `validateAnswers` before use:
 * an event may have been published by someone other than this bot.
 */
export function answersFromEvent(spec: FormSpec, payload: Readonly<Record<string, unknown>>): Record<string, string> {
  const answers: Record<string, string> = {};
  for (const input of spec.inputs) {
    const value = payload[input.eventField.name];
    if (typeof value === 'string') answers[input.id] = value;
  }
  return answers;
}

/** The Case fields to write. Unanswered inputs are omitted, so an optional question never clears a field. */
export function caseFieldsFor(spec: FormSpec, answers: FormAnswers): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const input of spec.inputs) {
    const answer = answers[input.id];
    if (answer !== undefined) fields[input.caseField] = answer;
  }
  return fields;
}

/** The label the org shows for a choice value; `undefined` when the value is not among the options. */
export function labelFor(options: readonly ChoiceOption[], value: string): string | undefined {
  return options.find((o) => o.value === value)?.label;
}

/**
 * What to show for each answer: the choice's label (falling back to the raw value when the org no
 * longer lists it, so a thank-you is never blank) or the text as typed.
 */
export function answerLabels(spec: FormSpec, choices: ResolvedChoices, answers: FormAnswers): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const input of spec.inputs) {
    const answer = answers[input.id];
    if (answer === undefined) continue;
    labels[input.id] = input.kind === 'choice' ? (labelFor(choices[input.id] ?? [], answer) ?? answer) : answer;
  }
  return labels;
}

/** The thank-you message with each `{inputId}` replaced by its label; an unanswered input reads as "—". */
export function thankYouText(spec: FormSpec, labels: Readonly<Record<string, string>>, locale?: string): string {
  return fillTemplate(messagesFor(spec, locale).thankYou, (name) => labels[name] ?? '—');
}

/**
 * The input a typed message can answer: the form's only input, when it is a choice. A form with
 * several inputs is answered on its card only (one typed line cannot fill several fields).
 */
export function typedAnswerInputOf(spec: FormSpec): ChoiceFormInput | undefined {
  const [only, ...others] = spec.inputs;
  return only?.kind === 'choice' && others.length === 0 ? only : undefined;
}

/**
 * The explanation the spec gives for one choice (its static `description`, or the picklist's
 * `descriptions` entry); `undefined` when it has none.
 */
export function choiceDescription(spec: FormSpec, inputId: string, value: string): string | undefined {
  const input = spec.inputs.find((i) => i.id === inputId);
  if (!input || input.kind !== 'choice') return undefined;
  const source = input.choices;
  const description = source.kind === 'static' ? source.options.find((o) => o.value === value)?.description : source.descriptions?.[value];
  return description?.trim() ? description : undefined;
}

/** The re-ask message for one choice input, listing its options numbered so "2" or "the second one" work. */
export function reAskText(spec: FormSpec, choices: ResolvedChoices, inputId: string, locale?: string): string {
  const input = spec.inputs.find((i) => i.id === inputId);
  const list = (choices[inputId] ?? []).map((o, i) => `${i + 1}. ${o.label}`).join('\n');
  return fillTemplate(messagesFor(spec, locale).reAsk, (name) => (name === 'choices' ? list : (input?.label ?? '')));
}

function fillTemplate(template: string, valueOf: (name: string) => string): string {
  // One pass over the template: a value containing "{x}" is never expanded again.
  return template.replace(PLACEHOLDER, (_match, name: string) => valueOf(name));
}

/**
 * C0/C1 control characters (tab and line breaks aside), bidirectional overrides that can make
 * text read differently than it is stored, and broken surrogate pairs.
 */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const BIDI_OVERRIDE = /[\u202A-\u202E\u2066-\u2069]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unsafeCharacterProblem(text: string): string | undefined {
  if (CONTROL.test(text)) return 'contains control characters';
  if (BIDI_OVERRIDE.test(text)) return 'contains invisible text-direction characters';
  if (LONE_SURROGATE.test(text)) return 'contains a broken character';
  return undefined;
}

/** The form a session refers to, by `lookup`; a session naming a form this process does not know is a bug, not input. */
export function requireForm(lookup: (formId: string) => FormSpec | undefined, formId: string): FormSpec {
  const form = lookup(formId);
  if (!form) throw new Error(`session refers to unknown form "${formId}"`);
  return form;
}
