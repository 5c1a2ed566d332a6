/**
 * The two markdown escapers: a customer's or an org's text shown to an agent (the relay) or in a
 * card keeps no markdown meaning, every significant character is escaped once, and nothing else
 * changes.
 */
import { escapeMarkdown as escapeForCards } from '../../cards/markdown';
import { customerFact, describeAttachment, escapeMarkdown as escapeForRelay, oneLine } from '../../bot/handoff/customerText';

describe.each([
  ['cards/markdown', escapeForCards],
  ['the agent relay', escapeForRelay],
])('escapeMarkdown of %s', (_name, escape) => {
  it('leaves plain text, letters, digits, spaces and emoji alone', () => {
    expect(escape('Renovation Work 2026 🛠 éàü')).toBe('Renovation Work 2026 🛠 éàü');
    expect(escape('')).toBe('');
  });

  it.each(['\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '.', '!', '<', '>', '|', '~', ':'])('escapes %s', (ch) => {
    expect(escape(`a${ch}b`)).toBe(`a\\${ch}b`);
  });

  it('escapes every occurrence, not only the first, so a link or an emphasis stays text', () => {
    expect(escape('[click](https://evil.example) **now**')).toBe('\\[click\\]\\(https\\://evil\\.example\\) \\*\\*now\\*\\*');
    expect(escape('__a__ __b__')).toBe('\\_\\_a\\_\\_ \\_\\_b\\_\\_');
  });
});

it('the relay also escapes = (a setext heading underline)', () => {
  expect(escapeForRelay('Title\n===')).toBe('Title\n\\=\\=\\=');
});

it('the cards also escape & (an HTML entity)', () => {
  expect(escapeForCards('&lt;b&gt;')).toBe('\\&lt;b\\&gt;');
});

describe("what of the customer's reaches an agent (bot/handoff/customerText.ts)", () => {
  it('oneLine: line breaks of every kind become one visible mark, control characters go, tabs stay, the ends are trimmed', () => {
    expect(oneLine('  first\r\n\r\nsecond\u2028third\u2029fourth\nfifth  ')).toBe('first ⏎ second ⏎ third ⏎ fourth ⏎ fifth');
    expect(oneLine('a\u0000b\u0007c\u000bd\u001fe\u007ff\tg')).toBe('abcdef\tg');
    expect(oneLine('plain')).toBe('plain');
  });

  it('describeAttachment: the kind and the escaped, shortened name and type; never the content', () => {
    expect(describeAttachment({ contentType: 'application/vnd.microsoft.card.adaptive' })).toBe(
      'an Adaptive Card (application/vnd\\.microsoft\\.card\\.adaptive)',
    );
    expect(describeAttachment({ contentType: 'application/vnd.microsoft.card.hero', name: 'x' })).toBe(
      'a card named "x" (application/vnd\\.microsoft\\.card\\.hero)',
    );
    expect(describeAttachment({ contentType: 'image/png', name: '*bold*\nline' })).toBe('an image named "\\*bold\\* ⏎ line" (image/png)');
    expect(describeAttachment({ contentType: 'text/x-image/', name: '' })).toBe('a file (text/x\\-image/)');
    expect(describeAttachment({})).toBe('a file (unknown)');
    expect(describeAttachment({ contentType: 'application/pdf', name: 'n'.repeat(70) })).toBe(`a file named "${'n'.repeat(60)}" (application/pdf)`);
    expect(describeAttachment({ contentType: `image/${'p'.repeat(70)}` })).toBe(`an image (image/${'p'.repeat(54)})`);
  });

  it('customerFact: one line, escaped, cut at the given length (100 by default) with an ellipsis', () => {
    expect(customerFact('user_1\nx')).toBe('user\\_1 ⏎ x');
    expect(customerFact('a'.repeat(100))).toBe('a'.repeat(100));
    expect(customerFact('a'.repeat(101))).toBe(`${'a'.repeat(100)}…`);
    expect(customerFact('abcdef', 5)).toBe('abcde…');
    expect(customerFact('abcde', 5)).toBe('abcde');
  });
});
