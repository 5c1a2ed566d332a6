import {
  ABSOLUTE_ANSWER_CAP,
  FormSpecError,
  answerLabels,
  answersFromEvent,
  caseFieldsFor,
  eventFieldsFor,
  labelFor,
  picklistFieldsOf,
  reAskText,
  resolveChoices,
  thankYouText,
  typedAnswerInputOf,
  validateAnswers,
  type FormSpec,
  type TextFormInput,
} from '../../cowork/domain/formSpec';
import { formSpecProblems, validateFormSpec } from '../../cowork/domain/formSpecCheck';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import { FORM_WITH_DETAILS, FUNDS_AND_AMOUNT_FORM, PICKLISTS, USE_OF_FUNDS_PICKLIST } from './fixtures';

const useOfFundsChoices = resolveChoices(USE_OF_FUNDS_FORM, PICKLISTS);
const twoFieldChoices = resolveChoices(FUNDS_AND_AMOUNT_FORM, PICKLISTS);
const detailsChoices = resolveChoices(FORM_WITH_DETAILS, PICKLISTS);

describe('the use-of-funds form', () => {
  it('names the event, its correlation fields and the mapping of the seed pattern', () => {
    expect(USE_OF_FUNDS_FORM.topic).toBe('/event/Use_of_Funds__e');
    expect(USE_OF_FUNDS_FORM.correlationField).toBe('Correlation_Id__c');
    expect(USE_OF_FUNDS_FORM.sessionKeyField).toBe('Session_Key__c');
    expect(USE_OF_FUNDS_FORM.messages.intro).toBe('A form regarding the use of funds must be completed, I am sending you the form in the chat window');
    expect(eventFieldsFor(USE_OF_FUNDS_FORM, { useOfFunds: 'Renovation_Work' })).toEqual({ Use_of_Fund_Reason__c: 'Renovation_Work' });
    expect(caseFieldsFor(USE_OF_FUNDS_FORM, { useOfFunds: 'Renovation_Work' })).toEqual({ Use_of_Funds__c: 'Renovation_Work' });
    expect(picklistFieldsOf(USE_OF_FUNDS_FORM)).toEqual(['Use_of_Funds__c']);
  });

  it('can be answered by typing; a form with several inputs only on its card', () => {
    expect(typedAnswerInputOf(USE_OF_FUNDS_FORM)?.id).toBe('useOfFunds');
    expect(typedAnswerInputOf(FUNDS_AND_AMOUNT_FORM)).toBeUndefined();
  });

  it('thanks with the label exactly as the org shows it', () => {
    const labels = answerLabels(USE_OF_FUNDS_FORM, useOfFundsChoices, { useOfFunds: 'Renovation_Work' });
    expect(thankYouText(USE_OF_FUNDS_FORM, labels)).toBe(
      'Thank you for completing the questionnaire 😃, we have noted that the use of funds concerns 🛠 Renovation Work',
    );
  });

  it('never expands placeholders found inside a label', () => {
    expect(thankYouText(USE_OF_FUNDS_FORM, { useOfFunds: '{useOfFunds} ${x}' })).toMatch(/concerns \{useOfFunds\} \$\{x\}$/);
  });

  it('re-asks listing the active choices, numbered in the org order', () => {
    const text = reAskText(USE_OF_FUNDS_FORM, useOfFundsChoices, 'useOfFunds');
    expect(text).toContain('What will the funds be used for?');
    expect(text).toContain('1. 🛠 Renovation Work\n2. 🚗 Car Purchase\n3. 🏠 Home Purchase\n4. 💳 Debt Consolidation\n5. 🧰 Work Equipment');
    expect(text).not.toContain('Travel');
  });
});

describe('resolveChoices', () => {
  it('keeps only active picklist values, in the org order, with their labels', () => {
    expect(useOfFundsChoices.useOfFunds?.map((c) => c.value)).toEqual([
      'Renovation_Work',
      'Car_Purchase',
      'Home_Purchase',
      'Debt_Consolidation',
      'Work_Equipment',
    ]);
    expect(labelFor(useOfFundsChoices.useOfFunds ?? [], 'Car_Purchase')).toBe('🚗 Car Purchase');
    expect(labelFor(useOfFundsChoices.useOfFunds ?? [], 'Travel')).toBeUndefined();
  });

  it('resolves each input of a two-field form from its own picklist', () => {
    expect(twoFieldChoices.amountRange?.map((c) => c.label)).toEqual(['Less than 5,000', '5,000 to 20,000', 'More than 20,000']);
    expect(picklistFieldsOf(FUNDS_AND_AMOUNT_FORM)).toEqual(['Use_of_Funds__c', 'Amount_Range__c']);
  });

  it('refuses to build a form whose picklist was not loaded or has no active value', () => {
    expect(() => resolveChoices(FUNDS_AND_AMOUNT_FORM, { Use_of_Funds__c: USE_OF_FUNDS_PICKLIST })).toThrow(
      /picklist values of Case.Amount_Range__c were not supplied/,
    );
    const allInactive = USE_OF_FUNDS_PICKLIST.map((v) => ({ ...v, active: false }));
    expect(() => resolveChoices(USE_OF_FUNDS_FORM, { Use_of_Funds__c: allInactive })).toThrow(/has no active picklist value/);
  });

  it('refuses a picklist value that could not travel in the event field', () => {
    const long = [{ value: 'x'.repeat(256), label: 'Long', active: true, defaultValue: false }];
    expect(() => resolveChoices(USE_OF_FUNDS_FORM, { Use_of_Funds__c: long })).toThrow(/does not fit event field Use_of_Fund_Reason__c \(255\)/);
  });
});

describe('validateFormSpec', () => {
  it('accepts the shipped form and the two-field forms', () => {
    for (const spec of [USE_OF_FUNDS_FORM, FUNDS_AND_AMOUNT_FORM, FORM_WITH_DETAILS]) expect(formSpecProblems(spec)).toEqual([]);
  });

  const broken = (change: (spec: FormSpec) => FormSpec): string[] => {
    try {
      validateFormSpec(change(FORM_WITH_DETAILS));
    } catch (error) {
      expect(error).toBeInstanceOf(FormSpecError);
      return [...(error as FormSpecError).problems];
    }
    throw new Error('the spec was accepted');
  };
  const withInput =
    (index: number, patch: object) =>
    (spec: FormSpec): FormSpec => ({
      ...spec,
      inputs: spec.inputs.map((input, i) => (i === index ? ({ ...input, ...patch } as FormSpec['inputs'][number]) : input)),
    });

  it.each([
    ['duplicate input ids', withInput(1, { id: 'useOfFunds' }), /input 2 \("useOfFunds"\): duplicate input id/],
    ['an input without event field', withInput(1, { eventField: undefined }), /input 2 \("amountRange"\): eventField is missing/],
    ['an input without Case field', withInput(0, { caseField: '' }), /input 1 \("useOfFunds"\): caseField is missing/],
    [
      'two inputs on one event field',
      withInput(1, { eventField: { name: 'Use_of_Fund_Reason__c', length: 255 } }),
      /event field Use_of_Fund_Reason__c is already used/,
    ],
    [
      'an answer on the correlation field',
      withInput(1, { eventField: { name: 'Correlation_Id__c', length: 18 } }),
      /event field Correlation_Id__c is already used/,
    ],
    ['two inputs writing one Case field', withInput(2, { caseField: 'Use_of_Funds__c' }), /Case field Use_of_Funds__c is already written/],
    ['an id the submit data uses', withInput(0, { id: 'formToken' }), /id is reserved for the submit data/],
    ['an id that is no card input id', withInput(0, { id: 'use of funds' }), /id must start with a letter/],
    ['a text longer than its event field', withInput(2, { maxLength: 300 }), /maxLength 300 does not fit event field Details__c \(255\)/],
    [
      'a text above the absolute cap',
      withInput(2, { maxLength: ABSOLUTE_ANSWER_CAP + 1, eventField: { name: 'Details__c', length: 5000 } }),
      /exceeds the cap/,
    ],
    ['empty static choices', withInput(1, { choices: { kind: 'static', options: [] } }), /static choices are empty/],
    [
      'duplicate static values',
      withInput(1, {
        choices: {
          kind: 'static',
          options: [
            { value: 'a', label: 'A' },
            { value: 'a', label: 'B' },
          ],
        },
      }),
      /duplicate choice value "a"/,
    ],
    [
      'a thank-you naming an unknown input',
      (s: FormSpec) => ({ ...s, messages: { ...s.messages, thankYou: 'Noted {amount}' } }),
      /messages.thankYou names \{amount\}/,
    ],
    ['an empty intro', (s: FormSpec) => ({ ...s, messages: { ...s.messages, intro: ' ' } }), /messages.intro is empty/],
    ['a topic that is no platform event', (s: FormSpec) => ({ ...s, topic: '/data/CaseChangeEvent' }), /topic "\/data\/CaseChangeEvent"/],
    ['an image path', (s: FormSpec) => ({ ...s, resultCard: { ...s.resultCard, imageFile: '../secret.png' } }), /imageFile/],
    ['no inputs', (s: FormSpec) => ({ ...s, inputs: [] }), /the form has no inputs/],
  ])('rejects %s with a message naming it', (_name, change, message) => {
    expect(broken(change)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  it('reports every problem at once', () => {
    const problems = broken((s) => ({ ...withInput(1, { id: 'useOfFunds' })(s), title: '' }));
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/duplicate input id/), 'title is empty']));
  });
});

describe('validateAnswers', () => {
  it('accepts a card submit and ignores the submit data next to the inputs', () => {
    const result = validateAnswers(USE_OF_FUNDS_FORM, useOfFundsChoices, { useOfFunds: 'Renovation_Work', cowork: 'submit', formToken: 't' });
    expect(result).toEqual({ ok: true, answers: { useOfFunds: 'Renovation_Work' } });
  });

  it('accepts the exact label (as an agent flow may publish it) and returns the value', () => {
    expect(validateAnswers(USE_OF_FUNDS_FORM, useOfFundsChoices, { useOfFunds: '🚗 Car Purchase' })).toEqual({
      ok: true,
      answers: { useOfFunds: 'Car_Purchase' },
    });
  });

  it.each([
    ['an unknown choice', { useOfFunds: 'Holidays' }, /not one of the choices .* 🛠 Renovation Work, 🚗 Car Purchase/],
    ['an inactive choice', { useOfFunds: 'Travel' }, /not one of the choices/],
    ['a missing answer', {}, /Please choose an answer to "What will the funds be used for\?"/],
    ['an empty answer', { useOfFunds: '' }, /Please choose an answer/],
    ['a number', { useOfFunds: 3 }, /must be text/],
    ['an array', { useOfFunds: ['Renovation_Work'] }, /must be text/],
    ['an object', { useOfFunds: { value: 'Renovation_Work' } }, /must be text/],
    ['an oversized value', { useOfFunds: 'x'.repeat(256) }, /too long \(256 characters, at most 255\)/],
    ['control characters', { useOfFunds: 'Renovation_Work\u0000' }, /control characters/],
  ])('refuses %s with a message for the customer', (_name, raw, message) => {
    const result = validateAnswers(USE_OF_FUNDS_FORM, useOfFundsChoices, raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([{ inputId: 'useOfFunds', message: expect.stringMatching(message) }]);
  });

  it('reports a problem per input of a multi-field form', () => {
    const result = validateAnswers(FUNDS_AND_AMOUNT_FORM, twoFieldChoices, { useOfFunds: 'Nope' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.inputId)).toEqual(['useOfFunds', 'amountRange']);
  });

  describe('free text', () => {
    const details = FORM_WITH_DETAILS.inputs[2] as TextFormInput;
    const answer = (text: unknown) =>
      validateAnswers(FORM_WITH_DETAILS, detailsChoices, { useOfFunds: 'Car_Purchase', amountRange: 'Over_20k', details: text });

    it('trims text, keeps line breaks, and leaves an optional question out when blank', () => {
      expect(answer('  Two cars\nfor the farm  ')).toEqual({
        ok: true,
        answers: { useOfFunds: 'Car_Purchase', amountRange: 'Over_20k', details: 'Two cars\nfor the farm' },
      });
      expect(answer('   ')).toEqual({ ok: true, answers: { useOfFunds: 'Car_Purchase', amountRange: 'Over_20k' } });
    });

    it('refuses text above the input maxLength, text-direction tricks and broken characters', () => {
      expect(answer('x'.repeat(details.maxLength + 1))).toMatchObject({
        ok: false,
        problems: [{ inputId: 'details', message: expect.stringMatching(/at most 200/) }],
      });
      expect(answer('paid \u202Eeulav')).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/text-direction/) }] });
      expect(answer('half \uD83D emoji')).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/broken character/) }] });
      expect(answer('emoji are fine 😃')).toMatchObject({ ok: true });
    });
  });
});

describe('the event is the truth', () => {
  it('maps answers to the event fields and back, then to the Case fields, for a two-field form', () => {
    const answers = { useOfFunds: 'Home_Purchase', amountRange: '5k_to_20k' };
    const fields = eventFieldsFor(FUNDS_AND_AMOUNT_FORM, answers);
    expect(fields).toEqual({ Use_of_Fund_Reason__c: 'Home_Purchase', Amount_Range__c: '5k_to_20k' });

    const payload = {
      ...fields,
      Correlation_Id__c: '500000000000001AAA',
      Session_Key__c: 'k',
      CreatedDate: 1_700_000_000_000,
      CreatedById: '005000000000001AAA',
    };
    const fromEvent = answersFromEvent(FUNDS_AND_AMOUNT_FORM, payload);
    expect(fromEvent).toEqual(answers);
    expect(caseFieldsFor(FUNDS_AND_AMOUNT_FORM, fromEvent)).toEqual({ Use_of_Funds__c: 'Home_Purchase', Amount_Range__c: '5k_to_20k' });
    expect(thankYouText(FUNDS_AND_AMOUNT_FORM, answerLabels(FUNDS_AND_AMOUNT_FORM, twoFieldChoices, fromEvent))).toBe(
      'Thank you 😃, we have noted 🏠 Home Purchase for an amount of 5,000 to 20,000',
    );
  });

  it('reads only string fields from an event published elsewhere, and leaves absent answers out of the Case update', () => {
    const fromEvent = answersFromEvent(FORM_WITH_DETAILS, { Use_of_Fund_Reason__c: 'Car_Purchase', Amount_Range__c: null, Details__c: 42 });
    expect(fromEvent).toEqual({ useOfFunds: 'Car_Purchase' });
    expect(caseFieldsFor(FORM_WITH_DETAILS, fromEvent)).toEqual({ Use_of_Funds__c: 'Car_Purchase' });
    expect(validateAnswers(FORM_WITH_DETAILS, detailsChoices, fromEvent)).toMatchObject({ ok: false, problems: [{ inputId: 'amountRange' }] });
  });

  it('shows the raw value when the org no longer lists the value the event carries', () => {
    expect(answerLabels(USE_OF_FUNDS_FORM, useOfFundsChoices, { useOfFunds: 'Travel' })).toEqual({ useOfFunds: 'Travel' });
  });
});
