/**
 * The open form's state on a host-neutral turn: kept in `coworkForm`, and read once from
 * botbuilder-dialogs' stack (`dialogState`) where an earlier version kept it, so a form open across
 * the upgrade still takes its typed answer and its confirmation.
 */
import { MemoryStorage } from '@microsoft/agents-hosting';
import { ConcurrentConversationState } from '../../bot/turn/concurrentConversationState';
import { Conversations } from '../../bot/turn/conversations';
import type { CoworkTurn, TurnActivity } from '../../dialogs/coworkTurn';
import { silentLog } from '../../util/log';

function turn(): CoworkTurn {
  const activity: TurnActivity = { type: 'message', channelId: 'emulator', conversation: { id: 'conv-1' }, from: { id: 'u' }, recipient: { id: 'b' } };
  return {
    activity,
    turnState: new Map(),
    sendActivity: () => Promise.resolve({ id: 'x' }),
    sendActivities: () => Promise.resolve([]),
    updateActivity: () => Promise.resolve(undefined),
    onSendActivities: () => undefined,
  };
}

const KEY = 'emulator/conversations/conv-1/cowork';

describe('the open form, in the conversation state', () => {
  it("reads a form an earlier version kept on botbuilder-dialogs' stack, pending answer included, and moves it", async () => {
    const storage = new MemoryStorage();
    await storage.write({
      [KEY]: { dialogState: { dialogStack: [{ id: 'coworkForm', state: { sessionKey: 'session-1', pending: { answers: { reason: 'Education' } } } }] } },
    });
    const state = new ConcurrentConversationState(storage, 'cowork');
    const conversations = new Conversations({
      conversationState: state,
      sessions: { get: () => Promise.resolve(undefined), getMany: () => Promise.resolve([]) },
      forms: () => undefined,
      log: silentLog,
    });
    const first = turn();
    expect(await conversations.formState.get(first)).toEqual({ sessionKey: 'session-1', pending: { answers: { reason: 'Education' } } });
    await conversations.save(first);
    const stored = (await storage.read([KEY]))[KEY] as Record<string, unknown>;
    expect(stored.coworkForm).toEqual({ sessionKey: 'session-1', pending: { answers: { reason: 'Education' } } });
    expect(stored.dialogState).toBeUndefined();
    // Ending it ends it for good: nothing is read back from the old place.
    const second = turn();
    await conversations.endForm(second, 'session-1');
    expect(await conversations.formState.get(turn())).toBeUndefined();
  });

  it('leaves a stack whose top is not the form alone', async () => {
    const storage = new MemoryStorage();
    await storage.write({ [KEY]: { dialogState: { dialogStack: [{ id: 'someOtherDialog', state: { sessionKey: 'x' } }] } } });
    const conversations = new Conversations({
      conversationState: new ConcurrentConversationState(storage, 'cowork'),
      sessions: { get: () => Promise.resolve(undefined), getMany: () => Promise.resolve([]) },
      forms: () => undefined,
      log: silentLog,
    });
    expect(await conversations.formState.get(turn())).toBeUndefined();
  });
});
