/**
 * The thank-you's effects on the chat with in-memory ports (the same MemoryStorage, handoff records and
 * conversation state the bot uses; the proactive turns a fake). End-to-end: test/e2e/handoffOnTable.test.ts.
 */
import { MemoryStorage } from 'botbuilder';
import { ProactiveEffects } from '../../bot/proactive/proactiveEffects';
import { HumanOwnership } from '../../bot/handoff/humanOwnership';
import { Conversations } from '../../bot/turn/conversations';
import { ConcurrentConversationState } from '../../bot/turn/concurrentConversationState';
import { HandoffRepository, newHandoffRecord } from '../../cowork/stores/handoff';
import { SessionRepository } from '../../cowork/stores/sessionRepository';
import { newSession } from '../../cowork/domain/session';
import { USE_OF_FUNDS_FORM } from '../../cowork/domain/forms/useOfFunds';
import { KeyedSerialQueue } from '../../util/serialQueue';
import { silentLog } from '../../util/log';

const session = newSession(
  {
    key: 'turnless',
    caseId: '500D000000BbcdEIAR',
    caseNumber: '00001026',
    chatSession: null,
    formId: USE_OF_FUNDS_FORM.id,
    formToken: 'token-turnless',
    conversationId: 'conv-turnless',
    conversationReference: { conversation: { id: 'conv-turnless' }, channelId: 'emulator' },
    userId: 'u',
    choices: {},
  },
  Date.now(),
  60_000,
);

describe('the thank-you when a person holds the chat', () => {
  it("tells the person the answer arrived even when the customer's turn cannot begin, and fails so it is tried again", async () => {
    const storage = new MemoryStorage();
    const handoffs = new HandoffRepository(storage);
    const at = new Date().toISOString();
    await handoffs.request(
      newHandoffRecord({
        conversationId: session.conversationId,
        conversationReference: session.conversationReference,
        userId: 'u',
        state: 'accepted',
        trigger: 'agent',
        session,
        at,
      }),
    );
    const conversationState = new ConcurrentConversationState(storage, 'cowork');
    const handoff = new HumanOwnership({ handoffs, agents: undefined, conversationState });
    let turnsBegun = 0;
    const effects = new ProactiveEffects({
      proactive: {
        run: async () => {
          throw new Error('the connector token was refused'); // before any logic runs
        },
      },
      queue: new KeyedSerialQueue(),
      conversations: new Conversations({ conversationState, sessions: new SessionRepository(storage), forms: () => USE_OF_FUNDS_FORM, log: silentLog }),
      forms: () => USE_OF_FUNDS_FORM,
      publicUrl: 'http://127.0.0.1',
      log: silentLog,
      handoff,
    });
    await expect(effects.answered(session, { useOfFunds: 'Education' }, async () => ++turnsBegun > 0)).rejects.toThrow('token was refused');
    expect(turnsBegun).toBe(0);
    const notes = (await handoffs.get(session.conversationId))?.notes ?? [];
    expect(notes.some((note) => note.includes(`The answer arrived for Case ${session.caseNumber}`))).toBe(true);
  });
});
