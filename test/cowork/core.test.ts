/**
 * Unit tests of the core's building blocks with in-memory storage (the same MemoryStorage the
 * bot uses by default). End-to-end behaviour is tested in test/e2e.
 */
import { MemoryStorage } from 'botbuilder';
import { InMemoryDeadlineQueue } from '../../cowork/stores/deadlines';
import { KeyedSerialQueue } from '../../util/serialQueue';
import { newSession, type CoworkSession } from '../../cowork/domain/session';
import { SessionRepository } from '../../cowork/stores/sessionRepository';
import { idSuffix, normalizeId } from '../../util/salesforceId';
import { mintStartToken, verifyStartToken } from '../../bot/turn/startToken';

function session(key: string, caseId: string): CoworkSession {
  return newSession(
    {
      key,
      caseId,
      caseNumber: '00001026',
      chatSession: null,
      formId: 'use-of-funds',
      formToken: `token-${key}`,
      conversationId: `conv-${key}`,
      conversationReference: {},
      userId: 'u',
      choices: {},
    },
    Date.now(),
    60_000,
  );
}

const CASE = normalizeId('500D000000BbcdE') as string;

describe('SessionRepository', () => {
  it('lets exactly one of many concurrent claims of a session win', async () => {
    const repository = new SessionRepository(new MemoryStorage());
    await repository.create(session('s1', CASE));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        repository.update('s1', (s) => (s.state === 'form_sent' ? { ...s, state: 'answered', answeredByEventId: `e${i}` } : undefined)),
      ),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    const stored = await repository.get('s1');
    expect(stored?.state).toBe('answered');
    expect(results.find((r) => r.changed)?.session?.answeredByEventId).toBe(stored?.answeredByEventId);
  });

  it('indexes pending sessions under their Case, and drops them from the index when they finish', async () => {
    const repository = new SessionRepository(new MemoryStorage());
    await Promise.all(['a', 'b', 'c'].map((k) => repository.create(session(k, CASE))));
    expect((await repository.pendingForCase(CASE)).map((s) => s.key).sort()).toEqual(['a', 'b', 'c']);
    await repository.update('b', (s) => ({ ...s, state: 'done' }));
    expect((await repository.pendingForCase(CASE)).map((s) => s.key).sort()).toEqual(['a', 'c']);
    expect(await repository.pendingForCase(normalizeId('500D000000Bbcdf') as string)).toEqual([]);
  });
});

describe('KeyedSerialQueue', () => {
  it('runs the tasks of one key one after another, and of different keys side by side', async () => {
    const queue = new KeyedSerialQueue();
    const log: string[] = [];
    let releaseA: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (releaseA = resolve));
    const a1 = queue.run('a', async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
    });
    const a2 = queue.run('a', async () => {
      log.push('a2');
    });
    const b1 = queue.run('b', async () => {
      log.push('b1');
    });
    await b1;
    expect(log).toEqual(['a1 start', 'b1']);
    releaseA();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    await queue.drain();
    expect(queue.activeKeys).toBe(0);
  });

  it('keeps going after a failed task', async () => {
    const queue = new KeyedSerialQueue();
    await expect(queue.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(queue.run('k', async () => 42)).resolves.toBe(42);
  });
});

describe('InMemoryDeadlineQueue', () => {
  it('hands out due deadlines earliest first and keeps the rest', async () => {
    const queue = new InMemoryDeadlineQueue();
    const times = [50, 10, 40, 20, 30, 60];
    for (const at of times) await queue.schedule(at, { sessionKey: `s${at}`, kind: 'expire' });
    expect((await queue.takeDue(35)).map((d) => d.sessionKey)).toEqual(['s10', 's20', 's30']);
    expect(queue.size).toBe(3);
    expect((await queue.takeDue(100)).map((d) => d.sessionKey)).toEqual(['s40', 's50', 's60']);
  });
});

describe('Salesforce ids', () => {
  it('computes the documented 18-character suffix and accepts any case of an 18-character id', () => {
    expect(idSuffix('001A0000006Vm9r')).toBe('IAC');
    expect(normalizeId('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(normalizeId('001a0000006vm9riac')).toBe('001A0000006Vm9rIAC');
  });

  it.each(["500' OR Id != '", '500D000000BbcdEXXX', '500D000000Bbcd', '500D000000BbcdE0A9', ''])('refuses %j', (bad) => {
    expect(normalizeId(bad)).toBeUndefined();
  });
});

describe('start tokens', () => {
  const secret = 'x'.repeat(40);
  const caseId = CASE;
  const ctx = (userId: string) => ({ userId, conversationId: 'c1', maxLifetimeSeconds: 900 });
  const claims = (userId: string, c = caseId) => ({ caseId: c, userId, conversationId: 'c1' });
  it('accepts a token for this user and Case, and refuses every other', () => {
    expect(verifyStartToken(secret, mintStartToken(secret, claims('u1')), ctx('u1'))).toEqual({
      ok: true,
      claims: { caseId, userId: 'u1', conversationId: 'c1' },
    });
    expect(verifyStartToken(secret, mintStartToken(secret, claims('u1')), ctx('u2'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('someone else'),
    });
    expect(verifyStartToken('y'.repeat(40), mintStartToken(secret, claims('u1')), ctx('u1'))).toMatchObject({ ok: false });
    expect(verifyStartToken(secret, mintStartToken(secret, claims('u1', '003000000000001')), ctx('u1'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('Case'),
    });
    expect(verifyStartToken(secret, 42, ctx('u1'))).toMatchObject({ ok: false });
    expect(verifyStartToken(secret, 'a.b.c', ctx('u1'))).toMatchObject({ ok: false });
  });
});
