import { MemoryStorage, TestAdapter, TurnContext, type Activity, type Storage } from 'botbuilder';
import { CountingCoworkStore } from '../../bench/countingStore';
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
    expect(store.counts).toEqual({ 'get test/conversations/*/': 1 });
    await sessions.set(context, ['session-1']);
    await state.saveChanges(context);
    expect(store.counts).toEqual({ 'get test/conversations/*/': 1, 'create test/conversations/*/': 1 });
    await sessions.set(context, ['session-1', 'session-2']);
    await state.saveChanges(context);
    expect(store.counts).toEqual({ 'get test/conversations/*/': 1, 'create test/conversations/*/': 1, 'replace test/conversations/*/': 1 });
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
});
