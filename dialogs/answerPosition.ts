/**
 * A typed answer read as a position in the list the customer saw: "2", "#2", "the second one",
 * "number 3", "the last one", "la deuxième". A position counts only when the whole message is one
 * (polite words around it aside): a number word inside another phrase ("no one told me") is not.
 */
import type { ChoiceOption } from '../cowork/domain/formSpec';
import { noAnswer, type AnswerRecognition } from './typedAnswer';

const ORDINALS: Readonly<Record<string, number>> = {
  first: 1,
  second: 2,
  seconde: 2,
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
export function byPosition(plain: string, options: readonly ChoiceOption[]): AnswerRecognition | undefined {
  // `plain` is normalised (single spaces, no commas): the lead eats any space it leaves.
  const core = plain.replace(POSITION_TAIL, '').replace(POSITION_LEAD, '');
  const positions = core.split(/ (?:or|and|ou|et) /).map((part) => positionOf(part, options.length));
  if (positions.some((p) => p === undefined)) return undefined;
  const indexes = [...new Set(positions as number[])];
  if (indexes.some((i) => i < 1 || i > options.length)) return noAnswer('unrelated');
  const picked = indexes.sort((a, b) => a - b).flatMap((i) => options[i - 1] ?? []);
  const [only] = picked;
  if (picked.length === 1 && only) return { kind: 'match', value: only.value, confidence: 1 };
  return { kind: 'ambiguous', candidates: picked };
}

function positionOf(part: string, count: number): number | undefined {
  // "#3", "# 3", "choice #3": "#" is a word of its own, like "number". "a" and "an" are not
  // dropped: "a second" is "wait", not the second choice.
  const words = part
    .replace(/#/g, ' # ')
    .split(' ')
    .filter((w) => w !== '' && !['the', 'le', 'la'].includes(w));
  // Leading nouns first, so that "number one" keeps its "one": "number 3", "option 2", "numéro 2", "choice #3".
  // ("no 2" never gets here: it is a negation.)
  let counted = false;
  while (['number', 'nr', 'num', 'option', 'choice', 'numéro', 'numero', 'choix', '#'].includes(words[0] ?? '')) {
    words.shift();
    counted = true;
  }
  // Trailing nouns: "the second one", "choice three", "la deuxième option".
  while (words.length > 1 && ['one', 'option', 'choice', 'answer', 'item', 'choix', 'réponse'].includes(words[words.length - 1] ?? '')) words.pop();
  const [word, ...more] = words;
  if (word === undefined || more.length > 0) return undefined;
  if (/^\d{1,3}$/.test(word)) return Number(word);
  const suffixed = /^(\d{1,2})(st|nd|rd|th|e|er|ère|re|ème|eme)$/.exec(word);
  if (suffixed) return Number(suffixed[1]);
  if (LAST.has(word)) return count;
  if (ORDINALS[word] !== undefined) return ORDINALS[word];
  // A bare number word is a position only as the whole message or after "number"/"option".
  return counted || part === word ? NUMBER_WORDS[word] : undefined;
}
