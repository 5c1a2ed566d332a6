/**
 * A typed answer read as an option's name: "renovation", "car purchase", "renovaton".
 *
 * Name matching uses botbuilder's choice recogniser, one option at a time so that two options
 * matching the same words are reported as ambiguous instead of the first one winning, then a
 * bounded typo fallback (Damerau-Levenshtein). `mentionedOptions` finds the options a message is
 * about (the subject of a question, what a negation refuses), for the dialog to name in its reply.
 */
import { findChoices, type Choice, type FindChoicesOptions } from 'botbuilder-dialogs';
import type { ChoiceOption } from '../cowork/domain/formSpec';
import { meaningfulTokens, normalise, withoutEmoji } from './answerText';
import { MIN_CANDIDATE_CONFIDENCE, type AnswerRecognition } from './typedAnswer';

/** Every option the text names (partial name matches), in list order. */
export function mentionedOptions(utterance: string, options: readonly ChoiceOption[], choices: Choice[], findOptions: FindChoicesOptions): ChoiceOption[] {
  const found = options.filter((_, index) => {
    const choice = choices[index];
    return choice !== undefined && findChoices(utterance, [choice], findOptions).length > 0;
  });
  if (found.length > 0) return found;
  return options.filter((option) => {
    const words = meaningfulTokens(utterance, findOptions.locale)
      .map((t) => t.normalized)
      .filter((w) => w.length >= 4);
    const optionWords = [...wordsOf(toChoice(option), findOptions.locale)];
    return words.some((word) => optionWords.some((candidate) => closeEnough(word, candidate)));
  });
}

/** An option as botbuilder's choice recogniser takes it: its value, its label with and without emoji, the value's words. */
export function toChoice(option: ChoiceOption): Choice {
  const plainLabel = withoutEmoji(option.label);
  const synonyms = new Set([option.label, plainLabel, option.value.replace(/_/g, ' ')].filter((s) => s !== ''));
  return { value: option.value, synonyms: [...synonyms] };
}

/** The normalised message is the option's whole label or value ("car purchase", "Car_Purchase", "Less than 5,000"). */
export function isNameOf(option: ChoiceOption, plain: string): boolean {
  return normalise(option.label) === plain || normalise(option.value) === plain;
}

interface NameHit {
  option: ChoiceOption;
  index: number;
  score: number;
  /** Words of the utterance found in the option's names, in any order. */
  words: ReadonlySet<string>;
}

/** The option the message names, best covered first; `undefined` when it names none. */
export function byName(
  utterance: string,
  plain: string,
  options: readonly ChoiceOption[],
  choices: Choice[],
  findOptions: FindChoicesOptions,
): AnswerRecognition | undefined {
  const utteranceWords = new Set(meaningfulTokens(utterance, findOptions.locale).map((token) => token.normalized));
  const hits: NameHit[] = [];
  choices.forEach((choice, index) => {
    const option = options[index];
    const found = option ? findChoices(utterance, [choice], findOptions) : [];
    if (!option || found.length === 0) return;
    const score = Math.max(...found.map((result) => result.resolution.score));
    const optionWords = wordsOf(choice, findOptions.locale);
    hits.push({ option, index, score, words: new Set([...utteranceWords].filter((word) => optionWords.has(word))) });
  });
  hits.sort((a, b) => b.words.size - a.words.size || b.score - a.score);
  const [top] = hits;
  if (!top) return undefined;
  // An option is a rival unless the best one explains all its words and more (or as well, but
  // better matched): "car purchase" names Car, "purchase" alone names Car or Home, and
  // "renovation and car" names two options.
  const rivals = hits.filter((hit) => hit !== top && !(isSubset(hit.words, top.words) && (hit.words.size < top.words.size || hit.score < top.score)));
  if (rivals.length === 0) {
    // Certain when the message is the option's name; less so when it only contains part of it.
    const option = top.option;
    const exact = isNameOf(option, plain);
    const coverage = utteranceWords.size === 0 ? 0 : top.words.size / utteranceWords.size;
    return { kind: 'match', value: option.value, confidence: exact ? 1 : Math.max(MIN_CANDIDATE_CONFIDENCE, Math.min(0.9, 0.5 + coverage * 0.4)) };
  }
  return { kind: 'ambiguous', candidates: [top, ...rivals].sort((a, b) => a.index - b.index).map((hit) => hit.option) };
}

function wordsOf(choice: Choice, locale: string | undefined): Set<string> {
  const names = [choice.value, ...(choice.synonyms ?? [])];
  return new Set(names.flatMap((name) => meaningfulTokens(name, locale).map((token) => token.normalized)));
}

function isSubset(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return [...a].every((word) => b.has(word));
}

/** The option whose words the message's long words come closest to (a typo or two); `undefined` when none is close. */
export function byNameWithTypos(utterance: string, options: readonly ChoiceOption[], locale: string): AnswerRecognition | undefined {
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
  const [winner] = winners;
  return winners.length === 1 && winner ? { kind: 'match', value: winner.value, confidence: 0.6 } : { kind: 'ambiguous', candidates: winners };
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
  // Every cell read is one written before it (rows above, cells to the left): `?? limit + 1` never applies.
  const cell = (i: number, j: number): number => rows[i]?.[j] ?? limit + 1;
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(cell(i - 1, j) + 1, (row[j - 1] ?? limit + 1) + 1, cell(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, cell(i - 2, j - 2) + 1);
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (i > 0 && rowMin > limit) return limit + 1;
    rows.push(row);
  }
  return cell(a.length, b.length);
}
