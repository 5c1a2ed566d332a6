/**
 * The key layout's conversation partition (storage/keyLayout.ts): a conversation's state, under every channel and
 * namespace, and its handoff record share `kept/conversation/{conversationId}`, each in a row of its own; any other
 * key (another shape, another prefix, too long for the service) stays where it was.
 */
import { conversationStateKey, handoffRecordKey } from '../../util/conversationKeys';
import { KEY_VALUE_ROW, locate } from '../../storage/keyLayout';
import { MemoryCoworkStore } from '../../storage/memoryStore';
import { StoreBackedStorage } from '../../storage/storeBackedStorage';

describe('the conversation partition of the key layout', () => {
  const id = 'a:1|livechat;messageid=2';

  it("keeps the conversation's state and its handoff record together, in distinct rows", () => {
    const state = locate(conversationStateKey('emulator', id, 'cowork'));
    const host = locate(conversationStateKey('emulator', id, ''));
    const otherChannel = locate(conversationStateKey('msteams', id, 'cowork'));
    const record = locate(handoffRecordKey(id));
    for (const l of [state, host, otherChannel, record]) expect(l).toMatchObject({ partition: `kept/conversation/${id}`, shared: true });
    expect(new Set([state.row, host.row, otherChannel.row, record.row]).size).toBe(4);
    expect(record.row).toBe('handoff');
    const storage = new StoreBackedStorage(new MemoryCoworkStore());
    expect(storage.keptTogether([conversationStateKey('emulator', id, 'cowork'), handoffRecordKey(id)])).toBe(true);
  });

  it('a conversation id with slashes is still one partition, each key in its own row', () => {
    const slashed = 'x/conversations/y';
    const state = locate(conversationStateKey('emulator', slashed, 'cowork'));
    expect(state).toMatchObject({ partition: `kept/conversation/${slashed}`, row: 'state:emulator/cowork' });
    expect(locate(handoffRecordKey(slashed)).partition).toBe(state.partition);
  });

  it('leaves every other key where it was', () => {
    for (const key of [
      'cowork/handoffs/waiting',
      'cowork/session/abc',
      handoffRecordKey(id, 'other'),
      `emulator/agent-1/conversations/${id}`, // the Agents SDK's AgentApplication state
      'emulator/users/u/',
      'emulator/conversations/',
    ])
      expect(locate(key)).toEqual({ partition: key, row: KEY_VALUE_ROW, shared: false });
  });

  it('a conversation id too long for a partition keeps its state and record apart (each read by itself)', () => {
    const long = 'c'.repeat(450);
    const storage = new StoreBackedStorage(new MemoryCoworkStore());
    expect(storage.keptTogether([conversationStateKey('emulator', long, 'cowork'), handoffRecordKey(long)])).toBe(false);
    expect(locate(handoffRecordKey(long)).row).toBe(KEY_VALUE_ROW);
  });
});
