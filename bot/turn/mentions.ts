/**
 * The bot's own @mention, removed from a message's text before anything routes it.
 *
 * In Teams (and in Agents Playground's Group Chat, where a message reaches the bot only with an
 * @mention) the mention stays in `text` as `<at>Bot name</at>`, with an entity
 * `{ type: 'mention', mentioned: { id: <the bot's id> }, text: '<at>Bot name</at>' }`. As botbuilder's
 * `TurnContext.removeRecipientMention` does, every mention entity naming the activity's recipient
 * has its `text` removed; unlike it, every occurrence goes (not only the first), an entity without
 * text is skipped (botbuilder would remove the string "undefined"), and spaces left behind collapse.
 */
import type { TurnActivity } from '../../dialogs/coworkTurn';

interface MentionEntity {
  type?: unknown;
  mentioned?: { id?: unknown };
  text?: unknown;
}

/** `text` without the recipient's mentions, or `text` itself when there is none. */
export function withoutRecipientMention(activity: Pick<Partial<TurnActivity>, 'text' | 'entities' | 'recipient'>): string | undefined {
  const text = activity.text;
  const botId = activity.recipient?.id;
  if (typeof text !== 'string' || !botId || !Array.isArray(activity.entities)) return text;
  let stripped = text;
  for (const entity of activity.entities as MentionEntity[]) {
    if (entity?.type !== 'mention' || entity.mentioned?.id !== botId) continue;
    if (typeof entity.text !== 'string' || entity.text.length === 0) continue;
    stripped = stripped.split(entity.text).join(' ');
  }
  return stripped === text ? text : stripped.replace(/[ \t]{2,}/g, ' ').trim();
}
