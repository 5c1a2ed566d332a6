/**
 * The storage keys of what the bot keeps per customer conversation, and their inverses: conversation state
 * (`bot/turn/concurrentConversationState.ts`, botbuilder's and the Agents SDK's `ConversationState` use the same
 * shape) and the conversation's handoff record (`cowork/stores/handoff.ts`). The key layout (`storage/keyLayout.ts`)
 * reads a key's conversation from them, so the stores and the layout agree by construction.
 */

/** The key a conversation's state is kept under: `{channelId}/conversations/{conversationId}/{namespace}`. */
export function conversationStateKey(channelId: string, conversationId: string, namespace: string): string {
  return `${channelId}/conversations/${conversationId}/${namespace}`;
}

/**
 * The channel, conversation and namespace of a `conversationStateKey` (the inverse: the channel is up to the
 * first `/`, the namespace after the last), or undefined for any other key.
 */
export function conversationStateOf(key: string): { channelId: string; conversationId: string; namespace: string } | undefined {
  const marker = '/conversations/';
  const at = key.indexOf(marker);
  const last = key.lastIndexOf('/');
  if (at <= 0 || key.lastIndexOf('/', at - 1) >= 0 || last < at + marker.length) return undefined;
  const parts = { channelId: key.slice(0, at), conversationId: key.slice(at + marker.length, last), namespace: key.slice(last + 1) };
  if (parts.conversationId === '') return undefined;
  return conversationStateKey(parts.channelId, parts.conversationId, parts.namespace) === key ? parts : undefined;
}

/** The key of a conversation's handoff record: `{prefix}/handoff/{conversationId}`. */
export function handoffRecordKey(conversationId: string, prefix = 'cowork'): string {
  return `${prefix}/handoff/${conversationId}`;
}

/** The conversation whose handoff record `key` is (the inverse of `handoffRecordKey`), or undefined for any other key. */
export function conversationOfHandoffRecord(key: string, prefix = 'cowork'): string | undefined {
  const head = handoffRecordKey('', prefix);
  return key.startsWith(head) && key.length > head.length ? key.slice(head.length) : undefined;
}
