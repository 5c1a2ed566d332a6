/**
 * Reading a typed answer before it is matched against the options: its text normalised (case,
 * emoji, punctuation), its meaningful tokens (filler words dropped), and what kind of message it is
 * whatever the options: a refusal ("I don't know", "any one is fine"), a question, a negation, or
 * one that mentions a number. None of it looks at the options; the matching is in
 * `answerPosition.ts` and `answerNames.ts`.
 */
import { defaultTokenizer, type Token } from 'botbuilder-dialogs';

/**
 * Words that carry no choice: matched alone (a partial match on "the"), they would pick an option
 * whose label happens to contain them. Dropped from both the utterance and the options.
 */
const FILLER_WORDS = new Set(
  'a an the of for to and or my our it its is i we want would like please choose pick take select option one that this le la les un une de des du pour et ou je veux voudrais choisis prends svp'.split(
    ' ',
  ),
);

/** Emoji, their variation selectors and joiners: part of the org's labels ("🛠 Renovation Work"), never typed. */
const EMOJI = /[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0E\uFE0F\u200D\u20E3]/gu;

const MAX_TOKENS = 60;

/** Lowercase, emoji and punctuation (but the apostrophe and "#") replaced by spaces, accents kept. */
export function normalise(text: string): string {
  return withoutEmoji(text)
    .toLowerCase()
    .replace(/[\u2019\u2018`]/g, "'")
    .replace(/[^\p{L}\p{N}'#\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Emoji replaced by spaces (labels keep their words). */
export function withoutEmoji(label: string): string {
  return label.replace(EMOJI, ' ').replace(/\s+/g, ' ').trim();
}

/** The tokens that can name a choice: filler words and emoji dropped, at most MAX_TOKENS. */
export function meaningfulTokens(text: string, locale?: string): Token[] {
  return defaultTokenizer(text, locale)
    .filter((token) => !FILLER_WORDS.has(token.normalized) && withoutEmoji(token.text) !== '')
    .slice(0, MAX_TOKENS);
}

const REFUSALS: readonly RegExp[] = [
  /\b(do ?n'?t|do not) (know|care)\b/,
  /\b(no idea|not sure|unsure|dunno|no clue)\b/,
  /\b(none|neither|nothing)\b/,
  /^(any|anything|whatever|anyone|either)( (is|are) (fine|ok|okay|good))?$/,
  /\b(any|either) (one|of them|of these|choice|option)\b/,
  /\b(you|u) (choose|pick|decide)\b/,
  /\b(je (ne )?sais pas|aucun|aucune|rien|peu importe|n'importe)\b/,
];

/** "I don't know", "none of these", "any one is fine", "you choose": the customer declines to choose. */
export function isRefusal(plain: string): boolean {
  return REFUSALS.some((pattern) => pattern.test(plain));
}

const QUESTION_OPENERS =
  /^(what|whats|what's|which|who|how|why|when|where|is|are|can|could|does|do|did|should|would|will|may|explain|tell me|qu'est|que|quoi|quel|quelle|quels|quelles|est ce|c'est quoi|comment|pourquoi|peut|puis)\b/;

/** Ends with a question mark, or opens as a question ("what is ...", "qu'est-ce que ..."). */
export function isQuestion(utterance: string, plain: string): boolean {
  return endsWithQuestionMark(utterance) || QUESTION_OPENERS.test(plain);
}

/** "Car purchase?", "car?!", "car? 🙂": asked, not answered, even when the rest is a choice's whole name. */
export function endsWithQuestionMark(utterance: string): boolean {
  return /\?[^\p{L}\p{N}]*$/u.test(utterance);
}

/** "not X", "anything but X", "no X", "except X", "other than X", "don't want X", "pas X", "sauf X". */
export const NEGATIONS =
  /\b(not|no|nope|never|except|without|but|n't|dont|don't|doesnt|doesn't|cannot|can't|wont|won't|isnt|isn't|ne|pas|sauf|sans|non|jamais|n'|other than|rather than|instead of)\b|n't\b/;

export function isNegated(plain: string): boolean {
  return NEGATIONS.test(plain);
}

/** A digit anywhere: a number that is not a whole position is never guessed at. */
export function mentionsNumber(plain: string): boolean {
  return /\d/.test(plain);
}
