/**
 * TextBlock and Fact texts are rendered as markdown by Web Chat and the Emulator (markdown-it),
 * so a value that comes from outside the spec (a customer's text, an org's label) could turn
 * into a link or an emphasis. CommonMark lets any ASCII punctuation be backslash-escaped and
 * shows it literally; escaping every markdown-significant character keeps such values inert.
 *
 * Choice titles of an `Input.ChoiceSet` are plain text: do not escape those.
 */
// `&` starts an HTML entity; `=` underlines a setext heading in text of several lines.
const MARKDOWN_SIGNIFICANT = /[\\`*_{}[\]()#+\-.!<>|~:&=]/g;

export function escapeMarkdown(text: string): string {
  return text.replace(MARKDOWN_SIGNIFICANT, (ch) => `\\${ch}`);
}
