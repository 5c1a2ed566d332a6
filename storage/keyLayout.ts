/**
 * Where a key-value item lives in the co-work store (`cowork/coworkStore.ts`): its partition and row.
 *
 * By default a key is a partition of its own and its item the row `kv` (`KEY_VALUE_ROW`). A layout rule
 * may place a key in a partition shared with other keys instead, so that the items one step of the flow
 * needs together are read by one partition query and written by one transaction (Azure Table storage
 * reads and writes atomically within a partition only). The rules are co-work's key layout: which keys
 * belong together, decided from the key alone, so any instance finds any item where another put it.
 *
 * A key a rule places is stored with its own key beside its data (`ORIGINAL_KEY`), so the migration
 * tool can list it; a key too long for the service is hashed into a partition of its own.
 */
import { createHash } from 'node:crypto';
import { escapeKey } from '../cowork/coworkStore';
import { caseOfSessionKey } from '../util/sessionKey';
import { conversationOfHandoffRecord, conversationStateOf } from '../util/conversationKeys';

/** The row every key-value item of its own partition is stored in. */
export const KEY_VALUE_ROW = 'kv';
/** Where hashed keys live; a key that itself starts with it is hashed too, so none can collide with one. */
export const HASHED_PREFIX = 'hashed/';
/**
 * A prefix for partitions of keys kept together that are nobody's own key: a key that starts with it is
 * stored hashed, like one starting with `HASHED_PREFIX`, so no key alone can land in such a partition.
 */
export const KEPT_PREFIX = 'kept/';
/** Longest escaped key (or rule's partition or row) kept as it is (the service's 1 KiB is 512 UTF-16 units). */
const MAX_PLAIN_KEY = 400;

export interface Location {
  partition: string;
  row: string;
  /** True when the key is not its partition's only key (a rule placed it, or it was hashed): stored with ORIGINAL_KEY. */
  shared: boolean;
}

/**
 * A rule: the partition and row of the keys it places, or undefined for keys it does not. A rule's
 * partition is either under `KEPT_PREFIX` or the own partition of the one key it means to join
 * (e.g. a session joining its Case document's); its rows are never `KEY_VALUE_ROW` nor start with
 * `r:` (rows under a key, `RowStorage`).
 */
export type LayoutRule = (key: string) => { partition: string; row: string } | undefined;

const SESSION_PREFIX = 'cowork/session/';

/**
 * A session whose key names its Case (`util/sessionKey.ts`) is a row of its Case document's
 * partition (`cowork/case/{caseId}`, which stays the document's own: row `kv`): the start writes both in
 * one transaction, the event's routing reads the document and its sessions by one query, the claim
 * writes both in one transaction. A session of an earlier release (a key without its Case) keeps a
 * partition of its own.
 */
export const sessionBesideItsCase: LayoutRule = (key) => {
  if (!key.startsWith(SESSION_PREFIX)) return undefined;
  const sessionKey = key.slice(SESSION_PREFIX.length);
  const caseId = caseOfSessionKey(sessionKey);
  return caseId === undefined ? undefined : { partition: partitionOfKey(`cowork/case/${caseId}`), row: `session:${sessionKey}` };
};

/** Co-work's rules, first match wins. */
export const LAYOUT_RULES: readonly LayoutRule[] = [sessionBesideItsCase, byConversation];

/** The partition of a key stored alone (itself, or hashed when too long for the service). */
export function partitionOfKey(key: string): string {
  if (escapeKey(key).length <= MAX_PLAIN_KEY && !key.startsWith(HASHED_PREFIX) && !key.startsWith(KEPT_PREFIX)) return key;
  return `${HASHED_PREFIX}${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

export function locate(key: string, rules: readonly LayoutRule[] = LAYOUT_RULES): Location {
  for (const rule of rules) {
    const placed = rule(key);
    if (placed && escapeKey(placed.partition).length <= MAX_PLAIN_KEY && escapeKey(placed.row).length <= MAX_PLAIN_KEY) return { ...placed, shared: true };
    if (placed) break;
  }
  const partition = partitionOfKey(key);
  return { partition, row: KEY_VALUE_ROW, shared: partition !== key };
}

/** Where a conversation's state (every channel's, every namespace's) and its handoff record are kept together. */
export const CONVERSATION_PARTITION = `${KEPT_PREFIX}conversation/`;

/**
 * A conversation's state (`{channelId}/conversations/{conversationId}/{namespace}`, the key of
 * `ConcurrentConversationState` and botbuilder's `ConversationState`: a host bot's own state shares it) and its
 * handoff record (`cowork/handoff/{conversationId}`, `HandoffRepository`) in the partition
 * `kept/conversation/{conversationId}`: a turn's state load reads the record along, by the same one query.
 * Rows: `state:{channelId}/{namespace}` (a channel id has no `/`), and `handoff`.
 */
function byConversation(key: string): { partition: string; row: string } | undefined {
  const state = conversationStateOf(key);
  if (state) return { partition: `${CONVERSATION_PARTITION}${state.conversationId}`, row: `state:${state.channelId}/${state.namespace}` };
  const handedOff = conversationOfHandoffRecord(key);
  if (handedOff !== undefined) return { partition: `${CONVERSATION_PARTITION}${handedOff}`, row: 'handoff' };
  return undefined;
}
