/**
 * The two markdown escapers: a customer's or an org's text shown to an agent (the relay) or in a
 * card keeps no markdown meaning, every significant character is escaped once, and nothing else
 * changes.
 */
import { escapeMarkdown as escapeForCards } from '../../cards/markdown';
import { escapeMarkdown as escapeForRelay } from '../../bot/handoff/customerText';

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
