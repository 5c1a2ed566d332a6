/**
 * What a customer types in answer to a choice, and what the built-in recogniser makes of it: the
 * answer it takes (to confirm with the customer), the ones it offers again, and the messages it
 * refuses. The value on the Case comes from here, so every case that is no clear answer is a
 * refusal, with the reason and the choices the dialog names in its reply.
 */
import { builtInRecognizer, recognizeAnswer, type AnswerRecognition } from '../../dialogs/answerRecognizer';
import { resolveChoices, type ChoiceOption } from '../../cowork/domain/formSpec';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import { PICKLISTS } from './fixtures';

// Renovation_Work, Car_Purchase, Home_Purchase, Debt_Consolidation, Work_Equipment, with emoji labels.
const funds = resolveChoices(USE_OF_FUNDS_FORM, PICKLISTS).useOfFunds ?? [];
const amounts: ChoiceOption[] = [
  { value: 'Under_5k', label: 'Less than 5,000' },
  { value: '5k_to_20k', label: '5,000 to 20,000' },
  { value: 'Over_20k', label: 'More than 20,000' },
];
const french: ChoiceOption[] = [
  { value: 'Renovation', label: 'Rénovation' },
  { value: 'Voiture', label: 'Achat de voiture' },
  { value: 'Equipement', label: 'Équipement de travail' },
];

/** The result as the dialog reads it: the value taken, the values offered again, or the reason and the values named. */
function outcome(result: AnswerRecognition): string {
  switch (result.kind) {
    case 'match':
      return `match ${result.value}`;
    case 'ambiguous':
      return `ambiguous ${result.candidates.map((c) => c.value).join(',')}`;
    case 'none':
      return `${result.reason} [${result.mentioned.map((c) => c.value).join(',')}]`;
    case 'tooLong':
      return 'tooLong';
  }
}

const read = (text: string, options: readonly ChoiceOption[] = funds, locale?: string): string => outcome(recognizeAnswer(text, options, locale));

describe('a typed answer that names one choice', () => {
  it.each([
    ['Renovation Work!', 'Renovation_Work'],
    ['renovation work please', 'Renovation_Work'],
    ['CAR', 'Car_Purchase'],
    ['Car.', 'Car_Purchase'],
    ['car 🚗', 'Car_Purchase'],
    ['the car one', 'Car_Purchase'],
    ['purchase car', 'Car_Purchase'],
    ['car and car purchase', 'Car_Purchase'],
    ['Home', 'Home_Purchase'],
    ["I'd like home purchase", 'Home_Purchase'],
    ['DEBT_CONSOLIDATION', 'Debt_Consolidation'],
    ['consolidation', 'Debt_Consolidation'],
    ['work equipment', 'Work_Equipment'],
  ])('takes %j as %s', (text, value) => {
    expect(read(text)).toBe(`match ${value}`);
  });

  it.each([
    ['rénovation', 'Renovation'],
    ['RENOVATION', 'Renovation'],
    ['voiture', 'Voiture'],
    ['je veux la voiture', 'Voiture'],
    ['travail', 'Equipement'],
  ])('takes %j as %s, in French, accents or not', (text, value) => {
    expect(read(text, french, 'fr-fr')).toBe(`match ${value}`);
  });

  it('is certain only when the message is the name of the choice', () => {
    for (const name of ['Home Purchase', 'home_purchase', '🏠 Home Purchase', 'Home_Purchase']) {
      expect(recognizeAnswer(name, funds)).toEqual({ kind: 'match', value: 'Home_Purchase', confidence: 1 });
    }
    for (const part of ['home', 'home purchase please', "I'd like home purchase"]) {
      const result = recognizeAnswer(part, funds);
      expect(result).toMatchObject({ kind: 'match', value: 'Home_Purchase' });
      if (result.kind === 'match') {
        expect(result.confidence).toBeLessThan(1);
        expect(result.confidence).toBeGreaterThanOrEqual(0.5);
      }
    }
  });

  it('is the more confident the more of the message the name explains', () => {
    const confidence = (text: string): number => {
      const result = recognizeAnswer(text, funds);
      return result.kind === 'match' ? result.confidence : Number.NaN;
    };
    expect(confidence('home please')).toBeGreaterThan(confidence('I would really like home'));
    expect(confidence('I would really like home')).toBeGreaterThanOrEqual(0.5);
  });

  it('is no less sure for an emoji next to the name', () => {
    const confidence = (text: string): number => {
      const result = recognizeAnswer(text, funds);
      return result.kind === 'match' ? result.confidence : Number.NaN;
    };
    expect(confidence('home 🏠')).toBe(confidence('home'));
    expect(confidence('👍 the car one 🚗🚗')).toBe(confidence('the car one'));
  });
});

describe("a choice's whole name, whatever words it is made of", () => {
  const org: ChoiceOption[] = [
    { value: 'Renovation', label: 'Renovation' },
    { value: 'No_Preference', label: 'No preference' },
    { value: 'Not_Applicable', label: 'Not applicable' },
    { value: 'Unknown', label: "Don't know yet" },
    { value: 'Other', label: 'None of the above' },
  ];

  it.each([
    ['No preference', 'No_Preference'],
    ['not applicable', 'Not_Applicable'],
    ['Not applicable.', 'Not_Applicable'],
    ["don't know yet", 'Unknown'],
    ['Don’t know yet', 'Unknown'],
    ['None of the above', 'Other'],
  ])('takes %j, the label of a choice, as that choice', (text, value) => {
    expect(recognizeAnswer(text, org)).toEqual({ kind: 'match', value, confidence: 1 });
  });

  it.each([
    ['Less than 5,000', 'Under_5k'],
    ['5,000 to 20,000', '5k_to_20k'],
    ['more than 20,000', 'Over_20k'],
    ['over 20k', 'Over_20k'],
    ['Under_5k', 'Under_5k'],
  ])('takes the amount %j, the label or value of a choice, although it has numbers in it', (text, value) => {
    expect(recognizeAnswer(text, amounts)).toEqual({ kind: 'match', value, confidence: 1 });
  });

  it.each([
    ['Not applicable?', 'question [Not_Applicable]'],
    ['none of the above?', 'refusal [Other]'],
    ['not renovation', 'negated [Renovation,Not_Applicable]'],
    ['no preference for renovation', 'negated [Renovation,No_Preference]'],
    ["I don't know", 'refusal [Unknown]'],
  ])('still refuses %j, which is more or less than the name', (text, expected) => {
    expect(read(text, org)).toBe(expected);
  });

  it('offers both again when two choices have the same name', () => {
    const twins: ChoiceOption[] = [
      { value: 'Other_A', label: 'Other' },
      { value: 'Other_B', label: 'Other' },
    ];
    expect(read('other', twins)).toBe('ambiguous Other_A,Other_B');
    expect(read('other 2', twins)).toBe('ambiguous Other_A,Other_B');
  });
});

describe('a typed answer read as a position in the list the customer saw', () => {
  it.each([
    ['2nd', 'Car_Purchase'],
    ['3rd', 'Home_Purchase'],
    ['1st', 'Renovation_Work'],
    ['4th', 'Debt_Consolidation'],
    ['#3', 'Home_Purchase'],
    ['# 3', 'Home_Purchase'],
    ['nr 2', 'Car_Purchase'],
    ['num 2', 'Car_Purchase'],
    ['choice #3', 'Home_Purchase'],
    ['the third option', 'Home_Purchase'],
    ['the second choice', 'Car_Purchase'],
    ['the fifth item', 'Work_Equipment'],
    ['the 4th answer', 'Debt_Consolidation'],
    ['option 2', 'Car_Purchase'],
    ['two', 'Car_Purchase'],
    ['number two', 'Car_Purchase'],
    ['number one', 'Renovation_Work'],
    ['choice one', 'Renovation_Work'],
    ['option four', 'Debt_Consolidation'],
    ['I want two', 'Car_Purchase'],
    ['okay the second one', 'Car_Purchase'],
    ['so the 1st', 'Renovation_Work'],
    ["let's go with the third", 'Home_Purchase'],
    ['we need the first one thank you', 'Renovation_Work'],
    ['let me choose the last one thanks', 'Work_Equipment'],
    ['final', 'Work_Equipment'],
    ['the final one', 'Work_Equipment'],
    ['2 or 2', 'Car_Purchase'],
    ['it is the second', 'Car_Purchase'],
    ['first', 'Renovation_Work'],
    ['third', 'Home_Purchase'],
    ['fourth', 'Debt_Consolidation'],
    ['fifth', 'Work_Equipment'],
    ['five', 'Work_Equipment'],
  ])('takes %j as %s', (text, value) => {
    expect(recognizeAnswer(text, funds)).toEqual({ kind: 'match', value, confidence: 1 });
  });

  it.each([
    ['la deuxième', 'Voiture'],
    ['la dernière', 'Equipement'],
    ['la derniere', 'Equipement'],
    ['le numéro 2', 'Voiture'],
    ['numero 3', 'Equipement'],
    ['le premier', 'Renovation'],
    ['la première', 'Renovation'],
    ['la premiere', 'Renovation'],
    ['deux', 'Voiture'],
    ['trois', 'Equipement'],
    ['une', 'Renovation'],
    ['le deuxième choix', 'Voiture'],
    ['la troisième option', 'Equipement'],
    ['la troisieme', 'Equipement'],
    ['la seconde', 'Voiture'],
    ['2e', 'Voiture'],
    ['2ème', 'Voiture'],
    ['2eme', 'Voiture'],
    ['1er', 'Renovation'],
    ['1ère', 'Renovation'],
    ['1re', 'Renovation'],
    ['choix 2', 'Voiture'],
    ['la 2e réponse', 'Voiture'],
    ["deuxième s'il vous plaît", 'Voiture'],
    ["la deuxième s'il vous plait", 'Voiture'],
    ['la 2 merci', 'Voiture'],
    ['la 3 svp', 'Equipement'],
    ['la première stp', 'Renovation'],
    ['alors la première', 'Renovation'],
    ['euh deux', 'Voiture'],
  ])('takes %j as %s, in French', (text, value) => {
    expect(recognizeAnswer(text, french, 'fr-fr')).toEqual({ kind: 'match', value, confidence: 1 });
  });

  it.each([
    ['every French ordinal', ['premier', 'deuxième', 'troisième', 'quatrième', 'cinquième', 'sixième', 'septième', 'huitième', 'neuvième', 'dixième']],
    [
      'French ordinals without accents',
      ['premiere', 'deuxieme', 'troisieme', 'quatrieme', 'cinquieme', 'sixieme', 'septieme', 'huitieme', 'neuvieme', 'dixieme'],
    ],
    ['every English ordinal', ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth']],
    ['every English number word', ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten']],
    ['French number words', ['un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf', 'dix']],
  ])('counts %s up to ten', (_, words) => {
    const ten = Array.from({ length: 10 }, (__, i): ChoiceOption => ({ value: `V${i + 1}`, label: `Choice ${String.fromCharCode(65 + i)}` }));
    expect(words.map((word) => read(`option ${word}`, ten))).toEqual(ten.map((o) => `match ${o.value}`));
    expect(words.map((word) => read(word, ten))).toEqual(ten.map((o) => `match ${o.value}`));
  });

  it('reads "last" as the last of the list the customer saw, however long', () => {
    expect(read('the last one', funds.slice(0, 2))).toBe('match Car_Purchase');
    expect(read('dernier', french)).toBe('match Equipement');
  });

  it('offers the choices again, in list order, when the message gives several positions', () => {
    expect(read('2 and 3')).toBe('ambiguous Car_Purchase,Home_Purchase');
    expect(read('3 or 1')).toBe('ambiguous Renovation_Work,Home_Purchase');
    expect(read('the fifth or the second')).toBe('ambiguous Car_Purchase,Work_Equipment');
    expect(read('la 3 ou la 1', french)).toBe('ambiguous Renovation,Equipement');
    expect(read('2 et 3', french)).toBe('ambiguous Voiture,Equipement');
  });

  it.each(['6', '10', '999', '1000', '6th', 'the tenth', 'option 0', '2 or 6'])('takes nothing from %j, past the list', (text) => {
    expect(read(text)).toBe('unrelated []');
  });

  it.each([
    ['I have 2 cars', 'unrelated []'],
    ['2 cars', 'unrelated []'],
    ['two cars', 'unrelated []'],
    ['one of my kids', 'unrelated []'],
    ['2 or the renovation', 'ambiguous Renovation_Work'],
    ['renovation 2', 'ambiguous Renovation_Work'],
    ['number 2 3', 'unrelated []'],
    ['second best', 'unrelated []'],
  ])('does not read a number inside another phrase as a position: %j', (text, expected) => {
    expect(read(text)).toBe(expected);
  });
});

describe('a message that is no answer', () => {
  it.each([
    ['not the second one', 'negated [Car_Purchase]'],
    ['no, not the second one', 'negated [Car_Purchase]'],
    ['not 2', 'negated [Car_Purchase]'],
    ['no 2', 'negated [Car_Purchase]'],
    ['never the last', 'negated [Work_Equipment]'],
    ['except the first', 'negated [Renovation_Work]'],
    ['not the 6th', 'negated []'],
    ['not number 2 or 3', 'negated []'],
    ['not that', 'negated []'],
    ["I don't want car", 'negated [Car_Purchase]'],
    ['I don’t want car', 'negated [Car_Purchase]'],
    ['dont want car', 'negated [Car_Purchase]'],
    ['car, not home', 'negated [Car_Purchase,Home_Purchase]'],
    ['without renovation', 'negated [Renovation_Work]'],
    ['other than debt', 'negated [Debt_Consolidation]'],
    ['rather than the car', 'negated [Car_Purchase]'],
    ['instead of home', 'negated [Home_Purchase]'],
    ['nope', 'negated []'],
  ])('refuses the negation %j, naming what it refuses', (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it.each([
    ['pas la voiture', 'negated [Voiture]'],
    ['sauf la voiture', 'negated [Voiture]'],
    ['sans voiture', 'negated [Voiture]'],
    ['jamais la rénovation', 'negated [Renovation]'],
    ['pas la deuxième', 'negated [Voiture]'],
    ["je n'aime pas la rénovation", 'negated [Renovation]'],
  ])('refuses the French negation %j', (text, expected) => {
    expect(read(text, french, 'fr-fr')).toBe(expected);
  });

  it.each([
    ['car?', 'question [Car_Purchase]'],
    ['car ?', 'question [Car_Purchase]'],
    ['the second?', 'question []'],
    ['2?', 'question []'],
    ['which is best', 'question []'],
    ['what about car', 'question [Car_Purchase]'],
    ["what's debt consolidation", 'question [Debt_Consolidation]'],
    ['tell me about debt', 'question [Debt_Consolidation]'],
    ['explain renovation', 'question [Renovation_Work]'],
    ['should I take the car', 'question [Car_Purchase]'],
    ['can I pick home', 'question [Home_Purchase]'],
  ])('refuses the question %j, naming what it asks about', (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it.each([
    ["qu'est-ce que la rénovation", 'question [Renovation]'],
    ["c'est quoi l'équipement", 'question [Equipement]'],
    ['pourquoi', 'question []'],
    ['comment choisir', 'question []'],
    ['quelle voiture', 'question [Voiture]'],
  ])('refuses the French question %j', (text, expected) => {
    expect(read(text, french, 'fr-fr')).toBe(expected);
  });

  it.each([
    ['not sure', 'refusal []'],
    ['unsure, maybe car', 'refusal [Car_Purchase]'],
    ['I dont know, car?', 'refusal [Car_Purchase]'],
    ['I do not know', 'refusal []'],
    ['dunno', 'refusal []'],
    ['no idea', 'refusal []'],
    ['no clue', 'refusal []'],
    ['neither', 'refusal []'],
    ['nothing', 'refusal []'],
    ['none', 'refusal []'],
    ["I don't care", 'refusal []'],
    ['whatever', 'refusal []'],
    ['either is fine', 'refusal []'],
    ['anything is ok', 'refusal []'],
    ['any of them is ok', 'refusal []'],
    ['either one', 'refusal []'],
    ['any choice', 'refusal []'],
    ['any option is good', 'refusal []'],
    ['you choose', 'refusal []'],
    ['u pick', 'refusal []'],
    ['you decide, car or home', 'refusal [Car_Purchase,Home_Purchase]'],
    ['none of these, maybe renovation', 'refusal [Renovation_Work]'],
  ])('refuses %j, where the customer declines to choose', (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it.each([
    ['je sais pas', 'refusal []'],
    ['je ne sais pas', 'refusal []'],
    ['aucune', 'refusal []'],
    ['aucun', 'refusal []'],
    ['rien', 'refusal []'],
    ['peu importe', 'refusal []'],
    ["n'importe laquelle", 'refusal []'],
    ['aucune idée, la voiture', 'refusal [Voiture]'],
  ])('refuses the French %j, where the customer declines to choose', (text, expected) => {
    expect(read(text, french, 'fr-fr')).toBe(expected);
  });

  it.each([
    ['🚗', 'unrelated []'],
    ['cars', 'unrelated []'],
    ['carr', 'unrelated []'],
    ['hom', 'unrelated []'],
    ['ok', 'unrelated []'],
    ['thanks', 'unrelated []'],
    ['please', 'unrelated []'],
    ['the one', 'unrelated []'],
    ['a', 'unrelated []'],
    ['hello there', 'unrelated []'],
  ])('takes nothing from %j', (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it.each([
    ['home and car', 'ambiguous Car_Purchase,Home_Purchase'],
    ['car or home', 'ambiguous Car_Purchase,Home_Purchase'],
    ['Work', 'ambiguous Renovation_Work,Work_Equipment'],
    ['renovation equipment', 'ambiguous Renovation_Work,Work_Equipment'],
    ['home purchase or car purchase', 'ambiguous Car_Purchase,Home_Purchase'],
    ['home purchase or car', 'ambiguous Car_Purchase,Home_Purchase'],
    ['purchse', 'ambiguous Car_Purchase,Home_Purchase'],
  ])('offers the choices %j fits again, in list order', (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it.each([
    ['20k', 'ambiguous 5k_to_20k,Over_20k'],
    ['over 20k please', 'ambiguous 5k_to_20k,Over_20k'],
    ['5k', 'ambiguous Under_5k,5k_to_20k'],
    ['20,000', 'ambiguous Under_5k,5k_to_20k,Over_20k'],
  ])('offers the amounts %j could mean again', (text, expected) => {
    expect(read(text, amounts)).toBe(expected);
  });
});

describe('a typed answer with a typo', () => {
  it.each([
    ['renovaton', 'Renovation_Work'],
    ['rnovaton', 'Renovation_Work'],
    ['renovatoin', 'Renovation_Work'],
    ['equipement', 'Work_Equipment'],
    ['equipments', 'Work_Equipment'],
    ['debts', 'Debt_Consolidation'],
    ['dbet', 'Debt_Consolidation'],
    ['debx', 'Debt_Consolidation'],
    ['home purchasse', 'Home_Purchase'],
    ['consolidatio', 'Debt_Consolidation'],
  ])('takes %j as %s, less than certain', (text, value) => {
    const result = recognizeAnswer(text, funds);
    expect(result).toMatchObject({ kind: 'match', value });
    if (result.kind === 'match') expect(result.confidence).toBeLessThan(1);
  });

  it.each([
    'rnovatn', // three edits on a long word
    'dxbx', // two edits on a short word
    'debtxx', // two letters more than a short word
    'renovationxxx', // three letters more than a long word
    'eqpmnt', // three edits on a long word
    'cra', // a short word must be exact
  ])('takes nothing from %j, too far from every name', (text) => {
    expect(read(text)).toBe('unrelated []');
  });

  it('offers both choices again when a typo is as close to each', () => {
    const options: ChoiceOption[] = [
      { value: 'Boat', label: 'Boats' },
      { value: 'Bolt', label: 'Bolts' },
    ];
    expect(read('boxts', options)).toBe('ambiguous Boat,Bolt');
    expect(read('boatx', options)).toBe('match Boat');
  });

  it('prefers the choice more of the words are close to', () => {
    const options: ChoiceOption[] = [
      { value: 'Garden', label: 'Garden works' },
      { value: 'Garage', label: 'Garage doors and garden gates' },
    ];
    expect(read('gardn gatess', options)).toBe('match Garage');
  });

  it('names the choices a question with a typo asks about', () => {
    expect(read('what is renovaton?')).toBe('question [Renovation_Work]');
    expect(read('not equipement')).toBe('negated [Work_Equipment]');
    expect(read('what is xyz?')).toBe('question []');
  });
});

describe('the built-in recogniser, as the dialog calls it', () => {
  const input = USE_OF_FUNDS_FORM.inputs[0];
  if (input?.kind !== 'choice') throw new Error('the use-of-funds form asks a choice');
  const ask = (text: string, locale = 'en-US') => builtInRecognizer.recognize({ text, form: USE_OF_FUNDS_FORM, input, options: funds, locale });

  it('answers a candidate with its confidence', async () => {
    await expect(ask('Car Purchase')).resolves.toEqual({ kind: 'candidate', value: 'Car_Purchase', confidence: 1 });
    await expect(ask('the second')).resolves.toEqual({ kind: 'candidate', value: 'Car_Purchase', confidence: 1 });
  });

  it('answers "several" with the values the message fits', async () => {
    await expect(ask('purchase')).resolves.toEqual({ kind: 'none', reason: 'several', mentioned: ['Car_Purchase', 'Home_Purchase'] });
  });

  it('answers the reason a message is none, with the values it names', async () => {
    await expect(ask('not the car')).resolves.toEqual({ kind: 'none', reason: 'negated', mentioned: ['Car_Purchase'] });
    await expect(ask('hello')).resolves.toEqual({ kind: 'none', reason: 'unrelated', mentioned: [] });
  });

  it('answers "tooLong" for an oversized message', async () => {
    await expect(ask('car '.repeat(200))).resolves.toEqual({ kind: 'none', reason: 'tooLong' });
  });

  it('reads positions in the customer locale', async () => {
    await expect(builtInRecognizer.recognize({ text: 'la deuxième', form: USE_OF_FUNDS_FORM, input, options: french, locale: 'fr-FR' })).resolves.toEqual({
      kind: 'candidate',
      value: 'Voiture',
      confidence: 1,
    });
  });
});

describe('edge cases of reading the text', () => {
  it.each([
    ['', 'empty []'],
    ['   ', 'empty []'],
    ['\n\t', 'empty []'],
  ])('calls %j empty', (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it.each([
    ['the second,please', 'match Car_Purchase'],
    ['the  second', 'match Car_Purchase'],
    ['the second👍thanks', 'match Car_Purchase'],
    ['#three', 'match Home_Purchase'],
    ['home2', 'ambiguous Home_Purchase'],
    ['1st2nd', 'unrelated []'],
    ['2nd1st', 'unrelated []'],
    ['a second', 'unrelated []'],
    ['just a second', 'unrelated []'],
    ['wait a second', 'unrelated []'],
  ])('reads %j as %s', (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it('counts up to the tenth choice, in digits too', () => {
    const ten = Array.from({ length: 10 }, (_, i): ChoiceOption => ({ value: `V${i + 1}`, label: `Choice ${String.fromCharCode(65 + i)}` }));
    expect(['10', '10th', '#10', 'number 10', 'the last'].map((text) => read(text, ten))).toEqual(Array(5).fill('match V10'));
  });

  it.each([
    ["don't know", 'refusal []'],
    ["don't  know", 'refusal []'],
    ['dont know', 'refusal []'],
    ["don't care", 'refusal []'],
    ['dont care', 'refusal []'],
    ['do not care', 'refusal []'],
    ["I don't care, car", 'refusal [Car_Purchase]'],
  ])('refuses %j without an "I"', (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it.each([
    ['car is fine', 'match Car_Purchase'],
    ['home is what we need', 'match Home_Purchase'],
    ['Sorry? Oh, car purchase', 'match Car_Purchase'],
    ['car?!', 'question [Car_Purchase]'],
    ['Car purchase? 🙂', 'question [Car_Purchase,Home_Purchase]'],
    ['Car purchase ?', 'question [Car_Purchase,Home_Purchase]'],
    ['renovation work?', 'question [Renovation_Work,Work_Equipment]'],
  ])('reads a question only where it is asked: %j', (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it('never picks a choice for the small words of its label', () => {
    const options: ChoiceOption[] = [
      { value: 'Family', label: 'Something else for the family' },
      { value: 'Car', label: 'Car' },
    ];
    expect(['the one please', 'I want it', 'for the kids', 'a', 'the'].map((text) => read(text, options))).toEqual(Array(5).fill('unrelated []'));
    expect(read('it is for my family', options)).toBe('match Family');
  });

  it('reads no further than the sixtieth word of a long message', () => {
    const words = (count: number): string => Array(count).fill('blah').join(' ');
    expect(read(`${words(60)} renovation`)).toBe('unrelated []');
    expect(read(`${words(59)} renovation`)).toBe('match Renovation_Work');
  });

  it('prefers the choice whose whole name the message is over one that only contains it', () => {
    const options: ChoiceOption[] = [
      { value: 'Car', label: 'Car' },
      { value: 'Car_Purchase', label: 'Car Purchase' },
    ];
    expect(read("I'd like the car", options)).toBe('match Car');
    expect(read("I'd like the car purchase", options)).toBe('match Car_Purchase');
    expect(read("I'd like the car", [...options].reverse())).toBe('match Car');
  });

  it('offers again a choice named in part next to one named whole', () => {
    const options: ChoiceOption[] = [
      { value: 'Home_Loan', label: 'Home purchase loan' },
      { value: 'Car', label: 'Car purchase' },
    ];
    expect(read('home purchase loan car', options)).toBe('ambiguous Home_Loan,Car');
    expect(read('a car purchase or a home purchase loan', options)).toBe('ambiguous Home_Loan,Car');
    expect(read('the home purchase loan please', options)).toBe('match Home_Loan');
  });

  it('names the choices a question or a negation with a typo is about', () => {
    expect(read('what is dbet?')).toBe('question [Debt_Consolidation]');
    expect(read('what is hom?')).toBe('question []');
    expect(read('what about renovaton exactly?')).toBe('question [Renovation_Work]');
    expect(read('what about equipmnet and renovaton?')).toBe('question [Renovation_Work,Work_Equipment]');
  });
});

describe('typos: one forgiven in a word of 4 to 7 letters, two from 8 letters on, never in shorter words', () => {
  // Every text one edit away (a letter changed, added, dropped, or two neighbours swapped), built
  // from the word, not computed by a distance: an independent account of "one typo".
  function oneEditAway(word: string, alphabet = word, swaps = true): Set<string> {
    // The word's own letters and one other.
    const letters = [...new Set(`${alphabet}x`)];
    const out = new Set<string>();
    for (let i = 0; i <= word.length; i++) {
      for (const c of letters) {
        out.add(word.slice(0, i) + c + word.slice(i));
        if (i < word.length) out.add(word.slice(0, i) + c + word.slice(i + 1));
      }
      if (i < word.length) out.add(word.slice(0, i) + word.slice(i + 1));
      if (swaps && i < word.length - 1) out.add(word.slice(0, i) + word.charAt(i + 1) + word.charAt(i) + word.slice(i + 2));
    }
    out.delete(word);
    return out;
  }
  function editsAway(word: string, edits: number, letters = word, swaps = true): Set<string> {
    let within = new Set([word]);
    for (let n = 0; n < edits; n++) within = new Set([...within].flatMap((w) => [w, ...oneEditAway(w, letters, swaps)]));
    return within;
  }
  /** A deterministic sample (every k-th, in sorted order) of at most `count` strings. */
  function sample(set: Set<string>, count: number): string[] {
    const sorted = [...set].sort();
    const step = Math.max(1, Math.floor(sorted.length / count));
    return sorted.filter((_, i) => i % step === 0);
  }
  const taken = (text: string, options: readonly ChoiceOption[], value: string): boolean => read(text, options) === `match ${value}`;

  it('takes every one-typo spelling of a 5-letter name, and no two-typo one', () => {
    const options: ChoiceOption[] = [
      { value: 'Boats', label: 'Boats' },
      { value: 'Pianos', label: 'Pianos' },
    ];
    const one = [...oneEditAway('boats')].filter((w) => w.length >= 4);
    expect(one.filter((w) => !taken(w, options, 'Boats'))).toEqual([]);
    const two = [...editsAway('boats', 2)].filter((w) => w.length >= 4 && w !== 'boats' && !oneEditAway('boats').has(w));
    expect(two.filter((w) => taken(w, options, 'Boats'))).toEqual([]);
  });

  it('takes a 4-letter name with one typo (swaps included), not with two', () => {
    const options: ChoiceOption[] = [{ value: 'Debt', label: 'Debt' }];
    const one = [...oneEditAway('debt')].filter((w) => w.length >= 4);
    expect(one.filter((w) => !taken(w, options, 'Debt'))).toEqual([]);
    const two = [...editsAway('debt', 2)].filter((w) => w.length >= 4 && w !== 'debt' && !oneEditAway('debt').has(w));
    expect(two.filter((w) => taken(w, options, 'Debt'))).toEqual([]);
  });

  it('takes an 8-letter name with two typos, not with three', () => {
    const options: ChoiceOption[] = [
      { value: 'Holidays', label: 'Holidays' },
      { value: 'Car', label: 'Car' },
    ];
    const withinTwo = editsAway('holidays', 2);
    // Two letters changed, added or dropped (a swap next to another edit of the same letters is
    // three: "holidasdy" is not two typos of "holidays").
    const two = sample(editsAway('holidays', 2, 'holidays', false), 400).filter((w) => w !== 'holidays');
    // Three edits from "holidays": one more than "hlidys" (two letters dropped), and not within two.
    expect(two.filter((w) => !taken(w, options, 'Holidays'))).toEqual([]);
    const three = sample(new Set([...editsAway('hlidys', 1, 'holidays')].filter((w) => !withinTwo.has(w))), 200);
    expect(three.length).toBeGreaterThan(50);
    expect(three.filter((w) => taken(w, options, 'Holidays'))).toEqual([]);
  });

  it('takes a 3-letter name only as it is spelt', () => {
    const options: ChoiceOption[] = [
      { value: 'Car', label: 'Car' },
      { value: 'Holidays', label: 'Holidays' },
    ];
    expect(sample(oneEditAway('car'), 100).filter((w) => taken(w, options, 'Car'))).toEqual([]);
  });
});
