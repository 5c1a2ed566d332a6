/**
 * What the stores read back from storage is checked, not cast: a session, a handoff record or a
 * logged-in agent that is not of its shape (a hand edit, a bug, another program) is refused with an
 * error naming the key and the field, and nothing is written over it.
 */
import { MemoryStorage } from 'botbuilder';
import { newSession, type CoworkSession } from '../../cowork/domain/session';
import { SessionRepository } from '../../cowork/stores/sessionRepository';
import { HandoffRepository, newHandoffRecord, type HandoffRecord } from '../../cowork/stores/handoff';
import { AgentDirectory, type AgentRecord } from '../../bot/handoff/agentDirectory';
import { StoredDocumentError } from '../../util/storedDocument';

function session(key: string): CoworkSession {
  return newSession(
    {
      key,
      caseId: '500D000000BbcdEIAR',
      caseNumber: '00001026',
      chatSession: { objectType: 'MessagingSession', id: '0MwD0000000abcdKAA' },
      formId: 'use-of-funds',
      formToken: `token-${key}`,
      conversationId: `conv-${key}`,
      conversationReference: { conversation: { id: `conv-${key}` } },
      userId: 'u',
      choices: { purpose: [{ value: 'rent', label: 'Rent' }] },
    },
    Date.now(),
    60_000,
  );
}

/** Writes `document` at `key` as another program would (no eTag check). */
async function plant(storage: MemoryStorage, key: string, document: Record<string, unknown>): Promise<void> {
  await storage.write({ [key]: { ...document, eTag: '*' } });
}

async function refusal(read: Promise<unknown>): Promise<StoredDocumentError> {
  try {
    await read;
  } catch (error) {
    if (error instanceof StoredDocumentError) return error;
    throw error;
  }
  throw new Error('expected a StoredDocumentError');
}

describe('a stored session', () => {
  it('reads back as written, the optional fields and the fields of a newer version kept', async () => {
    const storage = new MemoryStorage();
    const repository = new SessionRepository(storage);
    const written: CoworkSession = {
      ...session('s1'),
      owner: { kind: 'human', since: '2026-12-03T10:00:00.000Z', agentId: 'agent-1' },
      thankYouAttempts: 2,
      answerGivenAt: 1_764_000_000_000,
    };
    await plant(storage, 'cowork/session/s1', { ...written, addedByANewerVersion: { x: 1 } });
    expect(await repository.get('s1')).toEqual({ ...written, addedByANewerVersion: { x: 1 } });
  });

  it.each([
    ['an unknown state', { state: 'lost' }, 'state', 'is "lost", not one of form_sent, submitted'],
    ['a choice without its label', { choices: { purpose: [{ value: 'rent' }] } }, 'choices.purpose[0].label', 'is missing, not a string'],
    ['an answer that is not text', { answers: { amount: 12 } }, 'answers.amount', 'is a number, not a string'],
    ['no owner', { owner: undefined }, 'owner', 'is missing, not an object'],
  ])('with %s is refused, naming the key and the field, and is not written over', async (_what, change, field, problem) => {
    const storage = new MemoryStorage();
    const repository = new SessionRepository(storage);
    const bad = { ...session('s1'), ...change };
    await plant(storage, 'cowork/session/s1', bad);

    const error = await refusal(repository.get('s1'));
    expect(error.code).toBe('ERR_COWORK_STORED_DOCUMENT');
    expect(error.key).toBe('cowork/session/s1');
    expect(error.field).toBe(field);
    expect(error.message).toContain(`stored document cowork/session/s1: ${field} ${problem}`);

    await refusal(repository.update('s1', (current) => ({ ...current, state: 'done' })));
    const { eTag: _eTag, ...stored } = (await storage.read(['cowork/session/s1']))['cowork/session/s1'] ?? {};
    expect(stored).toEqual(JSON.parse(JSON.stringify(bad)));
  });
});

describe('a stored handoff record', () => {
  function record(): HandoffRecord {
    return {
      ...newHandoffRecord({
        conversationId: 'c1',
        conversationReference: { conversation: { id: 'c1' } },
        userId: 'u',
        state: 'accepted',
        trigger: 'agent',
        session: undefined,
        at: '2026-12-03T10:00:00.000Z',
      }),
      panel: {
        caseId: '500D000000BbcdEIAR',
        agent: 'salesforce:agent@example.com',
        outbox: [{ eventId: 'e1', text: 'Hello', sender: 'Agent' }],
        delivered: [],
        sending: null,
        transcript: [{ at: '2026-12-03T10:00:01.000Z', who: 'Customer', text: 'Hi' }],
      },
    };
  }

  it('reads back as written', async () => {
    const storage = new MemoryStorage();
    await plant(storage, 'cowork/handoff/c1', { ...record() });
    expect(await new HandoffRepository(storage).get('c1')).toEqual(record());
  });

  it.each([
    ['notes that are not a list', { ...record(), notes: 'hello' }, 'notes', 'is "hello", not an array'],
    [
      'an agent message without text',
      { ...record(), panel: { ...record().panel, outbox: [{ eventId: 'e1', text: 5, sender: 'A' }] } },
      'panel.outbox[0].text',
      'is a number, not a string',
    ],
    ['an unknown trigger', { ...record(), trigger: 'psychic' }, 'trigger', 'is "psychic", not one of typed, card, agent'],
  ])('with %s is refused, naming the key and the field', async (_what, bad, field, problem) => {
    const storage = new MemoryStorage();
    await plant(storage, 'cowork/handoff/c1', bad);
    const error = await refusal(new HandoffRepository(storage).get('c1'));
    expect(error.message).toBe(`stored document cowork/handoff/c1: ${field} ${problem}`);
    await refusal(new HandoffRepository(storage).addNote('c1', 'a note'));
  });
});

describe('a stored agent of the relay', () => {
  const agent: AgentRecord = {
    conversationId: 'a1',
    agentId: 'agent-1',
    conversationReference: { conversation: { id: 'a1' } },
    loggedInAt: '2026-12-03T10:00:00.000Z',
    customerConversationId: null,
  };
  const directory = (storage: MemoryStorage) => new AgentDirectory({ storage, proactive: { run: () => Promise.resolve() } });

  it('reads back as saved', async () => {
    const storage = new MemoryStorage();
    await directory(storage).save(agent);
    expect(await directory(storage).get('a1')).toEqual(agent);
  });

  it('is refused when malformed, naming the key and the field', async () => {
    const storage = new MemoryStorage();
    await plant(storage, 'cowork/agent/a1', { ...agent, customerConversationId: 42 });
    const error = await refusal(directory(storage).get('a1'));
    expect(error.message).toBe('stored document cowork/agent/a1: customerConversationId is a number, not a string or null');
  });
});
