/**
 * The `adaptivecards` object model, loaded from its UMD build.
 *
 * `require('adaptivecards')` fails in Node (its `lib/` is ESM with extension-less imports);
 * `dist/adaptivecards.js` loads without a DOM and supports everything but `render()`. The
 * package's typings describe `lib/`, so this file declares the small part the validator uses.
 */

export interface AcVersion {
  readonly major: number;
  readonly minor: number;
  toString(): string;
}

export interface AcValidationEvent {
  /** `ValidationEvent` enum value (e.g. 11 = UnknownElementType). */
  event: number;
  message: string;
}

export interface AcPropertyDefinition {
  readonly name: string;
  readonly targetVersion: AcVersion;
}

export interface AcSchema {
  getCount(): number;
  getItemAt(index: number): AcPropertyDefinition;
}

export interface AcCardObject {
  getJsonTypeName(): string;
  getSchema(): AcSchema;
}

export type AcParseHook = (cardObject: AcCardObject, source: Readonly<Record<string, unknown>>) => void;

export interface AcSerializationContext {
  readonly eventCount: number;
  getEventAt(index: number): AcValidationEvent;
  onParseElement?: AcParseHook;
  onParseAction?: AcParseHook;
}

export interface AcAdaptiveCard extends AcCardObject {
  parse(source: object, context?: AcSerializationContext): void;
  validateProperties(): { readonly validationEvents: readonly AcValidationEvent[] };
}

export interface AdaptiveCardsModule {
  AdaptiveCard: new () => AcAdaptiveCard;
  SerializationContext: new (targetVersion?: AcVersion) => AcSerializationContext;
  Versions: { readonly v1_5: AcVersion };
  /** The enum's reverse mapping: number → name. */
  ValidationEvent: Readonly<Record<number, string>>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the UMD build is the only one that loads in Node (PITFALLS.md)
export const adaptiveCards = require('adaptivecards/dist/adaptivecards.js') as AdaptiveCardsModule;
