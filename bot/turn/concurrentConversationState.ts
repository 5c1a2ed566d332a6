/**
 * Conversation state that is safe with several bot instances.
 *
 * botbuilder's `BotState.saveChanges` writes with eTag `*`: when two instances run turns of one
 * conversation at once (a customer's message on one, the event's proactive turn on another),
 * the later save silently overwrites the earlier. This subclass writes with the eTag it read;
 * on a conflict it re-reads the stored state, merges, and writes again:
 * - `coworkSessions` (the conversation's recent sessions) is the union of both, in order;
 * - every other property keeps this turn's value (this turn is the later one).
 * The co-work truth is in the sessions themselves (eTag-guarded); this keeps the dialog stack
 * and the session list from being lost.
 */
import { ConversationState, type Storage, type TurnContext } from 'botbuilder';
import { isETagConflict } from '../../util/keyList';

type StateObject = Record<string, unknown> & { eTag?: string };

const MAX_MERGES = 5;
const SESSION_LIST = 'coworkSessions';
const SESSION_LIST_LIMIT = 10;

export class ConcurrentConversationState extends ConversationState {
  private readonly snapshots = new WeakMap<TurnContext, string>();

  /** `namespace` keeps this state apart from a host bot's own conversation state (same storage). */
  constructor(storage: Storage, namespace = '') {
    super(storage, namespace);
  }

  override async load(context: TurnContext, force = false): Promise<StateObject> {
    const state = (await super.load(context, force)) as StateObject;
    if (force || !this.snapshots.has(context)) this.snapshots.set(context, snapshot(state));
    return state;
  }

  override async saveChanges(context: TurnContext, force = false): Promise<void> {
    const state = await this.load(context);
    if (!force && this.snapshots.get(context) === snapshot(state)) return;
    const key = await this.storageKey(context);
    if (!key) return;
    let eTag = state.eTag;
    if (eTag === undefined) {
      // Nothing was stored when this turn loaded; if something is now, build on it. (Storage offers no
      // create-if-absent, so two instances creating one conversation's state in the same instant can
      // still race: the window is the time between this read and the write.)
      const existing = (await this.storage.read([key]))[key] as StateObject | undefined;
      if (existing) {
        mergeSessionLists(state, existing);
        eTag = existing.eTag;
      }
    }
    for (let attempt = 0; ; attempt++) {
      let conflict = false;
      try {
        const { eTag: _ignored, ...body } = state;
        await this.storage.write({ [key]: { ...body, eTag: eTag ?? '*' } });
      } catch (err) {
        if (!isETagConflict(err)) throw err;
        conflict = true;
      }
      // A write with the eTag we read succeeded only if nothing changed the item since: nothing to
      // check. (Its new eTag is unknown: a second save in this turn conflicts once, merges and writes.)
      if (!conflict && eTag !== undefined) break;
      const stored = ((await this.storage.read([key]))[key] ?? {}) as StateObject;
      // A first write is unconditional (there is no eTag yet): another instance may have created the
      // same item at the same moment. Either way, check that our sessions survived.
      if (!conflict && containsSessions(stored, state)) {
        if (stored.eTag === undefined) delete state.eTag;
        else state.eTag = stored.eTag;
        break;
      }
      if (attempt >= MAX_MERGES) throw new Error(`conversation state ${key}: gave up after ${MAX_MERGES} conflicting concurrent writes`);
      mergeSessionLists(state, stored);
      eTag = stored.eTag;
    }
    this.snapshots.set(context, snapshot(state));
  }
}

function containsSessions(stored: StateObject, ours: StateObject): boolean {
  const theirs = Array.isArray(stored[SESSION_LIST]) ? (stored[SESSION_LIST] as unknown[]) : [];
  const mine = Array.isArray(ours[SESSION_LIST]) ? (ours[SESSION_LIST] as unknown[]) : [];
  return mine.slice(-SESSION_LIST_LIMIT).every((k) => theirs.includes(k));
}

function mergeSessionLists(ours: StateObject, stored: StateObject): void {
  const theirs = Array.isArray(stored[SESSION_LIST]) ? (stored[SESSION_LIST] as unknown[]) : [];
  const mine = Array.isArray(ours[SESSION_LIST]) ? (ours[SESSION_LIST] as unknown[]) : [];
  const merged = [...theirs, ...mine.filter((k) => !theirs.includes(k))].filter((k): k is string => typeof k === 'string');
  if (merged.length > 0) ours[SESSION_LIST] = merged.slice(-SESSION_LIST_LIMIT);
}

function snapshot(state: StateObject): string {
  const { eTag: _eTag, ...body } = state;
  return JSON.stringify(body);
}
