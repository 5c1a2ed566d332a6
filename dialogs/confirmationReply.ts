/**
 * The customer's typed reply to "You chose … Send it?": yes, no (perhaps with another answer at
 * once, "no, education"), or anything else. Anchored and whole: "not right, education" is no yes.
 * English always counts, besides the conversation's own catalog.
 */
import type { Texts } from './texts';

/** Typed confirmations of a pending answer, per catalog. */
const YES: Record<Texts['locale'], RegExp> = {
  en: /^(yes|y|yeah|yep|yup|sure|ok|okay|send|send it|yes please|yes send it|confirm|correct|right|that's right|that is right|go ahead)[.! ]*$/i,
  fr: /^(oui|ouais|ok|envoyer|envoie|envoyez|confirmer|d'accord|c'est ça|exact|yes)[.! ]*$/i,
};
const NO: Record<Texts['locale'], RegExp> = {
  en: /^(no|n|nope|change|change it|wrong|not that|no thanks|cancel)[.! ]*$/i,
  fr: /^(non|modifier|changer|pas ça|annuler|no)[.! ]*$/i,
};
/** "no, education": a change and a new answer at once. */
const NO_AND: Record<Texts['locale'], RegExp> = {
  en: /^(?:no|nope|change it|change)\s*[,;:!.-]\s*(.+)$/i,
  fr: /^(?:non|modifier)\s*[,;:!.-]\s*(.+)$/i,
};

export type ConfirmationReply = { kind: 'yes' } | { kind: 'no'; instead?: string } | { kind: 'other' };

export function confirmationReply(texts: Texts, text: string): ConfirmationReply {
  const typed = text.trim().replace(/[\u2019]/g, "'");
  if (YES[texts.locale].test(typed) || YES.en.test(typed)) return { kind: 'yes' };
  if (NO[texts.locale].test(typed) || NO.en.test(typed)) return { kind: 'no' };
  const instead = NO_AND[texts.locale].exec(typed) ?? NO_AND.en.exec(typed);
  if (instead?.[1]) return { kind: 'no', instead: instead[1] };
  return { kind: 'other' };
}
