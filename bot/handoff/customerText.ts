/**
 * What of the customer's reaches an agent, as text: escaped so that markdown, links, HTML and
 * blank lines in it show as typed instead of formatting the agent's chat. Message text, attachment
 * names and the customer's ids (`from.id`, the conversation id) all go through here.
 */
import { escapeMarkdown } from '../../cards/markdown';

/** Backslash-escapes every character markdown gives a meaning to, so text shows as typed: the cards' own escaper. */
export { escapeMarkdown };

const MAX_FACT_LENGTH = 60;

export function oneLine(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, ' ⏎ ')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .trim();
}

/** Text facts about an attachment: its kind and (escaped, shortened) name; never its content or URL. */
export function describeAttachment(attachment: { contentType?: string; name?: string }): string {
  const type = String(attachment.contentType ?? 'unknown');
  const kind =
    type === 'application/vnd.microsoft.card.adaptive'
      ? 'an Adaptive Card'
      : type.startsWith('application/vnd.microsoft.card.')
        ? 'a card'
        : type.startsWith('image/')
          ? 'an image'
          : 'a file';
  const name = attachment.name ? ` named "${escapeMarkdown(oneLine(attachment.name).slice(0, MAX_FACT_LENGTH))}"` : '';
  return `${kind}${name} (${escapeMarkdown(type.slice(0, MAX_FACT_LENGTH))})`;
}

/** A customer-controlled value (an id, a name) for an agent: one line, escaped, at most `max` characters shown. */
export function customerFact(value: string, max = MAX_ID_SHOWN): string {
  const line = oneLine(value);
  return escapeMarkdown(line.length > max ? `${line.slice(0, max)}…` : line);
}

const MAX_ID_SHOWN = 100;
