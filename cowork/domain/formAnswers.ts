/**
 * A form's answers between the customer, the event and the Case: the choices resolved from the
 * org's picklists, raw answers (a card's submit, an event read back) checked against the spec,
 * and the answers mapped to the event's fields, read back from an event, and mapped to the Case's
 * fields. Pure functions: no botbuilder, no jsforce, no I/O.
 */
import type { PicklistValue } from '../ports';
import {
  ABSOLUTE_ANSWER_CAP,
  FormSpecError,
  type AnswerProblem,
  type AnswerValidation,
  type ChoiceOption,
  type FormAnswers,
  type FormSpec,
  type ResolvedChoices,
} from './formTypes';

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
