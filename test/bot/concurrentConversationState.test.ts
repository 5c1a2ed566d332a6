import { MemoryStorage, TestAdapter, TurnContext, type Activity, type Storage } from 'botbuilder';
import { CountingCoworkStore, requestsBetween } from '../../bench/countingStore';
import { ConcurrentConversationState } from '../../bot/turn/concurrentConversationState';
import { MemoryCoworkStore } from '../../storage/memoryStore';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';

function turn(adapter: TestAdapter): TurnContext {
  const activity: Partial<Activity> = {
    type: 'message',
    channelId: 'test',
    conversation: { id: 'conv-1', isGroup: false, conversationType: '', name: '' },
    from: { id: 'u', name: 'u' },
    recipient: { id: 'b', name: 'b' },
  };
  return new TurnContext(adapter, activity);
}

/** Two instances (two state objects) over one storage, like two bot processes, and a turn of the conversation on each. */
function twoInstances(storage: Storage) {
  const adapter = new TestAdapter();
  return {
    adapter,
    first: new ConcurrentConversationState(storage),
    second: new ConcurrentConversationState(storage),
    a: turn(adapter),
    b: turn(adapter),
  };
}

const storages: [string, () => Storage][] = [
  ['botbuilder MemoryStorage', () => new MemoryStorage()],
  ['the co-work store port (STORAGE=table: eTags told, create-if-absent)', () => new StoreBackedStorage(new MemoryCoworkStore())],
];

describe.each(storages)('ConcurrentConversationState on %s', (_name, newStorage) => {
  it("keeps both turns' sessions when two turns of one conversation save at once (botbuilder would keep one)", async () => {
    const storage = newStorage();
    const { adapter, first, second, a, b } = twoInstances(storage);
    const listA = first.createProperty<string[]>('coworkSessions');
    const listB = second.createProperty<string[]>('coworkSessions');
    const dialogB = second.createProperty<{ marker: string }>('dialogState');
    // An earlier turn created the conversation's state.
    const earlier = turn(adapter);
    await listA.set(earlier, ['session-0']);
    await first.saveChanges(earlier);
    // Both turns read before either writes.
    const seenByA = (await listA.get(a, [])) ?? [];
    const seenByB = (await listB.get(b, [])) ?? [];
    await listA.set(a, [...seenByA, 'session-a']);
    await listB.set(b, [...seenByB, 'session-b']);
    await dialogB.set(b, { marker: 'b' });
    await first.saveChanges(a);
    await second.saveChanges(b);

    const reader = new ConcurrentConversationState(storage);
    const c = turn(adapter);
    expect(await reader.createProperty<string[]>('coworkSessions').get(c, [])).toEqual(['session-0', 'session-a', 'session-b']);
    expect(await reader.createProperty<{ marker: string }>('dialogState').get(c)).toEqual({ marker: 'b' });
  });

  it('builds on state another instance created after this turn loaded', async () => {
    const storage = newStorage();
    const { adapter, first, second, a, b } = twoInstances(storage);
    await first.createProperty<string[]>('coworkSessions').get(a, []);
    await second.createProperty<string[]>('coworkSessions').get(b, []);
    await first.createProperty<string[]>('coworkSessions').set(a, ['session-a']);
    await first.saveChanges(a);
    await second.createProperty<string[]>('coworkSessions').set(b, ['session-b']);
    await second.saveChanges(b);
    const reader = new ConcurrentConversationState(storage);
    expect(await reader.createProperty<string[]>('coworkSessions').get(turn(adapter), [])).toEqual(['session-a', 'session-b']);
  });

  it('keeps what the other turn stored in a property this turn never touched (the open form and its card, when the other turn only noted the words)', async () => {
    const storage = newStorage();
    // Instance A: an agent's request starting a form; instance B: the customer's first message, at the same moment.
    const { adapter, first, second, a, b } = twoInstances(storage);
    await first.load(a);
    await second.load(b);
    await first.createProperty<string[]>('coworkSessions').set(a, ['session-a']);
    await first.createProperty<{ sessionKey: string }>('coworkForm').set(a, { sessionKey: 'session-a' });
    await first.createProperty<Array<{ sessionKey: string }>>('coworkFormCards').set(a, [{ sessionKey: 'session-a' }]);
    // B reads the form (a default: there is none in what it loaded) and notes the customer's words.
    expect(await second.createProperty<{ sessionKey: string } | null>('coworkForm').get(b, null)).toBe(null);
    const words = (await second.createProperty<string[]>('coworkTurns').get(b, [])) ?? [];
    words.push('hello'); // changed in place
    await first.saveChanges(a);
    await second.saveChanges(b);

    const reader = new ConcurrentConversationState(storage);
    const c = turn(adapter);
    expect({
      sessions: await reader.createProperty<string[]>('coworkSessions').get(c),
      words: await reader.createProperty<string[]>('coworkTurns').get(c),
      form: await reader.createProperty<{ sessionKey: string }>('coworkForm').get(c),
      cards: await reader.createProperty<unknown[]>('coworkFormCards').get(c),
    }).toEqual({ sessions: ['session-a'], words: ['hello'], form: { sessionKey: 'session-a' }, cards: [{ sessionKey: 'session-a' }] });
  });

  it("a property both turns changed keeps the later turn's value, one this turn deleted stays deleted", async () => {
    const storage = newStorage();
    const { adapter, first, second, a, b } = twoInstances(storage);
    const earlier = turn(adapter);
    await first.createProperty<string>('coworkForm').set(earlier, 'open');
    await first.createProperty<string>('note').set(earlier, 'x');
    await first.saveChanges(earlier);
    await first.load(a);
    await second.load(b);
    await first.createProperty<string>('note').set(a, 'from a');
    await second.createProperty<string>('note').set(b, 'from b');
    await second.createProperty<string>('coworkForm').delete(b);
    await first.saveChanges(a);
    await second.saveChanges(b);
    const reader = new ConcurrentConversationState(storage);
    const c = turn(adapter);
    expect({ note: await reader.createProperty<string>('note').get(c), form: await reader.createProperty<string>('coworkForm').get(c) }).toEqual({
      note: 'from b',
      form: undefined,
    });
  });

  it("a form ended on a condition (`deleteWhere`) leaves the form another instance's turn opened since this turn loaded", async () => {
    const storage = newStorage();
    const { first, second, a, b } = twoInstances(storage);
    const form = (state: ConcurrentConversationState) => state.createProperty<{ sessionKey: string }>('coworkForm');
    const setup = turn(new TestAdapter());
    await form(first).set(setup, { sessionKey: 's1' });
    await first.saveChanges(setup);
    // The thank-you's turn for s1 loads (before its send) ...
    expect(await form(first).get(a)).toEqual({ sessionKey: 's1' });
    // ... another instance's turn opens the form of a new session s2 meanwhile ...
    expect(await form(second).get(b)).toEqual({ sessionKey: 's1' });
    await form(second).set(b, { sessionKey: 's2' });
    await second.saveChanges(b);
    // ... and the thank-you's turn ends s1's form: s2's stays.
    await first.deleteWhere(a, 'coworkForm', (value) => (value as { sessionKey?: string } | undefined)?.sessionKey === 's1');
    await first.saveChanges(a);
    expect(await form(new ConcurrentConversationState(storage)).get(turn(new TestAdapter()))).toEqual({ sessionKey: 's2' });
  });

  it("a form ended on a condition is ended when the other instance's turn changed something else", async () => {
    const storage = newStorage();
    const { first, second, a, b } = twoInstances(storage);
    const setup = turn(new TestAdapter());
    await first.createProperty<{ sessionKey: string }>('coworkForm').set(setup, { sessionKey: 's1' });
    await first.saveChanges(setup);
    await first.load(a);
    await second.createProperty<string[]>('coworkTurns').set(b, ['hello']);
    await second.saveChanges(b);
    await first.deleteWhere(a, 'coworkForm', (value) => (value as { sessionKey?: string } | undefined)?.sessionKey === 's1');
    await first.saveChanges(a);
    const reader = new ConcurrentConversationState(storage);
    const read = turn(new TestAdapter());
    expect(await reader.createProperty('coworkForm').get(read)).toBeUndefined();
    expect(await reader.createProperty('coworkTurns').get(read)).toEqual(['hello']);
  });

  it('writes nothing when the turn changed nothing', async () => {
    const storage = newStorage();
    const state = new ConcurrentConversationState(storage);
    const context = turn(new TestAdapter());
    await state.load(context);
    const write = jest.spyOn(storage, 'write');
    await state.saveChanges(context);
    expect(write).not.toHaveBeenCalled();
  });
});

describe('ConcurrentConversationState on the co-work store port', () => {
  it("creates a new conversation's state in one request (no read first, no read back) and saves it again in the same turn without a conflict", async () => {
    const store = new CountingCoworkStore(new MemoryCoworkStore());
    const state = new ConcurrentConversationState(new StoreBackedStorage(store));
    const context = turn(new TestAdapter());
    const sessions = state.createProperty<string[]>('coworkSessions');
    await sessions.get(context, []);
    expect(store.counts).toEqual({ 'get kept/conversation/*': 1 });
    await sessions.set(context, ['session-1']);
    await state.saveChanges(context);
    expect(store.counts).toEqual({ 'get kept/conversation/*': 1, 'create kept/conversation/*': 1 });
    await sessions.set(context, ['session-1', 'session-2']);
    await state.saveChanges(context);
    expect(store.counts).toEqual({ 'get kept/conversation/*': 1, 'create kept/conversation/*': 1, 'replace kept/conversation/*': 1 });
    const reader = new ConcurrentConversationState(new StoreBackedStorage(store));
    expect(await reader.createProperty<string[]>('coworkSessions').get(turn(new TestAdapter()), [])).toEqual(['session-1', 'session-2']);
  });

  it("of two instances creating one conversation's state at once, the refused one merges: both sessions kept", async () => {
    const storage = new StoreBackedStorage(new MemoryCoworkStore());
    const { adapter, first, second, a, b } = twoInstances(storage);
    await first.createProperty<string[]>('coworkSessions').set(a, ['session-a']);
    await second.createProperty<string[]>('coworkSessions').set(b, ['session-b']);
    await Promise.all([first.saveChanges(a), second.saveChanges(b)]);
    const reader = new ConcurrentConversationState(storage);
    expect(await reader.createProperty<string[]>('coworkSessions').get(turn(adapter), [])).toEqual(['session-a', 'session-b']);
  });

  it("reads a key kept in the state's partition (the handoff record) along with the state, in one request, once per load", async () => {
    const store = new CountingCoworkStore(new MemoryCoworkStore());
    const storage = new StoreBackedStorage(store);
    await storage.write({ 'cowork/handoff/conv-1': { state: 'accepted' } });
    const state = new ConcurrentConversationState(storage);
    state.readAlong((t) => `cowork/handoff/${t.activity.conversation.id}`);
    const context = turn(new TestAdapter());
    const before = { ...store.counts };
    const along = await state.readAlongside(context, 'cowork/handoff/conv-1');
    expect(along?.item).toMatchObject({ state: 'accepted' });
    await state.load(context);
    expect(requestsBetween(before, store.counts)).toEqual({ 'query kept/conversation/*': 1 });
    // Once: a second question in the turn reads for itself.
    expect(await state.readAlongside(context, 'cowork/handoff/conv-1')).toBeUndefined();
    // Not a key the layout keeps with the state: never read along.
    expect(await state.readAlongside(context, 'cowork/session/x')).toBeUndefined();
    // A load before the turn's pipeline (`forgetAlong`) answers nothing.
    const early = turn(new TestAdapter());
    await state.load(early);
    state.forgetAlong(early);
    expect(await state.readAlongside(early, 'cowork/handoff/conv-1')).toBeUndefined();
  });

  it('on a storage that keeps nothing together reads the state alone (the caller reads the record itself)', async () => {
    const storage = new MemoryStorage();
    const read = jest.spyOn(storage, 'read');
    const state = new ConcurrentConversationState(storage);
    state.readAlong((t) => `cowork/handoff/${t.activity.conversation.id}`);
    const context = turn(new TestAdapter());
    expect(await state.readAlongside(context, 'cowork/handoff/conv-1')).toBeUndefined();
    await state.load(context);
    expect(read.mock.calls).toEqual([[['test/conversations/conv-1/']]]);
  });
});
