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

/**
 * An option as botbuilder's choice recogniser takes it: its value and its label without emoji (the
 * tokens drop emoji anyway, but not a variation selector glued to the next word: "✈️Travel").
 * The tokens split the value at "_": "Debt_Consolidation" is "debt consolidation".
 */
export function toChoice(option: ChoiceOption): NamedChoice {
  return { value: option.value, synonyms: [withoutEmoji(option.label)] };
}

/** The normalised message is the option's whole label or value ("car purchase", "Car_Purchase", "Less than 5,000"). */
export function isNameOf(option: ChoiceOption, plain: string): boolean {
  return normalise(option.label) === plain || normalise(option.value) === plain;
}

/** A choice with its names (botbuilder's `Choice` has them optional; ours always has them). */
export type NamedChoice = Choice & { synonyms: string[] };

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
  choices: NamedChoice[],
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
    // Never 0 / 0: a hit was found with the same tokens, so the message has at least one.
    const coverage = top.words.size / utteranceWords.size;
    return { kind: 'match', value: option.value, confidence: exact ? 1 : Math.max(MIN_CANDIDATE_CONFIDENCE, Math.min(0.9, 0.5 + coverage * 0.4)) };
  }
  return { kind: 'ambiguous', candidates: [top, ...rivals].sort((a, b) => a.index - b.index).map((hit) => hit.option) };
}

function wordsOf(choice: NamedChoice, locale: string | undefined): Set<string> {
  const names = [choice.value, ...choice.synonyms];
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
  // The distance is at least the difference in length: a shortcut, not a rule.
  if (Math.abs(word.length - candidate.length) > allowed) return false;
  return editDistance(word, candidate) <= allowed;
}

/** Optimal string alignment distance: a substitution, an insertion, a deletion or a swap of two neighbours counts as one. */
function editDistance(a: string, b: string): number {
  let twoAbove: number[] = [];
  let above = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      // Every cell read was written before (`?? 0` is for the type checker). At i = 1 or j = 1 the
      // characters two back are undefined, so the swap test fails there by itself.
      let d = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (twoAbove[j - 2] ?? 0) + 1);
      row.push(d);
    }
    [twoAbove, above] = [above, row];
  }
  return above[b.length] ?? 0;
}
