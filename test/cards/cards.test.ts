import { readFileSync } from 'node:fs';
import { cardAttachment, cardImagePath, renderFormCard, renderResultCard, validateCard, type AdaptiveCardJson } from '../../cards';
import { answerLabels, resolveChoices, type FormSpec, type ResolvedChoices } from '../../cowork/domain/formSpec';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import { FORM_WITH_DETAILS, FUNDS_AND_AMOUNT_FORM, PICKLISTS } from '../forms/fixtures';

const IMAGE_URL = 'http://127.0.0.1:3978/images/questionnaire-completed.png';
const FORM_TOKEN = 'ft_3q2Xb9cKpL0vY7wR';

/** Every element of a card, depth first (containers, columns and their items). */
function elements(card: AdaptiveCardJson): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  const visit = (nodes: unknown): void => {
    if (!Array.isArray(nodes)) return;
    for (const node of nodes as Array<Record<string, unknown>>) {
      found.push(node);
      visit(node.items);
      visit(node.columns);
    }
  };
  visit(card.body);
  return found;
}

function formCard(spec: FormSpec, choices: ResolvedChoices = resolveChoices(spec, PICKLISTS)): AdaptiveCardJson {
  return renderFormCard({ spec, choices, formToken: FORM_TOKEN, caseNumber: '00001026' });
}

describe('every card the bot can send validates with adaptivecards', () => {
  it.each([USE_OF_FUNDS_FORM, FUNDS_AND_AMOUNT_FORM, FORM_WITH_DETAILS])('the form card of "$id"', (spec) => {
    const card = formCard(spec);
    expect(validateCard(card)).toEqual([]);
    expect(JSON.stringify(card)).not.toContain('${'); // every template field was bound
  });

  it.each([USE_OF_FUNDS_FORM, FUNDS_AND_AMOUNT_FORM, FORM_WITH_DETAILS])('the result card of "$id"', (spec) => {
    const answers = { useOfFunds: 'Renovation_Work', amountRange: 'Over_20k', details: 'New roof' };
    const labels = answerLabels(spec, resolveChoices(spec, PICKLISTS), answers);
    const card = renderResultCard({ spec, labels, imageUrl: IMAGE_URL, caseNumber: '00001026' });
    expect(validateCard(card)).toEqual([]);
    expect(JSON.stringify(card)).not.toContain('${');
  });

  it('is sent as an Adaptive Card attachment', () => {
    expect(cardAttachment(formCard(USE_OF_FUNDS_FORM))).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: { type: 'AdaptiveCard', version: '1.5' },
    });
  });
});

describe('the form card', () => {
  it('asks the question with the org picklist as expanded choices, labels as titles and values as values', () => {
    const card = formCard(USE_OF_FUNDS_FORM);
    const choiceSet = elements(card).find((e) => e.type === 'Input.ChoiceSet');
    expect(choiceSet).toMatchObject({ id: 'useOfFunds', label: 'What will the funds be used for?', style: 'expanded', isRequired: true });
    expect(choiceSet?.choices).toEqual([
      { title: '🛠 Renovation Work', value: 'Renovation_Work' },
      { title: '🚗 Car Purchase', value: 'Car_Purchase' },
      { title: '🏠 Home Purchase', value: 'Home_Purchase' },
      { title: '💳 Debt Consolidation', value: 'Debt_Consolidation' },
      { title: '🧰 Work Equipment', value: 'Work_Equipment' },
    ]);
    expect(JSON.stringify(card)).toContain('00001026');
  });

  it('has one input per spec input, in the spec order, with text inputs bounded', () => {
    const inputs = elements(formCard(FORM_WITH_DETAILS)).filter((e) => String(e.type).startsWith('Input.'));
    expect(inputs.map((e) => [e.type, e.id])).toEqual([
      ['Input.ChoiceSet', 'useOfFunds'],
      ['Input.ChoiceSet', 'amountRange'],
      ['Input.Text', 'details'],
    ]);
    expect(inputs[2]).toMatchObject({ maxLength: 200, isRequired: false, label: 'Anything we should know?', placeholder: 'Optional' });
  });

  it('submits only the opaque form token, and offers a person without requiring the inputs', () => {
    const card = formCard(USE_OF_FUNDS_FORM);
    expect(card.actions).toEqual([
      { type: 'Action.Submit', title: 'Send', style: 'positive', data: { cowork: 'submit', formToken: FORM_TOKEN } },
      { type: 'Action.Submit', title: 'Talk to a person', associatedInputs: 'none', data: { cowork: 'handoff', formToken: FORM_TOKEN } },
    ]);
    // No Case Id (500…), no session key, nothing but the token travels with the answer.
    expect(JSON.stringify(card)).not.toMatch(/500[A-Za-z0-9]{12}|Session_Key|Correlation/);
  });

  it('refuses to render a choice without options or without a form token', () => {
    expect(() => formCard(USE_OF_FUNDS_FORM, { useOfFunds: [] })).toThrow(/no choices resolved for input "useOfFunds"/);
    expect(() => renderFormCard({ spec: USE_OF_FUNDS_FORM, choices: resolveChoices(USE_OF_FUNDS_FORM, PICKLISTS), formToken: ' ', caseNumber: '1' })).toThrow(
      /formToken/,
    );
  });
});

describe('templating keeps hostile labels as plain values', () => {
  const hostile = [
    'Say "hi", \\ and }]} {"type":"Image","url":"http://evil.example/x.png"}',
    "${formToken} ${$root.formToken} ${json('{}')}",
    '**bold** [click](http://evil.example) <img src=x onerror=alert(1)>',
    "{{DATE(2017-02-14T06:08:39Z, SHORT)}} & 'single'",
  ];
  const choices = { useOfFunds: hostile.map((label, i) => ({ value: `v${i}`, label })) };

  it('puts each label, unchanged, into its choice title and adds no element', () => {
    const card = formCard(USE_OF_FUNDS_FORM, choices);
    expect(validateCard(card)).toEqual([]);
    const choiceSet = elements(card).find((e) => e.type === 'Input.ChoiceSet');
    expect(choiceSet?.choices).toEqual(hostile.map((title, i) => ({ title, value: `v${i}` })));
    expect(elements(card).map((e) => e.type)).toEqual(elements(formCard(USE_OF_FUNDS_FORM)).map((e) => e.type));
    expect(JSON.stringify(card)).not.toContain('evil.example/x.png"}');
  });

  it('escapes markdown in answers shown on the result card, so they show literally', () => {
    const card = renderResultCard({ spec: USE_OF_FUNDS_FORM, labels: { useOfFunds: hostile[2]! }, imageUrl: IMAGE_URL, caseNumber: '00001026' });
    expect(validateCard(card)).toEqual([]);
    const facts = elements(card).find((e) => e.type === 'FactSet')?.facts;
    expect(facts).toEqual([
      { title: 'Use of funds', value: '\\*\\*bold\\*\\* \\[click\\]\\(http\\://evil\\.example\\) \\<img src\\=x onerror\\=alert\\(1\\)\\>' },
    ]);
  });

  it('does not expand a template expression hidden in a form token or a case number', () => {
    const card = renderFormCard({
      spec: USE_OF_FUNDS_FORM,
      choices: resolveChoices(USE_OF_FUNDS_FORM, PICKLISTS),
      formToken: '${caseLine}',
      caseNumber: '${formToken}',
    });
    expect(card.actions?.[0]).toMatchObject({ data: { formToken: '${caseLine}' } });
    expect(JSON.stringify(card)).toContain('Case $\\\\{formToken\\\\}');
  });
});

describe('the result card', () => {
  it('shows the image served by the bot, the title, the Case and every answer as a fact', () => {
    const labels = answerLabels(FUNDS_AND_AMOUNT_FORM, resolveChoices(FUNDS_AND_AMOUNT_FORM, PICKLISTS), {
      useOfFunds: 'Renovation_Work',
      amountRange: 'Over_20k',
    });
    const card = renderResultCard({ spec: FUNDS_AND_AMOUNT_FORM, labels, imageUrl: IMAGE_URL, caseNumber: '00001026' });
    const all = elements(card);
    expect(all.find((e) => e.type === 'Image')).toMatchObject({ url: IMAGE_URL, altText: 'A green check mark' });
    expect(all.some((e) => e.type === 'TextBlock' && e.text === 'Questionnaire completed')).toBe(true);
    expect(all.find((e) => e.type === 'FactSet')?.facts).toEqual([
      { title: 'Use of funds', value: '🛠 Renovation Work' },
      { title: 'Amount', value: 'More than 20,000' },
    ]);
  });

  it('refuses an image URL that is not absolute, and a card without answers', () => {
    expect(() => renderResultCard({ spec: USE_OF_FUNDS_FORM, labels: { useOfFunds: 'x' }, imageUrl: '/images/a.png', caseNumber: '1' })).toThrow(
      /absolute http/,
    );
    expect(() => renderResultCard({ spec: USE_OF_FUNDS_FORM, labels: {}, imageUrl: IMAGE_URL, caseNumber: '1' })).toThrow(/no answer/);
  });

  it('has its image on disk as a PNG, and no path can walk out of the images folder', () => {
    const bytes = readFileSync(cardImagePath(USE_OF_FUNDS_FORM.resultCard.imageFile));
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.length).toBeLessThan(20_000);
    expect(() => cardImagePath('../index.ts')).toThrow(/not a card image file name/);
    expect(() => cardImagePath('missing.png')).toThrow(/not found/);
  });
});

describe('validateCard reports what would break a card in a channel', () => {
  const valid = (): Record<string, unknown> => JSON.parse(JSON.stringify(formCard(USE_OF_FUNDS_FORM))) as Record<string, unknown>;

  it.each([
    [
      'an unknown element type (toJSON would silently drop it)',
      (c: Record<string, unknown>) => ({ ...c, body: [...(c.body as unknown[]), { type: 'Carousel2', items: [] }] }),
      /UnknownElementType: Unknown element type "Carousel2"/,
    ],
    ['an unknown action type', (c: Record<string, unknown>) => ({ ...c, actions: [{ type: 'Action.Teleport', title: 'x' }] }), /UnknownActionType/],
    ['schema 1.6, which the Emulator rejects', (c: Record<string, unknown>) => ({ ...c, version: '1.6' }), /version 1.6 is newer than 1.5/],
    ['no version', (c: Record<string, unknown>) => ({ ...c, version: undefined }), /version is missing/],
    [
      'Action.Execute',
      (c: Record<string, unknown>) => ({ ...c, actions: [{ type: 'Action.Execute', title: 'x', verb: 'submit' }] }),
      /Action.Execute is not supported/,
    ],
    [
      'an unknown property',
      (c: Record<string, unknown>) => ({ ...c, body: [{ type: 'TextBlock', text: 'x', colour: 'Good' }] }),
      /TextBlock: unknown property "colour"/,
    ],
    [
      'a property newer than 1.5',
      (c: Record<string, unknown>) => ({ ...c, body: [{ type: 'Input.Text', id: 'a', label: 'A', labelPosition: 'inline' }] }),
      /property "labelPosition" needs schema 1.6/,
    ],
    [
      'duplicate input ids',
      (c: Record<string, unknown>) => ({
        ...c,
        body: [
          { type: 'Input.Text', id: 'a', label: 'A' },
          { type: 'Input.Text', id: 'a', label: 'B' },
        ],
      }),
      /DuplicateId/,
    ],
    [
      'a required input without label',
      (c: Record<string, unknown>) => ({ ...c, body: [{ type: 'Input.Text', id: 'a', isRequired: true, errorMessage: 'e' }] }),
      /Required inputs should have a label/,
    ],
    [
      'a choice set without choices',
      (c: Record<string, unknown>) => ({ ...c, body: [{ type: 'Input.ChoiceSet', id: 'a', label: 'A', choices: [] }] }),
      /no choices/,
    ],
    [
      'a choice with a non-string value',
      (c: Record<string, unknown>) => ({ ...c, body: [{ type: 'Input.ChoiceSet', id: 'a', label: 'A', choices: [{ title: 'x', value: 1 }] }] }),
      /choice 1 must be exactly/,
    ],
    [
      'an image with a relative URL',
      (c: Record<string, unknown>) => ({ ...c, body: [{ type: 'Image', url: 'images/a.png' }] }),
      /Image: url "images\/a.png" is not an absolute/,
    ],
    ['not a card at all', () => ({ type: 'Message', version: '1.5', body: [] }), /type is "Message"/],
  ])('%s', (_name, breakIt, message) => {
    expect(validateCard(breakIt(valid()))).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  it('rejects what is not a JSON object', () => {
    expect(validateCard('{"type":"AdaptiveCard"}')).toEqual(['the card is not a JSON object']);
    expect(validateCard(null)).toEqual(['the card is not a JSON object']);
  });
});
