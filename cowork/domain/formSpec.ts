/**
 * Forms are data. A `FormSpec` says what to ask, how each answer travels on the platform event,
 * which Case field it ends up in, and what the bot says along the way. The dialog, the cards and
 * the router are generic over it: adding a question is adding an input here and a field on the
 * event, not new code.
 *
 * Pure types and functions: no botbuilder, no jsforce, no I/O.
 *
 * This file is the form's one import: the types are `formTypes.ts`, the answers' checks and their
 * mapping to event and Case fields `formAnswers.ts`, the sentences `formTexts.ts`; here, what a
 * session or a typed message asks of a spec.
 */
import type { ChoiceFormInput, FormSpec } from './formTypes';

export * from './formTypes';
export * from './formAnswers';
export * from './formTexts';

/**
 * The input a typed message can answer: the form's only input, when it is a choice. A form with
 * several inputs is answered on its card only (one typed line cannot fill several fields).
 */
export function typedAnswerInputOf(spec: FormSpec): ChoiceFormInput | undefined {
  const [only, ...others] = spec.inputs;
  return only?.kind === 'choice' && others.length === 0 ? only : undefined;
}

/** The form a session refers to, by `lookup`; a session naming a form this process does not know is a bug, not input. */
export function requireForm(lookup: (formId: string) => FormSpec | undefined, formId: string): FormSpec {
  const form = lookup(formId);
  if (!form) throw new Error(`session refers to unknown form "${formId}"`);
  return form;
}
