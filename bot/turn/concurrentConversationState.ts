/**
 * Conversation state that is safe with several bot instances, on any key-value storage (each
 * host's `Storage`: botbuilder's, or the Agents SDK's), and host-neutral: it works on a
 * `CoworkTurn`, so both hosts keep a conversation's state in the same item, with the same key
 * botbuilder's `ConversationState` used (`{channelId}/conversations/{conversationId}/{namespace}`).
 *
 * botbuilder's `BotState.saveChanges` writes with eTag `*`: when two instances run turns of one
 * conversation at once (a customer's message on one, the event's proactive turn on another),
 * the later save silently overwrites the earlier. This writes with the eTag it read;
 * on a conflict it re-reads the stored state, merges, and writes again:
 * - `coworkSessions` (the conversation's recent sessions) is the union of both, in order;
 * - a property this turn changed (set, deleted, or changed in place) keeps this turn's value (this
 *   turn is the later one); one it did not change takes the stored value, so what the other turn
 *   wrote (an open form, its card) is not undone by a turn that never touched it.
 * The co-work truth is in the sessions themselves (eTag-guarded); this keeps the form's state
 * and the session list from being lost.
 *
 * Keys another part of the turn reads anyway (the conversation's handoff record: `readAlong`) are read
 * by the state's load in the same `read` where the storage keeps them in the state's partition
 * (STORAGE=table: storage/keyLayout.ts), so that turn asks one request, not two; elsewhere nothing is read along.
 */
import { isETagConflict } from '../../util/keyList';
import { keepsTogether, returnsETags, type ETagReturningStorage, type KeyValueStorage, type StoreItem } from '../../util/storage';
import type { CoworkTurn } from '../../dialogs/coworkTurn';
import { conversationStateKey } from '../../util/conversationKeys';

type StateObject = Record<string, unknown> & { eTag?: string };

const MAX_MERGES = 5;
const SESSION_LIST = 'coworkSessions';
const SESSION_LIST_LIMIT = 10;

/** One property of the conversation's state, read and written within a turn (saved by `saveChanges`). */
export interface StateProperty<T> {
  get(turn: CoworkTurn, defaultValue?: T): Promise<T | undefined>;
  set(turn: CoworkTurn, value: T): Promise<void>;
  delete(turn: CoworkTurn): Promise<void>;
}

interface Loaded {
  state: StateObject;
  snapshot: string;
  /** The state as loaded or last saved, property by property (JSON): what this turn started from. */
  base: Record<string, string>;
  /** Properties this turn set or deleted. */
  touched: Set<string>;
  /** Properties a `get` gave a default to (absent from `base`), with the default's JSON. */
  defaulted: Map<string, string>;
  /** Properties `deleteWhere` deleted, with their condition: judged again on what a merge brings in. */
  deletedWhere: Map<string, (value: unknown) => boolean>;
  /** Items read along with the state by this load (`readAlong`), until `readAlongside` takes them. */
  along: Map<string, StoreItem | undefined>;
}

export class ConcurrentConversationState {
  /** This turn's loaded state, keyed by the turn's own state map (one per turn on both hosts). */
  private readonly loaded = new WeakMap<Map<unknown, unknown>, Loaded>();
  /** The keys a load reads along with the state, where the storage keeps them together (`readAlong`). */
  private readonly alongKeys: ((turn: CoworkTurn) => string | undefined)[] = [];

  /** `namespace` keeps this state apart from a host bot's own conversation state (same storage). */
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly namespace = '',
  ) {}

  /** A property of the state; `get` with a default stores a copy of it, as botbuilder's accessor does. */
  createProperty<T>(name: string): StateProperty<T> {
    return {
      get: async (turn, defaultValue) => {
        const state = await this.load(turn);
        if (!Object.prototype.hasOwnProperty.call(state, name) && defaultValue !== undefined) {
          state[name] = typeof defaultValue === 'object' ? (JSON.parse(JSON.stringify(defaultValue)) as T) : defaultValue;
          this.loaded.get(turn.turnState)?.defaulted.set(name, JSON.stringify(defaultValue));
        }
        return state[name] as T | undefined;
      },
      set: async (turn, value) => {
        const state = await this.load(turn);
        state[name] = value;
        this.touch(turn, name);
      },
      delete: async (turn) => {
        const state = await this.load(turn);
        delete state[name];
        this.touch(turn, name);
      },
    };
  }

  /** `name` was set or deleted outright in this turn: this turn's value, whatever a merge brings in. */
  private touch(turn: CoworkTurn, name: string): void {
    const loaded = this.loaded.get(turn.turnState);
    loaded?.touched.add(name);
    loaded?.deletedWhere.delete(name);
  }

  /**
   * Deletes property `name` if `when` holds of its value; should another turn's write be merged in before
   * this turn's lands, `when` is judged again on the value that write stored (so this turn deletes only
   * what its condition names, however early it loaded: e.g. only the form of the session it ended). A later
   * `set` or `delete` of the property in this turn is this turn's value again, as always.
   */
  async deleteWhere(turn: CoworkTurn, name: string, when: (value: unknown) => boolean): Promise<void> {
    const state = await this.load(turn);
    const loaded = this.loaded.get(turn.turnState);
    if (!loaded || !Object.prototype.hasOwnProperty.call(state, name) || !when(state[name])) return;
    delete state[name];
    loaded.touched.add(name);
    loaded.deletedWhere.set(name, when);
  }

  storageKey(turn: CoworkTurn): string {
    const { channelId, conversation } = turn.activity;
    if (!channelId) throw new Error('missing activity.channelId');
    if (!conversation?.id) throw new Error('missing activity.conversation.id');
    return conversationStateKey(channelId, conversation.id, this.namespace);
  }

  /**
   * Every load from now on reads `keyOf(turn)` in the same `read` as the state, where the storage keeps
   * that key in the state's partition (one request for both); `readAlongside` gives what was read.
   */
  readAlong(keyOf: (turn: CoworkTurn) => string | undefined): void {
    this.alongKeys.push(keyOf);
  }

  /**
   * The item stored at `key` as this turn's state load read it along (loading the state now if this turn
   * has not yet), once: a second call, or a key not read along (a storage that does not keep it with the
   * state, a key not registered with `readAlong`), resolves undefined and the caller reads it itself.
   */
  async readAlongside(turn: CoworkTurn, key: string): Promise<{ item: StoreItem | undefined } | undefined> {
    if (!this.keptWithState(turn, key)) return undefined;
    if (!this.loaded.has(turn.turnState)) await this.load(turn);
    const loaded = this.loaded.get(turn.turnState);
    if (!loaded?.along.has(key)) return undefined;
    const item = loaded.along.get(key);
    loaded.along.delete(key);
    return { item };
  }

  /**
   * What this turn's load read along so far is not given by `readAlongside` (a load before the turn's
   * pipeline began, e.g. by a route selector outside the conversation's queue, may be long before it).
   */
  forgetAlong(turn: CoworkTurn): void {
    this.loaded.get(turn.turnState)?.along.clear();
  }

  /** Whether this storage keeps `key` in the partition of the turn's state (one `read` reads both by one request). */
  private keptWithState(turn: CoworkTurn, key: string): boolean {
    const { channelId, conversation } = turn.activity;
    if (!channelId || !conversation?.id || !keepsTogether(this.storage)) return false;
    return this.storage.keptTogether([this.storageKey(turn), key]);
  }

  async load(turn: CoworkTurn, force = false): Promise<StateObject> {
    const cached = this.loaded.get(turn.turnState);
    if (cached && !force) return cached.state;
    const key = this.storageKey(turn);
    const along = [
      ...new Set(this.alongKeys.map((keyOf) => keyOf(turn)).filter((k): k is string => k !== undefined && k !== key && this.keptWithState(turn, k))),
    ];
    const items = await this.storage.read([key, ...along]);
    const state = (items[key] ?? {}) as StateObject;
    this.loaded.set(turn.turnState, {
      state,
      snapshot: snapshot(state),
      ...startedFrom(state),
      along: new Map(along.map((k) => [k, items[k]])),
    });
    return state;
  }

  async saveChanges(turn: CoworkTurn, force = false): Promise<void> {
    const cached = this.loaded.get(turn.turnState);
    if (!cached) return;
    const { state } = cached;
    if (!force && cached.snapshot === snapshot(state)) return;
    const key = this.storageKey(turn);
    if (returnsETags(this.storage)) await this.saveTellingETags(this.storage, key, cached);
    else await this.saveOnStorage(key, cached);
    // A second save in this turn starts from what this one stored.
    Object.assign(cached, { snapshot: snapshot(state), ...startedFrom(state) });
  }

  /**
   * On a storage whose writes tell their eTag and can be create-only (STORAGE=table): a new
   * conversation's state is created only if absent (no read first, nothing to read back: of two
   * instances creating it at once, one is refused and merges), every later write is guarded by the
   * eTag the last write told, so a second save in the same turn does not conflict.
   */
  private async saveTellingETags(storage: ETagReturningStorage, key: string, loaded: Loaded): Promise<void> {
    const { state } = loaded;
    let eTag = state.eTag;
    for (let attempt = 0; ; attempt++) {
      const { eTag: _ignored, ...body } = state;
      try {
        state.eTag = await storage.writeReturningETag(key, { ...body, eTag: eTag ?? '*' } as StoreItem, { ifAbsent: eTag === undefined });
        return;
      } catch (err) {
        if (!isETagConflict(err)) throw err;
      }
      if (attempt >= MAX_MERGES) throw new Error(`conversation state ${key}: gave up after ${MAX_MERGES} conflicting concurrent writes`);
      const stored = (await storage.read([key]))[key] as StateObject | undefined;
      if (stored) merge(loaded, stored);
      // Deleted meanwhile: created afresh (only if still absent).
      eTag = stored?.eTag;
    }
  }

  private async saveOnStorage(key: string, loaded: Loaded): Promise<void> {
    const { state } = loaded;
    let eTag = state.eTag;
    if (eTag === undefined) {
      // Nothing was stored when this turn loaded; if something is now, build on it. (Storage offers no
      // create-if-absent, so two instances creating one conversation's state in the same instant can
      // still race: the window is the time between this read and the write.)
      const existing = (await this.storage.read([key]))[key] as StateObject | undefined;
      if (existing) {
        merge(loaded, existing);
        eTag = existing.eTag;
      }
    }
    for (let attempt = 0; ; attempt++) {
      let conflict = false;
      try {
        const { eTag: _ignored, ...body } = state;
        await this.storage.write({ [key]: { ...body, eTag: eTag ?? '*' } as StoreItem });
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
      merge(loaded, stored);
      eTag = stored.eTag;
    }
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

/** What a turn starts from: the state's properties as loaded (or last saved), nothing touched yet. */
function startedFrom(state: StateObject): Pick<Loaded, 'base' | 'touched' | 'defaulted' | 'deletedWhere'> {
  const { eTag: _eTag, ...body } = state;
  return {
    base: Object.fromEntries(Object.entries(body).map(([name, value]) => [name, JSON.stringify(value)])),
    touched: new Set(),
    defaulted: new Map(),
    deletedWhere: new Map(),
  };
}

/** Whether this turn changed `name`: set or deleted it, changed it in place, or changed the default a `get` gave it. */
function changedHere(loaded: Loaded, name: string): boolean {
  if (loaded.touched.has(name)) return true;
  const now = JSON.stringify(loaded.state[name]);
  const before = loaded.base[name] ?? loaded.defaulted.get(name);
  return before === undefined ? name in loaded.state : now !== before;
}

/**
 * This turn's state over what another turn stored meanwhile: the session lists joined, this turn's
 * changes kept, every property it did not change taken from `stored` (and counted as the new start,
 * so a further conflict is judged against it).
 */
function merge(loaded: Loaded, stored: StateObject): void {
  const { state } = loaded;
  const { eTag: _eTag, ...theirs } = stored;
  for (const [name, when] of loaded.deletedWhere) {
    // Deleted on a condition: judged again on what the other turn stored (this turn's other changes to it are none).
    if (!(name in theirs)) {
      delete state[name];
      delete loaded.base[name];
      loaded.touched.delete(name);
    } else if (when(theirs[name])) {
      delete state[name];
      loaded.base[name] = JSON.stringify(theirs[name]);
      loaded.touched.add(name);
    } else {
      state[name] = JSON.parse(JSON.stringify(theirs[name])) as unknown;
      loaded.base[name] = JSON.stringify(theirs[name]);
      loaded.touched.delete(name);
    }
    loaded.defaulted.delete(name);
  }
  for (const name of new Set([...Object.keys(state), ...Object.keys(theirs)])) {
    if (name === 'eTag' || name === SESSION_LIST || loaded.deletedWhere.has(name) || changedHere(loaded, name)) continue;
    loaded.defaulted.delete(name);
    if (name in theirs) {
      state[name] = JSON.parse(JSON.stringify(theirs[name])) as unknown;
      loaded.base[name] = JSON.stringify(theirs[name]);
    } else {
      delete state[name];
      delete loaded.base[name];
    }
  }
  mergeSessionLists(state, stored);
}

function snapshot(state: StateObject): string {
  const { eTag: _eTag, ...body } = state;
  return JSON.stringify(body);
}
