/**
 * Recognises a typed answer ("renovation", "the first one", "2", "renovaton") against a choice
 * input's options, with botbuilder's choice recognisers plus a bounded typo fallback.
 *
 * Order, one strategy at a time so "the third one" is never read as both a name and a position:
 * 1. by name (`findChoices`, partial matches allowed), each option tried on its own so that two
 *    options matching the same words are reported as ambiguous instead of the first one winning;
 * 2. by position (`recognizeChoices`: ordinals and numbers, 1-based);
 * 3. by name with one or two typos per word (Damerau-Levenshtein).
 */
import { defaultTokenizer, findChoices, recognizeChoices, type Choice, type FindChoicesOptions, type Token } from 'botbuilder-dialogs';
import type { ChoiceOption } from '../cowork/formSpec';

/** Longer messages are not answers; they are refused before any recogniser runs on them. */
export const MAX_TYPED_ANSWER_LENGTH = 500;

export type AnswerRecognition =
  | { kind: 'match'; value: string }
  | { kind: 'ambiguous'; candidates: ChoiceOption[] }
  | { kind: 'none' }
  | { kind: 'tooLong'; maxLength: number };

/**
 * Words that carry no choice: matched alone (a partial match on "the"), they would pick an option
 * whose label happens to contain them. Dropped from both the utterance and the options.
 */
const FILLER_WORDS = new Set(
  'a an the of for to and or my our it its is i we want would like please choose pick take select option one that this'.split(' '),
);

/** Emoji, their variation selectors and joiners: part of the org's labels ("🛠 Renovation Work"), never typed. */
const EMOJI = /[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0E\uFE0F\u200D\u20E3]/gu;

const MAX_TOKENS = 60;

export function recognizeAnswer(text: string, options: readonly ChoiceOption[], locale = 'en-us'): AnswerRecognition {
  if (text.length > MAX_TYPED_ANSWER_LENGTH) return { kind: 'tooLong', maxLength: MAX_TYPED_ANSWER_LENGTH };
  const utterance = text.trim();
  if (utterance === '' || options.length === 0) return { kind: 'none' };
  const choices = options.map(toChoice);
  const findOptions: FindChoicesOptions = { locale, allowPartialMatches: true, tokenizer: meaningfulTokens };

  return (
    byName(utterance, options, choices, findOptions) ??
    byPosition(utterance, options, choices, findOptions) ??
    byNameWithTypos(utterance, options, locale) ?? { kind: 'none' }
  );
}

function toChoice(option: ChoiceOption): Choice {
  const plainLabel = withoutEmoji(option.label);
  const synonyms = new Set([option.label, plainLabel, option.value.replace(/_/g, ' ')].filter((s) => s !== ''));
  return { value: option.value, synonyms: [...synonyms] };
}

function withoutEmoji(label: string): string {
  return label.replace(EMOJI, ' ').replace(/\s+/g, ' ').trim();
}

function meaningfulTokens(text: string, locale?: string): Token[] {
  return defaultTokenizer(text, locale)
    .filter((token) => !FILLER_WORDS.has(token.normalized) && withoutEmoji(token.text) !== '')
    .slice(0, MAX_TOKENS);
}

interface NameHit {
  index: number;
  score: number;
  /** Words of the utterance found in the option's names, in any order. */
  words: ReadonlySet<string>;
}

function byName(utterance: string, options: readonly ChoiceOption[], choices: Choice[], findOptions: FindChoicesOptions): AnswerRecognition | undefined {
  const utteranceWords = new Set(meaningfulTokens(utterance, findOptions.locale).map((token) => token.normalized));
  const hits: NameHit[] = [];
  choices.forEach((choice, index) => {
    const found = findChoices(utterance, [choice], findOptions);
    if (found.length === 0) return;
    const score = Math.max(...found.map((result) => result.resolution.score));
    const optionWords = wordsOf(choice, findOptions.locale);
    hits.push({ index, score, words: new Set([...utteranceWords].filter((word) => optionWords.has(word))) });
  });
  if (hits.length === 0) return undefined;
  hits.sort((a, b) => b.words.size - a.words.size || b.score - a.score);
  const [top] = hits as [NameHit, ...NameHit[]];
  // An option is a rival unless the best one explains all its words and more (or as well, but
  // better matched): "car purchase" names Car, "purchase" alone names Car or Home, and
  // "renovation and car" names two options.
  const rivals = hits.filter((hit) => hit !== top && !(isSubset(hit.words, top.words) && (hit.words.size < top.words.size || hit.score < top.score)));
  if (rivals.length === 0) return { kind: 'match', value: options[top.index]!.value };
  return { kind: 'ambiguous', candidates: [top, ...rivals].sort((a, b) => a.index - b.index).map((hit) => options[hit.index]!) };
}

function wordsOf(choice: Choice, locale: string | undefined): Set<string> {
  const names = [choice.value, ...(choice.synonyms ?? [])];
  return new Set(names.flatMap((name) => meaningfulTokens(name, locale).map((token) => token.normalized)));
}

function isSubset(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return [...a].every((word) => b.has(word));
}

function byPosition(utterance: string, options: readonly ChoiceOption[], choices: Choice[], findOptions: FindChoicesOptions): AnswerRecognition | undefined {
  // Name matching already failed, so recognizeChoices goes on to ordinals ("the second one") and numbers ("2").
  const found = recognizeChoices(utterance, choices, findOptions);
  const indexes = [...new Set(found.map((result) => result.resolution.index))];
  if (indexes.length === 0) return undefined;
  if (indexes.length === 1) return { kind: 'match', value: options[indexes[0]!]!.value };
  return { kind: 'ambiguous', candidates: indexes.sort((a, b) => a - b).map((i) => options[i]!) };
}

function byNameWithTypos(utterance: string, options: readonly ChoiceOption[], locale: string): AnswerRecognition | undefined {
  const words = meaningfulTokens(utterance, locale)
    .map((token) => token.normalized)
    .filter((word) => word.length >= 4);
  if (words.length === 0) return undefined;
  const scores = options.map((option) => {
    const optionWords = [...wordsOf(toChoice(option), locale)];
    return words.filter((word) => optionWords.some((candidate) => closeEnough(word, candidate))).length;
  });
  const best = Math.max(...scores);
  if (best === 0) return undefined;
  const winners = options.filter((_, i) => scores[i] === best);
  return winners.length === 1 ? { kind: 'match', value: winners[0]!.value } : { kind: 'ambiguous', candidates: winners };
}

/** One typo for words of 4 to 7 letters, two from 8 on; short words must be exact (they were tried already). */
function closeEnough(word: string, candidate: string): boolean {
  if (candidate.length < 4) return false;
  const allowed = Math.max(word.length, candidate.length) >= 8 ? 2 : 1;
  if (Math.abs(word.length - candidate.length) > allowed) return false;
  return editDistance(word, candidate, allowed) <= allowed;
}

/** Optimal string alignment distance (a swap of two neighbours counts as one), giving up above `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (i > 0 && rowMin > limit) return limit + 1;
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
