/**
 * Checks an Adaptive Card the way the channels will read it, so a card that would render
 * half-empty (or not at all) fails in tests instead of in front of a customer.
 *
 * `AdaptiveCard.toJSON()` silently drops what it does not understand, so a card can look fine
 * after a round trip and still lose an element. Like Web Chat, this fails on every event of the
 * `SerializationContext`, then adds the library's `validateProperties()` findings and what the
 * library does not check but our channels need (schema ≤ 1.5 for the Emulator, no
 * `Action.Execute`, known properties only, images with an absolute http(s) URL).
 */
import { errorMessage } from '../util/errors';
import { adaptiveCards, type AcCardObject, type AcValidationEvent } from './adaptiveCardsUmd';

/** The newest schema every channel we target renders (the Emulator rejects 1.6). */
export const MAX_CARD_VERSION = { major: 1, minor: 5 } as const;

/** Properties parsed by hand in `adaptivecards` (containers' children), so not in the objects' schemas. */
const STRUCTURAL_PROPERTIES = new Set(['type', 'items', 'columns', 'body', 'actions', 'fallback', 'rows', 'cells']);

/** Every problem found in `card`; empty when the card is fine. */
export function validateCard(card: unknown): string[] {
  if (typeof card !== 'object' || card === null || Array.isArray(card)) return ['the card is not a JSON object'];
  const json = card as Readonly<Record<string, unknown>>;
  const problems: string[] = [];
  if (json.type !== 'AdaptiveCard') problems.push(`type is ${JSON.stringify(json.type)}, not "AdaptiveCard"`);
  problems.push(...versionProblems(json.version));

  const context = new adaptiveCards.SerializationContext(adaptiveCards.Versions.v1_5);
  const seen: Array<{ cardObject: AcCardObject; source: Readonly<Record<string, unknown>> }> = [];
  const remember = (cardObject: AcCardObject, source: Readonly<Record<string, unknown>>): void => {
    seen.push({ cardObject, source });
  };
  context.onParseElement = remember;
  context.onParseAction = remember;

  const parsed = new adaptiveCards.AdaptiveCard();
  try {
    parsed.parse(json, context);
  } catch (error) {
    return [...problems, `the card cannot be parsed: ${errorMessage(error)}`];
  }
  for (let i = 0; i < context.eventCount; i++) problems.push(describe(context.getEventAt(i)));
  for (const event of parsed.validateProperties().validationEvents) problems.push(describe(event));

  problems.push(...unknownPropertyProblems(parsed, json));
  for (const { cardObject, source } of seen) {
    problems.push(...unknownPropertyProblems(cardObject, source));
    problems.push(...elementProblems(cardObject.getJsonTypeName(), source));
  }
  return problems;
}

function versionProblems(version: unknown): string[] {
  if (typeof version !== 'string') return ['version is missing'];
  const match = /^(\d+)\.(\d+)$/.exec(version);
  if (!match) return [`version "${version}" is not a schema version like "1.5"`];
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const tooNew = major > MAX_CARD_VERSION.major || (major === MAX_CARD_VERSION.major && minor > MAX_CARD_VERSION.minor);
  return tooNew ? [`version ${version} is newer than ${MAX_CARD_VERSION.major}.${MAX_CARD_VERSION.minor}, the newest the Emulator renders`] : [];
}

function describe(event: AcValidationEvent): string {
  const kind = adaptiveCards.ValidationEvent[event.event] ?? `event ${event.event}`;
  return `${kind}: ${event.message}`;
}

/** Keys the library does not know for this object (it would drop them), or knows only from a newer schema. */
function unknownPropertyProblems(cardObject: AcCardObject, source: Readonly<Record<string, unknown>>): string[] {
  const schema = cardObject.getSchema();
  const known = new Map<string, string>();
  for (let i = 0; i < schema.getCount(); i++) {
    const property = schema.getItemAt(i);
    known.set(property.name, property.targetVersion.toString());
  }
  const typeName = cardObject.getJsonTypeName();
  const problems: string[] = [];
  for (const key of Object.keys(source)) {
    if (STRUCTURAL_PROPERTIES.has(key)) continue;
    const since = known.get(key);
    if (since === undefined) problems.push(`${typeName}: unknown property "${key}"`);
    else if (versionAfterMax(since)) problems.push(`${typeName}: property "${key}" needs schema ${since}`);
  }
  return problems;
}

function versionAfterMax(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > MAX_CARD_VERSION.major || (major === MAX_CARD_VERSION.major && minor > MAX_CARD_VERSION.minor);
}

/** Checks the library leaves to the host. */
function elementProblems(typeName: string, source: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  switch (typeName) {
    case 'Action.Execute':
      problems.push('Action.Execute is not supported by Web Chat nor the Emulator: use Action.Submit');
      break;
    case 'Image':
      if (!isAbsoluteHttpUrl(source.url)) problems.push(`Image: url ${JSON.stringify(source.url)} is not an absolute http(s) URL`);
      break;
    case 'Input.ChoiceSet':
      if (!Array.isArray(source.choices) || source.choices.length === 0) problems.push(`Input.ChoiceSet "${String(source.id)}": no choices`);
      else problems.push(...pairProblems(`Input.ChoiceSet "${String(source.id)}" choice`, source.choices));
      break;
    case 'FactSet':
      if (Array.isArray(source.facts)) problems.push(...pairProblems('FactSet fact', source.facts));
      break;
  }
  return problems;
}

/** Choices and facts are `{ title, value }` string pairs; anything else is dropped or rendered blank. */
function pairProblems(what: string, items: readonly unknown[]): string[] {
  const problems: string[] = [];
  items.forEach((item, index) => {
    const pair = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    const keys = Object.keys(pair);
    if (typeof pair.title !== 'string' || typeof pair.value !== 'string' || keys.some((k) => k !== 'title' && k !== 'value')) {
      problems.push(`${what} ${index + 1} must be exactly { title, value } strings`);
    }
  });
  return problems;
}

function isAbsoluteHttpUrl(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}
