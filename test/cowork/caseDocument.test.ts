/**
 * The Case's one document (routing index, links, the answer's age) and the session writes that
 * start from the caller's read: fewer storage operations, the same guarantees.
 */
import { MemoryStorage } from 'botbuilder';
import { CountingStorage, countsBetween } from '../../bench/countingStorage';
import { CaseDocuments } from '../../cowork/stores/caseDocument';
import { CaseLinks } from '../../cowork/stores/links';
import { newSession, type CoworkSession } from '../../cowork/domain/session';
import { SessionRepository } from '../../cowork/stores/sessionRepository';
import { normalizeId } from '../../util/salesforceId';

const CASE = normalizeId('500D000000BbcdE') as string;

function session(key: string, conversationId = `conv-${key}`): CoworkSession {
  return newSession(
    {
      key,
      caseId: CASE,
      caseNumber: '00001026',
      chatSession: null,
      formId: 'use-of-funds',
      formToken: `token-${key}`,
      conversationId,
      conversationReference: { conversation: { id: conversationId } },
      userId: 'u',
      choices: {},
    },
    Date.now(),
    60_000,
  );
}

function setup(): { storage: CountingStorage; memory: Record<string, string>; repository: SessionRepository; links: CaseLinks } {
  const memory: Record<string, string> = {};
  const storage = new CountingStorage(new MemoryStorage(memory));
  const cases = new CaseDocuments(storage);
  return { storage, memory, repository: new SessionRepository(storage, 'cowork', cases), links: new CaseLinks(cases) };
}

describe("the Case's document", () => {
  it('lists a new session and links its conversation in one write, and names the Case’s other sessions as it found them', async () => {
    const { storage, repository, links } = setup();
    expect(await repository.create(session('a'))).toEqual([]);
    const before = structuredClone(storage.counts);
    // Another instance (it has not seen the document): one read and one write (the session's own write aside).
    const otherInstance = new SessionRepository(storage, 'cowork', new CaseDocuments(storage));
    expect(await otherInstance.create(session('b'))).toEqual(['a']);
    expect(countsBetween(before, storage.counts).byKind).toMatchObject({ 'read cowork/case/*': 1, 'write cowork/case/*': 1 });
    // This instance read the document back after its first write (MemoryStorage has no create-if-absent): it
    // starts from that read, and the eTag it was read with refuses it (stale: the other instance wrote since).
    expect(await repository.create(session('c'))).toEqual(['a', 'b']);
    expect((await links.get(CASE)).map((l) => l.conversationId)).toEqual(['conv-c', 'conv-b', 'conv-a']);
    expect((await repository.pendingForCase(CASE)).map((s) => s.key).sort()).toEqual(['a', 'b', 'c']);
  });

  it('keeps every session and link when instances create one Case’s document at the same moment (no create-if-absent)', async () => {
    const { repository, links } = setup();
    const keys = ['a', 'b', 'c', 'd'];
    await Promise.all(keys.map((k) => repository.create(session(k))));
    expect((await repository.pendingForCase(CASE)).map((s) => s.key).sort()).toEqual(keys);
    expect((await links.get(CASE)).map((l) => l.conversationId).sort()).toEqual(keys.map((k) => `conv-${k}`));
  });

  it('reads a document of the earlier layout ({ keys } only) and keeps its sessions', async () => {
    const { storage, repository } = setup();
    await repository.create(session('old'));
    await storage.write({ [repository.caseStorageKey(CASE)]: { keys: ['old'], eTag: '*' } });
    await repository.create(session('new'));
    expect((await repository.pendingForCase(CASE)).map((s) => s.key).sort()).toEqual(['new', 'old']);
  });

  it('unlists an answered session in the write that records when its answer was given; an older answer is refused and unlisted too', async () => {
    const { storage, memory, repository } = setup();
    await repository.create(session('a'));
    await repository.create(session('b'));
    const before = structuredClone(storage.counts);
    expect(await repository.claimCaseAnswer(CASE, 'use-of-funds', 2_000, 'b')).toBe(true);
    expect(countsBetween(before, storage.counts).byKind).toEqual({ 'read cowork/case/*': 1, 'write cowork/case/*': 1 });
    expect(await repository.claimCaseAnswer(CASE, 'use-of-funds', 2_000, 'b')).toBe(true); // the same claim again (a takeover)
    expect(await repository.claimCaseAnswer(CASE, 'use-of-funds', 1_000, 'a')).toBe(false);
    expect(await repository.claimCaseAnswer(CASE, 'another-form', 1_000, 'a')).toBe(true);
    const stored = JSON.parse(memory[repository.caseStorageKey(CASE)] ?? '{}') as { keys: string[]; answers: Record<string, unknown> };
    expect(stored.keys).toEqual([]);
    expect(stored.answers).toEqual({ 'use-of-funds': { createdAt: 2_000, sessionKey: 'b' }, 'another-form': { createdAt: 1_000, sessionKey: 'a' } });
  });

  it('carries over what the earlier layout kept apart: the links, the requests taken, the answer’s age', async () => {
    const storage = new MemoryStorage();
    const link = { conversationId: 'conv-old', conversationReference: { conversation: { id: 'conv-old' } }, userId: 'u', linkedAt: '2026-11-30T10:00:00.000Z' };
    // A Case worked before the upgrade: its index, its links document and its answer's age, each a key of its own.
    await storage.write({
      [`cowork/case/${CASE}`]: { keys: [], eTag: '*' },
      [`cowork/links/${CASE}`]: { links: [link], requests: ['req-taken'], eTag: '*' },
      [`cowork/caseAnswer/${CASE}/use-of-funds`]: { createdAt: 2_000, sessionKey: 'newer', eTag: '*' },
    });
    const cases = new CaseDocuments(storage, 'cowork', ['use-of-funds']);
    const repository = new SessionRepository(storage, 'cowork', cases);
    const links = new CaseLinks(cases);
    expect(await links.claimRequest(CASE, 'req-taken')).toEqual({ claimed: false, links: [link] });
    expect(await links.claimRequest(CASE, 'req-new')).toEqual({ claimed: true, links: [link] });
    // An older answer still in flight across the upgrade does not overwrite the newer one.
    expect(await repository.claimCaseAnswer(CASE, 'use-of-funds', 1_000, 'older')).toBe(false);
    await repository.create(session('a'));
    expect((await links.get(CASE)).map((l) => l.conversationId)).toEqual(['conv-a', 'conv-old']);
    expect(await repository.claimCaseAnswer(CASE, 'use-of-funds', 1_500, 'a')).toBe(false);
    expect(await repository.claimCaseAnswer(CASE, 'use-of-funds', 3_000, 'a')).toBe(true);
  });

  it('finds a link the earlier layout made by cowork.link alone (no session, so no Case document) for an agent’s request', async () => {
    const storage = new MemoryStorage();
    const link = {
      conversationId: 'conv-linked',
      conversationReference: { conversation: { id: 'conv-linked' } },
      userId: 'u',
      linkedAt: '2026-11-30T10:00:00.000Z',
    };
    await storage.write({ [`cowork/links/${CASE}`]: { links: [link], requests: [], eTag: '*' } });
    const links = new CaseLinks(new CaseDocuments(storage));
    expect(await links.get(CASE)).toEqual([link]);
    expect(await links.claimRequest(CASE, 'req-1')).toEqual({ claimed: true, links: [link] });
    expect(await links.claimRequest(CASE, 'req-1')).toEqual({ claimed: false, links: [link] });
  });

  it('folds a document of the earlier layout once: a change that finds nothing to do still stores it in this layout', async () => {
    const memory = new MemoryStorage();
    const storage = new CountingStorage(memory);
    await memory.write({ [`cowork/case/${CASE}`]: { keys: [], eTag: '*' }, [`cowork/links/${CASE}`]: { links: [], requests: ['req-taken'], eTag: '*' } });
    const links = new CaseLinks(new CaseDocuments(storage));
    expect((await links.claimRequest(CASE, 'req-taken')).claimed).toBe(false); // nothing to change
    const before = structuredClone(storage.counts);
    await links.get(CASE);
    await links.get(CASE);
    expect(countsBetween(before, storage.counts).byKind).toEqual({ 'read cowork/case/*': 2 });
  });

  it('a first write another instance changed before the read-back is kept, and a newer link stays first', async () => {
    const memory = new MemoryStorage();
    const other = new CaseLinks(new CaseDocuments(memory));
    let interfered = false;
    // Between our first write of the Case's document and its read-back, another instance links a newer chat.
    const storage = {
      read: (keys: string[]) => memory.read(keys),
      delete: (keys: string[]) => memory.delete(keys),
      write: async (changes: Record<string, { eTag?: string }>) => {
        await memory.write(changes);
        if (!interfered && Object.keys(changes).some((k) => k.startsWith('cowork/case/'))) {
          interfered = true;
          await other.link(CASE, { conversationId: 'conv-newer', conversationReference: { conversation: { id: 'conv-newer' } }, userId: 'u' });
        }
      },
    };
    const repository = new SessionRepository(storage);
    await repository.create(session('a'));
    expect((await other.get(CASE)).map((l) => l.conversationId)).toEqual(['conv-newer', 'conv-a']);
    expect((await repository.pendingForCase(CASE)).map((s) => s.key)).toEqual(['a']);
  });

  it('an agent request is claimed once, in the same document, and only for a linked Case', async () => {
    const { repository, links } = setup();
    expect(await links.claimRequest(CASE, 'req-1')).toEqual({ claimed: false, links: [] });
    await repository.create(session('a'));
    const results = await Promise.all([1, 2, 3].map(() => links.claimRequest(CASE, 'req-2')));
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    expect(results.every((r) => r.links[0]?.conversationId === 'conv-a')).toBe(true);
    // Claiming changed neither the routing index nor the links.
    expect((await repository.pendingForCase(CASE)).map((s) => s.key)).toEqual(['a']);
  });
});

describe('a session write that starts from the caller’s read', () => {
  it('does not read the session again', async () => {
    const { storage, repository } = setup();
    await repository.create(session('s'));
    const read = await repository.get('s');
    const before = structuredClone(storage.counts);
    const result = await repository.update('s', (s) => ({ ...s, state: 'submitted' }), { from: read });
    expect(result.changed).toBe(true);
    expect(countsBetween(before, storage.counts).byKind).toEqual({ 'write cowork/session/*': 1 });
  });

  it('reads again and applies the change to what is stored when the session changed since that read', async () => {
    const { repository } = setup();
    await repository.create(session('s'));
    const read = await repository.get('s');
    await repository.update('s', (s) => ({ ...s, state: 'expired', supersededBy: 'newer' }));
    const late = await repository.update('s', (s) => (s.state === 'form_sent' ? { ...s, state: 'submitted' } : undefined), { from: read });
    expect(late.changed).toBe(false);
    expect((await repository.get('s'))?.state).toBe('expired');
  });

  it('of many claims from the same stale read, exactly one wins', async () => {
    const { repository } = setup();
    await repository.create(session('s'));
    const read = await repository.get('s');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        repository.update('s', (s) => (s.state === 'form_sent' ? { ...s, state: 'answered', answeredByEventId: `e${i}` } : undefined), { from: read }),
      ),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect((await repository.get('s'))?.answeredByEventId).toBe(results.find((r) => r.changed)?.session?.answeredByEventId);
  });
});

describe("a change of a Case's document starts from the document this instance last read or wrote", () => {
  const unlisting = (key: string) => (doc: { keys: string[] }) =>
    doc.keys.includes(key) ? { next: { ...doc, keys: doc.keys.filter((k) => k !== key) } as never, result: 'unlisted' } : { result: 'not listed' };
  const listing = (key: string) => (doc: { keys: string[] }) => ({ next: { ...doc, keys: [...doc.keys, key] } as never, result: 'listed' });

  it("reads nothing when this instance just read it (the event's routing, then the claim)", async () => {
    const storage = new CountingStorage(new MemoryStorage());
    const cases = new CaseDocuments(storage);
    await cases.update(CASE, listing('s1'));
    await cases.read(CASE);
    const before = { ...storage.counts, byKind: { ...storage.counts.byKind } };
    expect(await cases.update(CASE, unlisting('s1'))).toBe('unlisted');
    expect(countsBetween(before, storage.counts).byKind).toEqual({ 'write cowork/case/*': 1 });
  });

  /** Two instances on one storage; `one` listed s1 and read the document, then `other` listed s2 (`one` does not know). */
  async function listedSinceOnesRead() {
    const storage = new MemoryStorage();
    const one = new CaseDocuments(storage);
    const other = new CaseDocuments(storage);
    await one.update(CASE, listing('s1'));
    await one.read(CASE);
    await other.update(CASE, listing('s2'));
    return { storage, one };
  }

  it('loses nothing another instance wrote since: the stale eTag conflicts and the change is made on the stored document', async () => {
    const { storage, one } = await listedSinceOnesRead();
    await one.update(CASE, listing('s3'));
    expect((await new CaseDocuments(storage).read(CASE)).keys).toEqual(['s1', 's2', 's3']);
  });

  it('never decides to change nothing on what it remembers: the stored document may say otherwise', async () => {
    // Another instance lists s2 after this one's read: this one's remembered document does not have it.
    const { storage, one } = await listedSinceOnesRead();
    expect(await one.update(CASE, unlisting('s2'))).toBe('unlisted');
    expect((await new CaseDocuments(storage).read(CASE)).keys).toEqual(['s1']);
  });
});
