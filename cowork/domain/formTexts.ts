/**
 * What the bot says and shows of a form: its sentences in the customer's language, each answer's
 * label, the thank-you and the re-ask (templates filled in one pass), and a choice's explanation.
 */
import { PLACEHOLDER, type ChoiceOption, type FormMessages, type FormSpec, type FormAnswers, type ResolvedChoices } from './formTypes';

/** The form's sentences for a locale ("fr-FR" → the "fr" translation over `messages`). */
export function messagesFor(spec: FormSpec, locale: string | undefined): FormMessages {
  const language = (locale ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  const translation = language ? spec.translations?.[language] : undefined;
  if (!translation) return spec.messages;
  return { ...spec.messages, ...translation, refusals: { ...spec.messages.refusals, ...translation.refusals } };
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
