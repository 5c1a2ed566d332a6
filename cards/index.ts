/**
 * The cards the bot sends, rendered from the Adaptive Card templates next to this file
 * (schema 1.5, `Action.Submit` only) with `adaptivecards-templating`.
 *
 * Templating binds data as values, never as template text: a label holding `${...}`, quotes or
 * braces stays a string and cannot add elements. Texts shown through markdown are escaped here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'adaptivecards-templating';
import type { ChoiceOption, FormSpec, ResolvedChoices } from '../cowork/domain/formSpec';
import { escapeMarkdown } from './markdown';
import formCardTemplate from './formCard.json';
import resultCardTemplate from './resultCard.json';

export { validateCard, MAX_CARD_VERSION } from './validate';
export { escapeMarkdown } from './markdown';

/** An Adaptive Card as sent in an attachment's `content`. */
export interface AdaptiveCardJson {
  type: 'AdaptiveCard';
  version: string;
  body: unknown[];
  actions?: unknown[];
  [property: string]: unknown;
}

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** What the two card buttons put in the activity's `value` (next to the input values). */
export type CardSubmitData =
  | { cowork: 'submit'; formToken: string }
  | { cowork: 'handoff'; formToken: string }
  /** The confirmation of a typed answer: its Send carries the answer, its Change nothing. */
  | ({ cowork: 'confirm'; formToken: string } & Record<string, string>)
  | { cowork: 'change'; formToken: string };

export interface ConfirmCardData {
  formToken: string;
  /** The answer the Send button carries, by input id (the org's values). */
  answers: Readonly<Record<string, string>>;
  sendTitle: string;
  changeTitle: string;
}

export interface FormCardData {
  spec: FormSpec;
  choices: ResolvedChoices;
  /** Opaque token naming one session; the only thing the card sends back besides the inputs. */
  formToken: string;
  caseNumber: string;
  /** Show "Talk to a person" (only where something can take a handoff). Default true. */
  offerHandoff?: boolean;
}

export interface ResultCardData {
  spec: FormSpec;
  /** Label per answered input id (see `answerLabels`). */
  labels: Readonly<Record<string, string>>;
  /** Absolute http(s) URL where the bot serves the spec's image (see `cardImagePath`). */
  imageUrl: string;
  caseNumber: string;
}

interface FormInputView {
  kind: 'choice' | 'text';
  id: string;
  label: string;
  required: boolean;
  errorMessage: string;
  choices: Array<{ label: string; value: string }>;
  maxLength: number;
  placeholder: string;
}

const formTemplate = new Template(formCardTemplate);
const resultTemplate = new Template(resultCardTemplate);

/** The form: one input per spec input, a submit and a "Talk to a person" button, both carrying only the form token. */
export function renderFormCard({ spec, choices, formToken, caseNumber, offerHandoff = true }: FormCardData): AdaptiveCardJson {
  if (formToken.trim() === '') throw new Error('renderFormCard: formToken is empty');
  const inputs: FormInputView[] = spec.inputs.map((input) => {
    const base = { id: input.id, label: input.label, required: input.required, choices: [], maxLength: 0, placeholder: '' };
    if (input.kind === 'text') {
      return { ...base, kind: 'text', errorMessage: `Please answer: ${input.label}`, maxLength: input.maxLength, placeholder: input.placeholder ?? '' };
    }
    const options = choices[input.id];
    if (!options || options.length === 0) throw new Error(`renderFormCard: no choices resolved for input "${input.id}" of form "${spec.id}"`);
    return { ...base, kind: 'choice', errorMessage: 'Please choose one of the options.', choices: options.map(choiceView) };
  });
  return expand(formTemplate, {
    title: spec.title,
    caseLine: caseLine(caseNumber),
    inputs,
    formToken,
    submitTitle: 'Send',
    offerHandoff,
  });
}

/**
 * The buttons under the confirmation of a typed answer (the question is the message's text). Send
 * submits the answer it carries (checked again against the session like any submit), Change
 * submits nothing.
 */
export function renderConfirmCard({ formToken, answers, sendTitle, changeTitle }: ConfirmCardData): AdaptiveCardJson {
  if (formToken.trim() === '') throw new Error('renderConfirmCard: formToken is empty');
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [],
    actions: [
      { type: 'Action.Submit', title: sendTitle, style: 'positive', data: { ...answers, cowork: 'confirm', formToken } },
      { type: 'Action.Submit', title: changeTitle, data: { cowork: 'change', formToken } },
    ],
  };
}

export interface FormSummaryCardData {
  spec: FormSpec;
  /** Label per answered input id (see `answerLabels`). */
  labels: Readonly<Record<string, string>>;
  caseNumber: string;
  /** The status line, e.g. "Sent" or "✅ Saved on Case 00001026" (markdown: escape what comes from the org). */
  status: string;
}

/**
 * What the form card becomes once answered (updated in place): the same heading, the answers as
 * read-only facts, and where the answer stands. No input, no button: nothing can be sent twice.
 */
export function renderFormSummaryCard({ spec, labels, caseNumber, status }: FormSummaryCardData): AdaptiveCardJson {
  const facts = spec.inputs.flatMap((input) => {
    const label = labels[input.id];
    return label === undefined ? [] : [{ title: input.factTitle, value: escapeMarkdown(label) }];
  });
  if (facts.length === 0) throw new Error(`renderFormSummaryCard: no answer to show for form "${spec.id}"`);
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: escapeMarkdown(spec.title), style: 'heading', size: 'Medium', weight: 'Bolder', wrap: true },
      { type: 'TextBlock', text: caseLine(caseNumber), isSubtle: true, spacing: 'None', wrap: true },
      { type: 'FactSet', facts },
      { type: 'TextBlock', text: status, wrap: true, weight: 'Bolder' },
    ],
  };
}

/** The result: the spec's image, title, the Case, and each answer as a fact. */
export function renderResultCard({ spec, labels, imageUrl, caseNumber }: ResultCardData): AdaptiveCardJson {
  const facts = spec.inputs.flatMap((input) => {
    const label = labels[input.id];
    return label === undefined ? [] : [{ title: input.factTitle, value: escapeMarkdown(label) }];
  });
  if (facts.length === 0) throw new Error(`renderResultCard: no answer to show for form "${spec.id}"`);
  if (!/^https?:\/\//.test(imageUrl)) throw new Error(`renderResultCard: imageUrl must be an absolute http(s) URL, got "${imageUrl}"`);
  return expand(resultTemplate, {
    title: spec.resultCard.title,
    caseLine: caseLine(caseNumber),
    imageUrl,
    imageAltText: spec.resultCard.imageAltText,
    facts,
  });
}

/** The attachment botbuilder sends (`CardFactory.adaptiveCard(card)` builds the same). */
export function cardAttachment(card: AdaptiveCardJson): { contentType: string; content: AdaptiveCardJson } {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}

/**
 * Absolute path of an image under `cards/images/`, for the bot's HTTP server to serve. Only plain
 * file names are accepted, so a request path can never walk out of the folder. Works from the
 * sources and from `dist/` (where the images are not copied by tsc).
 */
export function cardImagePath(fileName: string): string {
  if (!/^[a-z0-9][a-z0-9-]*\.png$/.test(fileName)) throw new Error(`cardImagePath: "${fileName}" is not a card image file name`);
  const candidates = [join(__dirname, 'images', fileName), join(__dirname, '..', '..', 'cards', 'images', fileName)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`cardImagePath: ${fileName} not found in ${candidates.join(' or ')}`);
  return found;
}

function choiceView(option: ChoiceOption): { label: string; value: string } {
  // Choice titles are plain text in every renderer: shown exactly as the org labels them.
  return { label: option.label, value: option.value };
}

function caseLine(caseNumber: string): string {
  return `Case ${escapeMarkdown(caseNumber)}`;
}

function expand(template: Template, root: object): AdaptiveCardJson {
  const card: unknown = template.expand({ $root: root });
  if (typeof card !== 'object' || card === null || (card as { type?: unknown }).type !== 'AdaptiveCard') {
    throw new Error('card template did not expand to an AdaptiveCard');
  }
  return card as AdaptiveCardJson;
}
