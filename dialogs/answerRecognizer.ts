/**
 * Understanding a typed answer: "renovation", "the last one", "number 3", "renovaton".
 *
 * A typed answer is never guessed. The built-in recogniser takes a message only when it names one
 * choice plainly; it refuses, with a reason the dialog can answer, a negation ("not renovation",
 * "anything but education"), a question ("what is debt consolidation?"), a refusal ("I don't
 * know", "none of these", "any one is fine"), several candidates ("2 or 3") and anything
 * unrelated. Positions count only when the whole message is a position ("the second", "number 3",
 * "the last one"): a number word inside another phrase ("no one told me") is not one.
 *
 * It is one implementation of `AnswerRecognizer` (text + form → a candidate with a confidence, or
 * a reason it is none), so a host bot can plug in its own (an LLM, say). Whatever recogniser is
 * used, the dialog confirms its candidate with the customer before anything is published.
 *
 * Name matching uses botbuilder's choice recogniser, one option at a time so that two options
 * matching the same words are reported as ambiguous instead of the first one winning, then a
 * bounded typo fallback (Damerau-Levenshtein).
 */
import { defaultTokenizer, findChoices, type Choice, type FindChoicesOptions, type Token } from 'botbuilder-dialogs';
import type { ChoiceFormInput, ChoiceOption, FormSpec } from '../cowork/formSpec';

/** Longer messages are not answers; they are refused before any recogniser runs on them. */
export const MAX_TYPED_ANSWER_LENGTH = 500;

/** Why a message is no answer. */
export type NoAnswerReason = 'empty' | 'negated' | 'question' | 'refusal' | 'several' | 'unrelated';

export type AnswerRecognition =
  | { kind: 'match'; value: string; confidence: number }
  | { kind: 'ambiguous'; candidates: ChoiceOption[] }
  /** `mentioned`: the choices the message names (e.g. the subject of a question), in list order. */
  | { kind: 'none'; reason: NoAnswerReason; mentioned: ChoiceOption[] }
  | { kind: 'tooLong'; maxLength: number };

/** What a recogniser is given: the customer's text, the form and the options the customer saw. */
export interface TypedAnswerRequest {
  text: string;
  form: FormSpec;
  input: ChoiceFormInput;
  options: readonly ChoiceOption[];
  /** The activity's locale, e.g. "en-US" or "fr-FR". */
  locale: string;
}

/**
 * A candidate (one option's value, with a confidence between 0 and 1), or a reason the text is no
 * answer. `mentioned` values name options the text is about (for "what is X?", "not X", "X or Y").
 */
export type TypedAnswer =
  { kind: 'candidate'; value: string; confidence: number } | { kind: 'none'; reason: NoAnswerReason | 'tooLong'; mentioned?: readonly string[] };

/** The port: plug in another implementation through `CoworkOptions.recognizer`. */
export interface AnswerRecognizer {
  recognize(request: TypedAnswerRequest): Promise<TypedAnswer>;
}

/** Below this, a candidate is not even offered for confirmation. */
export const MIN_CANDIDATE_CONFIDENCE = 0.5;

/** The built-in recogniser, as the port. */
export const builtInRecognizer: AnswerRecognizer = {
  recognize: async ({ text, options, locale }) => {
    const result = recognizeAnswer(text, options, locale);
    switch (result.kind) {
      case 'match':
        return { kind: 'candidate', value: result.value, confidence: result.confidence };
      case 'ambiguous':
        return { kind: 'none', reason: 'several', mentioned: result.candidates.map((c) => c.value) };
      case 'tooLong':
        return { kind: 'none', reason: 'tooLong' };
      case 'none':
        return { kind: 'none', reason: result.reason, mentioned: result.mentioned.map((c) => c.value) };
    }
  },
};

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

export function recognizeAnswer(text: string, options: readonly ChoiceOption[], locale = 'en-us'): AnswerRecognition {
  if (text.length > MAX_TYPED_ANSWER_LENGTH) return { kind: 'tooLong', maxLength: MAX_TYPED_ANSWER_LENGTH };
  const utterance = text.trim();
  if (utterance === '' || options.length === 0) return none('empty');
  const choices = options.map(toChoice);
  const findOptions: FindChoicesOptions = { locale, allowPartialMatches: true, tokenizer: meaningfulTokens };
  const plain = normalise(utterance);
  const named = (): ChoiceOption[] => mentionedOptions(utterance, options, choices, findOptions);

  if (isRefusal(plain)) return none('refusal', named());
  if (isQuestion(utterance, plain)) return none('question', named());
  if (isNegated(plain)) {
    const names = named();
    if (names.length > 0) return none('negated', names);
    // "not the second one": say which one was understood.
    const rest = byPosition(plain.replace(new RegExp(NEGATIONS.source, 'g'), ' ').replace(/\s+/g, ' ').trim(), options);
    return none('negated', rest?.kind === 'match' ? options.filter((o) => o.value === rest.value) : []);
  }

  const position = byPosition(plain, options);
  if (position) return position;
  if (mentionsNumber(plain)) {
    // "2 or the renovation", "I have 3 kids": numbers that are not a whole position are not guessed.
    const names = named();
    return names.length > 0 ? { kind: 'ambiguous', candidates: names } : none('unrelated');
  }
  return byName(utterance, plain, options, choices, findOptions) ?? byNameWithTypos(utterance, options, locale) ?? none('unrelated');
}

function none(reason: NoAnswerReason, mentioned: ChoiceOption[] = []): AnswerRecognition {
  return { kind: 'none', reason, mentioned };
}

/** Lowercase, emoji and punctuation (but the apostrophe and "#") replaced by spaces, accents kept. */
function normalise(text: string): string {
  return withoutEmoji(text)
    .toLowerCase()
    .replace(/[\u2019\u2018`]/g, "'")
    .replace(/[^\p{L}\p{N}'#\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const REFUSALS: readonly RegExp[] = [
  /\b(i )?(do ?n'?t|do not|dont) know\b/,
  /\b(no idea|not sure|unsure|dunno|no clue)\b/,
  /\b(none|neither|nothing)\b/,
  /\b(i )?(do ?n'?t|do not) care\b/,
  /^(any|anything|whatever|any one|anyone|either|either one|any of them|dunno)( (is|are) (fine|ok|okay|good))?$/,
  /\b(any|either) (one|of them|of these|choice|option)\b/,
  /\b(you|u) (choose|pick|decide)\b/,
  /\b(je (ne )?sais pas|aucun|aucune|rien|peu importe|n'importe)\b/,
];

function isRefusal(plain: string): boolean {
  return REFUSALS.some((pattern) => pattern.test(plain));
}

const QUESTION_OPENERS =
  /^(what|whats|what's|which|who|how|why|when|where|is|are|can|could|does|do|did|should|would|will|may|explain|tell me|qu'est|que|quoi|quel|quelle|quels|quelles|est ce|c'est quoi|comment|pourquoi|peut|puis)\b/;

function isQuestion(utterance: string, plain: string): boolean {
  return /\?\s*$/.test(utterance) || QUESTION_OPENERS.test(plain);
}

/** "not X", "anything but X", "no X", "except X", "other than X", "don't want X", "pas X", "sauf X". */
const NEGATIONS =
  /\b(not|no|nope|never|except|without|but|n't|dont|don't|doesnt|doesn't|cannot|can't|wont|won't|isnt|isn't|ne|pas|sauf|sans|non|jamais|n'|other than|rather than|instead of)\b|n't\b/;

function isNegated(plain: string): boolean {
  return NEGATIONS.test(plain);
}

const ORDINALS: Readonly<Record<string, number>> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  premier: 1,
  premiere: 1,
  première: 1,
  deuxieme: 2,
  deuxième: 2,
  troisieme: 3,
  troisième: 3,
  quatrieme: 4,
  quatrième: 4,
  cinquieme: 5,
  cinquième: 5,
  sixieme: 6,
  sixième: 6,
  septieme: 7,
  septième: 7,
  huitieme: 8,
  huitième: 8,
  neuvieme: 9,
  neuvième: 9,
  dixieme: 10,
  dixième: 10,
};
const NUMBER_WORDS: Readonly<Record<string, number>> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  un: 1,
  une: 1,
  deux: 2,
  trois: 3,
  quatre: 4,
  cinq: 5,
  sept: 7,
  huit: 8,
  neuf: 9,
  dix: 10,
};
const LAST = new Set(['last', 'final', 'dernier', 'dernière', 'derniere']);

/** Polite words around a position that do not change it: "I'll take the second one, please". */
const POSITION_LEAD =
  /^(ok |okay |so |well |hmm |alors |euh )?((i'll|i will|i|we|let's|lets|let me) )?(take|pick|choose|chose|select|go with|want|would like|'d like|like|need|say|answer)? ?(it's |it is |is )?/;
const POSITION_TAIL = / ?(please|thanks|thank you|merci|svp|s'il vous plaît|s'il vous plait|stp)$/;

/**
 * A position when the whole message is one: "2", "#2", "the second", "second one", "number 3",
 * "option three", "the last one", "3rd", "la deuxième", "le numéro 2", "la dernière".
 * Several positions ("2 or 3") are ambiguous; a position past the list is no answer.
 */
function byPosition(plain: string, options: readonly ChoiceOption[]): AnswerRecognition | undefined {
  const core = plain.replace(POSITION_TAIL, '').replace(POSITION_LEAD, '').trim();
  if (core === '') return undefined;
  const parts = core
    .split(/ (?:or|and|ou|et) |, ?/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const positions = parts.map((part) => positionOf(part, options.length));
  if (positions.some((p) => p === undefined)) return undefined;
  const indexes = [...new Set(positions as number[])];
  if (indexes.some((i) => i < 1 || i > options.length)) return none('unrelated');
  if (indexes.length === 1) return { kind: 'match', value: options[indexes[0]! - 1]!.value, confidence: 1 };
  return { kind: 'ambiguous', candidates: indexes.sort((a, b) => a - b).map((i) => options[i - 1]!) };
}

function positionOf(part: string, count: number): number | undefined {
  const words = part
    .replace(/^#\s*/, 'number ')
    .split(' ')
    .filter((w) => !['the', 'le', 'la', "l'", 'a', 'an'].includes(w));
  // Trailing nouns: "the second one", "option 2", "choice three", "la deuxième option".
  while (words.length > 1 && ['one', 'option', 'choice', 'answer', 'item', 'choix', 'réponse'].includes(words[words.length - 1]!)) words.pop();
  // Leading nouns: "number 3", "option 2", "no 2", "numéro 2", "choice #3".
  let counted = false;
  while (words.length > 1 && ['number', 'no', 'nr', 'num', 'option', 'choice', 'numéro', 'numero', 'choix', '#'].includes(words[0]!)) {
    words.shift();
    counted = true;
  }
  if (words.length !== 1) return undefined;
  const word = words[0]!.replace(/^#/, '');
  if (/^\d{1,3}$/.test(word)) return Number(word);
  const suffixed = /^(\d{1,2})(st|nd|rd|th|e|er|ère|re|ème|eme)$/.exec(word);
  if (suffixed) return Number(suffixed[1]);
  if (LAST.has(word)) return count;
  if (word === 'second' || word === 'seconde') return 2;
  if (ORDINALS[word] !== undefined) return ORDINALS[word];
  // A bare number word is a position only as the whole message or after "number"/"option".
  if (NUMBER_WORDS[word] !== undefined && (counted || part === word)) return NUMBER_WORDS[word];
  return undefined;
}

function mentionsNumber(plain: string): boolean {
  return /\d/.test(plain);
}

/** Every option the text names (partial name matches), in list order. */
function mentionedOptions(utterance: string, options: readonly ChoiceOption[], choices: Choice[], findOptions: FindChoicesOptions): ChoiceOption[] {
  const found = options.filter((_, index) => findChoices(utterance, [choices[index]!], findOptions).length > 0);
  if (found.length > 0) return found;
  return options.filter((option) => {
    const words = meaningfulTokens(utterance, findOptions.locale)
      .map((t) => t.normalized)
      .filter((w) => w.length >= 4);
    const optionWords = [...wordsOf(toChoice(option), findOptions.locale)];
    return words.some((word) => optionWords.some((candidate) => closeEnough(word, candidate)));
  });
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

function byName(
  utterance: string,
  plain: string,
  options: readonly ChoiceOption[],
  choices: Choice[],
  findOptions: FindChoicesOptions,
): AnswerRecognition | undefined {
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
  if (rivals.length === 0) {
    // Certain when the message is the option's name; less so when it only contains part of it.
    const option = options[top.index]!;
    const exact = [option.label, option.value, option.value.replace(/_/g, ' ')].some((name) => normalise(name) === plain);
    const coverage = utteranceWords.size === 0 ? 0 : top.words.size / utteranceWords.size;
    return { kind: 'match', value: option.value, confidence: exact ? 1 : Math.max(MIN_CANDIDATE_CONFIDENCE, Math.min(0.9, 0.5 + coverage * 0.4)) };
  }
  return { kind: 'ambiguous', candidates: [top, ...rivals].sort((a, b) => a.index - b.index).map((hit) => options[hit.index]!) };
}

function wordsOf(choice: Choice, locale: string | undefined): Set<string> {
  const names = [choice.value, ...(choice.synonyms ?? [])];
  return new Set(names.flatMap((name) => meaningfulTokens(name, locale).map((token) => token.normalized)));
}

function isSubset(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return [...a].every((word) => b.has(word));
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
  return winners.length === 1 ? { kind: 'match', value: winners[0]!.value, confidence: 0.6 } : { kind: 'ambiguous', candidates: winners };
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
