/**
 * Sessions and their correlation index in key-value storage (botbuilder `Storage`).
 *
 * Keys:
 *   cowork/session/{sessionKey}  the session itself
 *   cowork/case/{caseId}         { keys: [...] }: the sessions of a Case still in the index (see keyList.ts)
 *   cowork/caseAnswer/{caseId}/{formId}   { createdAt, sessionKey }: when the answer now on the Case was given
 *
 * Routing an event is a point read (by session key, or by Case Id then the listed sessions):
 * no scan and no in-memory index, so any instance can route any event. Every change is a
 * read-modify-write guarded by the item's eTag, retried on conflict.
 */
import type { KeyValueStorage, StoreItem } from './ports';
import { updateWithETag } from '../util/eTagUpdate';
import { addKey, readKeyList, removeKey } from '../util/keyList';
import { isPending, type CoworkSession } from './session';

const MAX_CONFLICT_RETRIES = 20;

export interface StoredSession {
  session: CoworkSession;
  eTag: string | undefined;
}

export class SessionRepository {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix = 'cowork',
  ) {}

  sessionStorageKey(sessionKey: string): string {
    return `${this.prefix}/session/${sessionKey}`;
  }

  caseStorageKey(caseId: string): string {
    return `${this.prefix}/case/${caseId}`;
  }

  async get(sessionKey: string): Promise<CoworkSession | undefined> {
    const key = this.sessionStorageKey(sessionKey);
    const items = await this.storage.read([key]);
    return toSession(items[key]);
  }

  async getMany(sessionKeys: readonly string[]): Promise<CoworkSession[]> {
    if (sessionKeys.length === 0) return [];
    const keys = sessionKeys.map((k) => this.sessionStorageKey(k));
    const items = await this.storage.read(keys);
    return keys.map((k) => toSession(items[k])).filter((s): s is CoworkSession => s !== undefined);
  }

  /** Stores a new session and lists it under its Case for routing. */
  async create(session: CoworkSession): Promise<void> {
    await this.storage.write({ [this.sessionStorageKey(session.key)]: { ...session, eTag: '*' } });
    await addKey(this.storage, this.caseStorageKey(session.caseId), session.key);
  }

  /**
   * Applies `change` to the stored session with optimistic concurrency. `change` returns the
   * new session, or `undefined` to leave it as it is (e.g. the transition already happened).
   * Resolves with the session as stored and whether this call changed it: of several callers
   * racing on one transition, exactly one sees `changed: true`.
   */
  async update(
    sessionKey: string,
    change: (current: CoworkSession) => CoworkSession | undefined,
  ): Promise<{ session: CoworkSession | undefined; changed: boolean }> {
    const key = this.sessionStorageKey(sessionKey);
    return updateWithETag<{ session: CoworkSession | undefined; changed: boolean }>(
      this.storage,
      key,
      { maxAttempts: MAX_CONFLICT_RETRIES, what: `session ${sessionKey}` },
      (item) => {
        const current = toSession(item);
        if (!current) return { result: { session: undefined, changed: false } };
        const next = change(current);
        if (!next) return { result: { session: current, changed: false } };
        const updated: CoworkSession = { ...next, updatedAt: new Date().toISOString() };
        return {
          write: { ...updated },
          written: async () => {
            if (!isPending(updated.state) && isPending(current.state)) {
              await removeKey(this.storage, this.caseStorageKey(updated.caseId), updated.key);
            }
            return { session: updated, changed: true };
          },
        };
      },
    );
  }

  /**
   * Claims the Case for an answer given at `createdAt` (the event's CreatedDate, ms): resolves
   * false, changing nothing, when the answer already written for this Case and form was given
   * later. An older answer never overwrites a newer one.
   */
  async claimCaseAnswer(caseId: string, formId: string, createdAt: number, sessionKey: string): Promise<boolean> {
    const key = `${this.prefix}/caseAnswer/${caseId}/${formId}`;
    return updateWithETag<boolean>(this.storage, key, { maxAttempts: MAX_CONFLICT_RETRIES, what: `case answer ${caseId}` }, (item) => {
      const recorded = typeof item?.createdAt === 'number' ? item.createdAt : undefined;
      if (recorded !== undefined && recorded > createdAt) return { result: false };
      if (recorded === createdAt && item?.sessionKey === sessionKey) return { result: true };
      return { write: { createdAt, sessionKey }, written: () => true };
    });
  }

  /** Sessions of a Case other than `exceptKey` that still wait for their event (one read when there are none). */
  async otherPendingForCase(caseId: string, exceptKey: string): Promise<CoworkSession[]> {
    const keys = (await readKeyList(this.storage, this.caseStorageKey(caseId))).filter((k) => k !== exceptKey);
    return (await this.getMany(keys)).filter((s) => isPending(s.state));
  }

  /** Sessions of a Case that still wait for their event. */
  async pendingForCase(caseId: string): Promise<CoworkSession[]> {
    const sessions = await this.getMany(await readKeyList(this.storage, this.caseStorageKey(caseId)));
    return sessions.filter((s) => isPending(s.state));
  }
}

function toSession(item: StoreItem | undefined): CoworkSession | undefined {
  if (!item || typeof item !== 'object' || typeof item.key !== 'string') return undefined;
  const { eTag: _eTag, ...rest } = item;
  return rest as unknown as CoworkSession;
}
