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
 * This file is the recogniser's order of questions; the text is read in `answerText.ts`, positions
 * in `answerPosition.ts`, names (with typos) in `answerNames.ts`, and the port's types are in
 * `typedAnswer.ts` (exported from here too).
 */
import type { FindChoicesOptions } from 'botbuilder-dialogs';
import type { ChoiceOption } from '../cowork/domain/formSpec';
import { byName, byNameWithTypos, isNameOf, mentionedOptions, toChoice } from './answerNames';
import { byPosition } from './answerPosition';
import { endsWithQuestionMark, isNegated, isQuestion, isRefusal, meaningfulTokens, mentionsNumber, NEGATIONS, normalise } from './answerText';
import { MAX_TYPED_ANSWER_LENGTH, noAnswer, type AnswerRecognition, type AnswerRecognizer } from './typedAnswer';

export {
  MAX_TYPED_ANSWER_LENGTH,
  MIN_CANDIDATE_CONFIDENCE,
  type AnswerRecognition,
  type AnswerRecognizer,
  type NoAnswerReason,
  type TypedAnswer,
  type TypedAnswerRequest,
} from './typedAnswer';

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

/** The built-in recognition: a choice's whole name, then refusal, question, negation, then a position, then a name (exact, then with typos). */
export function recognizeAnswer(text: string, options: readonly ChoiceOption[], locale = 'en-us'): AnswerRecognition {
  if (text.length > MAX_TYPED_ANSWER_LENGTH) return { kind: 'tooLong', maxLength: MAX_TYPED_ANSWER_LENGTH };
  const utterance = text.trim();
  if (utterance === '' || options.length === 0) return noAnswer('empty');
  const choices = options.map(toChoice);
  const findOptions: FindChoicesOptions = { locale, allowPartialMatches: true, tokenizer: meaningfulTokens };
  const plain = normalise(utterance);
  const named = (): ChoiceOption[] => mentionedOptions(utterance, options, choices, findOptions);

  // The whole name of one choice is that choice, whatever words it is made of: "None of the above",
  // "Not applicable", "Less than 5,000" are labels an org gives its options.
  const namedExactly = options.filter((option) => isNameOf(option, plain));
  const [exact] = namedExactly;
  if (namedExactly.length === 1 && exact && !endsWithQuestionMark(utterance)) return { kind: 'match', value: exact.value, confidence: 1 };

  if (isRefusal(plain)) return noAnswer('refusal', named());
  if (isQuestion(utterance, plain)) return noAnswer('question', named());
  if (isNegated(plain)) {
    const names = named();
    if (names.length > 0) return noAnswer('negated', names);
    // "not the second one": say which one was understood.
    const rest = byPosition(plain.replace(new RegExp(NEGATIONS.source, 'g'), ' ').replace(/\s+/g, ' ').trim(), options);
    return noAnswer('negated', rest?.kind === 'match' ? options.filter((o) => o.value === rest.value) : []);
  }

  const position = byPosition(plain, options);
  if (position) return position;
  if (mentionsNumber(plain)) {
    // "2 or the renovation", "I have 3 kids": numbers that are not a whole position are not guessed.
    const names = named();
    return names.length > 0 ? { kind: 'ambiguous', candidates: names } : noAnswer('unrelated');
  }
  return byName(utterance, plain, options, choices, findOptions) ?? byNameWithTypos(utterance, options, locale) ?? noAnswer('unrelated');
}
