/**
 * Start-up checks of a `FormSpec`: every reason a spec cannot work, found before any customer
 * sees the form (two inputs on one event field, a text longer than its event field, a thank-you
 * naming an input that does not exist).
 */
import { ABSOLUTE_ANSWER_CAP, FormSpecError, PLACEHOLDER, RESERVED_SUBMIT_KEYS, type ChoiceOption, type EventFieldRef, type FormSpec } from './formSpec';

const INPUT_ID = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
/** API names of custom or standard fields: letters, digits, single underscores, optional `__c`/`__e` style suffix. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
const TOPIC = /^\/event\/[A-Za-z][A-Za-z0-9_]*__e$/;
const IMAGE_FILE = /^[a-z0-9][a-z0-9-]*\.png$/;

/**
 * Every reason the spec cannot work, as messages naming the part at fault; empty when valid.
 * Catches what would otherwise surface as a lost answer at run time: two inputs on one event
 * field, a text longer than its event field, a thank-you naming an input that does not exist.
 */
export function formSpecProblems(spec: FormSpec): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };

  need(/^[a-z][a-z0-9-]{0,39}$/.test(spec.id), `id "${spec.id}" must be lowercase letters, digits and dashes`);
  need(spec.title.trim() !== '', 'title is empty');
  need(TOPIC.test(spec.topic), `topic "${spec.topic}" must look like /event/Name__e`);
  need(FIELD_NAME.test(spec.correlationField), `correlationField "${spec.correlationField}" is not a field name`);
  need(FIELD_NAME.test(spec.sessionKeyField), `sessionKeyField "${spec.sessionKeyField}" is not a field name`);
  need(spec.correlationField !== spec.sessionKeyField, 'correlationField and sessionKeyField are the same field');
  need(spec.inputs.length > 0, 'the form has no inputs');

  const inputIds = new Set<string>();
  const eventFields = new Set<string>([spec.correlationField, spec.sessionKeyField]);
  const caseFields = new Set<string>();
  for (const [index, input] of spec.inputs.entries()) {
    const where = `input ${index + 1} ("${input.id}")`;
    need(INPUT_ID.test(input.id), `${where}: id must start with a letter and hold only letters, digits and _ (max 40)`);
    need(!RESERVED_SUBMIT_KEYS.includes(input.id), `${where}: id is reserved for the submit data (${RESERVED_SUBMIT_KEYS.join(', ')})`);
    need(!inputIds.has(input.id), `${where}: duplicate input id`);
    inputIds.add(input.id);
    need(input.label.trim() !== '', `${where}: label is empty`);
    need(input.factTitle.trim() !== '', `${where}: factTitle is empty`);

    const field = input.eventField;
    if (!field || !FIELD_NAME.test(field.name)) {
      problems.push(`${where}: eventField is missing or not a field name`);
    } else {
      need(!eventFields.has(field.name), `${where}: event field ${field.name} is already used`);
      eventFields.add(field.name);
      need(Number.isInteger(field.length) && field.length > 0, `${where}: event field ${field.name} needs a positive length`);
    }
    if (!input.caseField || !FIELD_NAME.test(input.caseField)) {
      problems.push(`${where}: caseField is missing or not a field name`);
    } else {
      need(!caseFields.has(input.caseField), `${where}: Case field ${input.caseField} is already written by another input`);
      caseFields.add(input.caseField);
    }

    if (input.kind === 'text') {
      const max = input.maxLength;
      need(Number.isInteger(max) && max > 0, `${where}: maxLength must be a positive integer`);
      need(max <= ABSOLUTE_ANSWER_CAP, `${where}: maxLength ${max} exceeds the cap of ${ABSOLUTE_ANSWER_CAP}`);
      if (field) need(max <= field.length, `${where}: maxLength ${max} does not fit event field ${field.name} (${field.length})`);
    } else if (input.kind === 'choice') {
      const source = input.choices;
      if (source?.kind === 'picklist') {
        need(FIELD_NAME.test(source.caseField), `${where}: picklist caseField "${source.caseField}" is not a field name`);
        for (const [value, description] of Object.entries(source.descriptions ?? {})) {
          need(typeof description === 'string' && description.trim() !== '', `${where}: the description of "${value}" is empty`);
        }
      } else if (source?.kind === 'static') {
        problems.push(...staticChoiceProblems(where, source.options, field));
      } else {
        problems.push(`${where}: choices must come from a picklist or a static list`);
      }
    } else {
      problems.push(`${where}: kind must be "choice" or "text"`);
    }
  }

  problems.push(...templateProblems('messages.thankYou', spec.messages.thankYou, inputIds));
  for (const [language, translation] of Object.entries(spec.translations ?? {})) {
    need(/^[a-z]{2,3}$/.test(language), `translations: "${language}" is not a language subtag (e.g. fr)`);
    if (translation.thankYou !== undefined) problems.push(...templateProblems(`translations.${language}.thankYou`, translation.thankYou, inputIds));
    if (translation.reAsk !== undefined)
      problems.push(...templateProblems(`translations.${language}.reAsk`, translation.reAsk, new Set(['choices', 'question'])));
  }
  problems.push(...templateProblems('messages.reAsk', spec.messages.reAsk, new Set(['choices', 'question'])));
  const plain: Array<[string, string]> = [
    ['messages.intro', spec.messages.intro],
    ['messages.acknowledgement', spec.messages.acknowledgement],
    ['messages.alreadyReceived', spec.messages.alreadyReceived],
    ['messages.refusals.staleForm', spec.messages.refusals.staleForm],
    ['messages.refusals.invalidAnswer', spec.messages.refusals.invalidAnswer],
    ['messages.refusals.tooLong', spec.messages.refusals.tooLong],
  ];
  for (const [name, text] of plain) need(typeof text === 'string' && text.trim() !== '', `${name} is empty`);

  need(spec.resultCard.title.trim() !== '', 'resultCard.title is empty');
  need(IMAGE_FILE.test(spec.resultCard.imageFile), `resultCard.imageFile "${spec.resultCard.imageFile}" must be a plain lowercase .png file name`);
  need(spec.resultCard.imageAltText.trim() !== '', 'resultCard.imageAltText is empty');
  return problems;
}

/** Throws `FormSpecError` listing every problem; returns the spec for chaining at start-up. */
export function validateFormSpec(spec: FormSpec): FormSpec {
  const problems = formSpecProblems(spec);
  if (problems.length > 0) throw new FormSpecError(spec.id, problems);
  return spec;
}

function templateProblems(name: string, template: string, allowed: ReadonlySet<string>): string[] {
  if (typeof template !== 'string' || template.trim() === '') return [`${name} is empty`];
  const problems: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const placeholder = match[1] ?? '';
    if (!allowed.has(placeholder)) problems.push(`${name} names {${placeholder}}, which is not one of: ${[...allowed].join(', ')}`);
  }
  return problems;
}

function staticChoiceProblems(where: string, options: readonly ChoiceOption[], field: EventFieldRef | undefined): string[] {
  const problems: string[] = [];
  if (!Array.isArray(options) || options.length === 0) return [`${where}: static choices are empty`];
  const values = new Set<string>();
  for (const option of options) {
    if (!option.value || !option.label) problems.push(`${where}: every static choice needs a value and a label`);
    if (values.has(option.value)) problems.push(`${where}: duplicate choice value "${option.value}"`);
    values.add(option.value);
    if (field && option.value.length > field.length) problems.push(`${where}: choice value "${option.value}" does not fit event field ${field.name}`);
  }
  return problems;
}
