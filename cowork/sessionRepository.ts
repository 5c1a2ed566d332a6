/**
 * Sessions and their correlation index in key-value storage (botbuilder `Storage`).
 *
 * Keys:
 *   cowork/session/{sessionKey}  the session itself
 *   cowork/case/{caseId}         { sessionKeys: [...] }: the sessions of a Case still in the index
 *
 * Routing an event is a point read (by session key, or by Case Id then the listed sessions):
 * no scan and no in-memory index, so any instance can route any event. Every change is a
 * read-modify-write guarded by the item's eTag, retried on conflict.
 */
import type { KeyValueStorage, StoreItem } from './ports';
import { isPending, type CoworkSession } from './session';

const MAX_CONFLICT_RETRIES = 20;

export interface StoredSession {
  session: CoworkSession;
  eTag: string | undefined;
}

interface CaseIndex extends StoreItem {
  sessionKeys: string[];
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
    await this.mutateIndex(session.caseId, (keys) => (keys.includes(session.key) ? undefined : [...keys, session.key]));
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
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const item = (await this.storage.read([key]))[key];
      const current = toSession(item);
      if (!current) return { session: undefined, changed: false };
      const next = change(current);
      if (!next) return { session: current, changed: false };
      const updated: CoworkSession = { ...next, updatedAt: new Date().toISOString() };
      try {
        await this.storage.write({ [key]: { ...updated, eTag: item?.eTag ?? '*' } });
        if (!isPending(updated.state) && isPending(current.state)) {
          await this.mutateIndex(updated.caseId, (keys) => (keys.includes(updated.key) ? keys.filter((k) => k !== updated.key) : undefined));
        }
        return { session: updated, changed: true };
      } catch (err) {
        if (!isETagConflict(err)) throw err;
      }
    }
    throw new Error(`session ${sessionKey}: gave up after ${MAX_CONFLICT_RETRIES} conflicting concurrent updates`);
  }

  /** Sessions of a Case that still wait for their event. */
  async pendingForCase(caseId: string): Promise<CoworkSession[]> {
    const key = this.caseStorageKey(caseId);
    const index = (await this.storage.read([key]))[key] as CaseIndex | undefined;
    const sessions = await this.getMany(index?.sessionKeys ?? []);
    return sessions.filter((s) => isPending(s.state));
  }

  private async mutateIndex(caseId: string, change: (keys: string[]) => string[] | undefined): Promise<void> {
    const key = this.caseStorageKey(caseId);
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const item = (await this.storage.read([key]))[key] as CaseIndex | undefined;
      const keys = item?.sessionKeys ?? [];
      const next = change(keys);
      if (!next) return;
      try {
        if (next.length === 0) {
          await this.storage.delete([key]);
          return;
        }
        await this.storage.write({ [key]: { sessionKeys: next, eTag: item?.eTag ?? '*' } });
        // A storage may accept an unconditional first write from two writers at once (last one
        // wins): read back and try again if our change did not survive.
        const after = (await this.storage.read([key]))[key] as CaseIndex | undefined;
        if (change(after?.sessionKeys ?? []) === undefined) return;
      } catch (err) {
        if (!isETagConflict(err)) throw err;
      }
    }
    throw new Error(`case index ${caseId}: gave up after ${MAX_CONFLICT_RETRIES} conflicting concurrent updates`);
  }
}

/** True for the optimistic-concurrency refusals of botbuilder's storages (memory, blobs, Cosmos DB). */
export function isETagConflict(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { statusCode?: number; code?: string };
  return /etag conflict/i.test(e.message) || e.statusCode === 412 || e.code === 'ConditionNotMet' || /precondition/i.test(e.message);
}

function toSession(item: StoreItem | undefined): CoworkSession | undefined {
  if (!item || typeof item !== 'object' || typeof item.key !== 'string') return undefined;
  const { eTag: _eTag, ...rest } = item;
  return rest as unknown as CoworkSession;
}
