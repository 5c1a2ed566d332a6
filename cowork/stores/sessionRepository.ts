/**
 * Sessions and their Case's document in key-value storage (botbuilder `Storage`).
 *
 * Keys:
 *   cowork/session/{sessionKey}  the session itself
 *   cowork/case/{caseId}         the Case's document (caseDocument.ts): its sessions still in the
 *                                routing index, its linked conversations, when its answer was given
 *
 * Routing an event is a point read (by session key, or by Case Id then the listed sessions):
 * no scan and no in-memory index, so any instance can route any event. Every change is a
 * read-modify-write guarded by the item's eTag, retried on conflict.
 */
import type { KeyValueStorage, StoreItem } from '../ports';
import { updateWithETag } from '../../util/eTagUpdate';
import { CaseDocuments } from './caseDocument';
import { hasLink, withLinkFirst } from './links';
import { isPending, type CoworkSession } from '../domain/session';
import { decodeSession } from './sessionDocument';
import { RefusedDocuments } from '../../util/storedDocument';
import { silentLog } from '../../util/log';

const MAX_CONFLICT_RETRIES = 20;

export class SessionRepository {
  private readonly cases: CaseDocuments;
  /**
   * The eTag each session object this repository read was stored with: a change of a session the
   * caller has just read starts from it (`update`'s `from`) instead of reading it again. Weak: it
   * lives as long as the caller keeps the session.
   */
  private readonly eTags = new WeakMap<CoworkSession, string>();

  /**
   * `cases`: the Case documents over the same storage; the composition root gives this repository and
   * CaseLinks one instance, so both read and write a Case's document the same way (its legacy forms).
   */
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix = 'cowork',
    cases?: CaseDocuments,
    /** Where a batch read tells of a session it refused and left out (the composition root gives the bot's log). */
    private readonly refused = new RefusedDocuments(silentLog),
  ) {
    this.cases = cases ?? new CaseDocuments(storage, prefix);
  }

  sessionStorageKey(sessionKey: string): string {
    return `${this.prefix}/session/${sessionKey}`;
  }

  caseStorageKey(caseId: string): string {
    return this.cases.storageKey(caseId);
  }

  async get(sessionKey: string): Promise<CoworkSession | undefined> {
    const key = this.sessionStorageKey(sessionKey);
    const items = await this.storage.read([key]);
    return this.toSession(key, items[key]);
  }

  async getMany(sessionKeys: readonly string[]): Promise<CoworkSession[]> {
    if (sessionKeys.length === 0) return [];
    const keys = sessionKeys.map((k) => this.sessionStorageKey(k));
    const items = await this.storage.read(keys);
    // One refused session costs only itself: the sweep, the Case's other sessions and a conversation's go on.
    return this.refused.each(keys, (k) => this.toSession(k, items[k]));
  }

  /**
   * Stores a new session, lists it under its Case for routing and links its conversation to the
   * Case (newest first), both in one write of the Case's document. Resolves the keys of the Case's
   * other listed sessions as that write found them (the forms a new one may supersede).
   */
  async create(session: CoworkSession): Promise<string[]> {
    await this.storage.write({ [this.sessionStorageKey(session.key)]: { ...session, eTag: '*' } });
    const link = {
      conversationId: session.conversationId,
      conversationReference: session.conversationReference,
      userId: session.userId,
      linkedAt: session.createdAt,
    };
    return this.cases.update(session.caseId, (doc) => {
      const others = doc.keys.filter((k) => k !== session.key);
      const links = withLinkFirst(doc.links, link);
      if (doc.keys.includes(session.key) && !links) return { result: others };
      return {
        next: { ...doc, keys: doc.keys.includes(session.key) ? doc.keys : [...doc.keys, session.key], links: links ?? doc.links },
        result: others,
        applied: (back) => back.keys.includes(session.key) && hasLink(back, link),
      };
    });
  }

  /**
   * Applies `change` to the stored session with optimistic concurrency. `change` returns the
   * new session, or `undefined` to leave it as it is (e.g. the transition already happened).
   * Resolves with the session as stored and whether this call changed it: of several callers
   * racing on one transition, exactly one sees `changed: true`. `from`: the session as the
   * caller has just read it from this repository, to start from instead of reading it again.
   *
   * A session leaving the pending states is unlisted from its Case, except when it becomes
   * `answered`: the effects unlist it in the write that records the Case's answer (`claimCaseAnswer`).
   */
  async update(
    sessionKey: string,
    change: (current: CoworkSession) => CoworkSession | undefined,
    { from }: { from?: CoworkSession | undefined } = {},
  ): Promise<{ session: CoworkSession | undefined; changed: boolean }> {
    const key = this.sessionStorageKey(sessionKey);
    const eTag = from?.key === sessionKey ? this.eTags.get(from) : undefined;
    return updateWithETag<{ session: CoworkSession | undefined; changed: boolean }>(
      this.storage,
      key,
      { maxAttempts: MAX_CONFLICT_RETRIES, what: `session ${sessionKey}`, ...(from && eTag ? { first: { ...from, eTag } } : {}) },
      (item) => {
        const current = this.toSession(key, item);
        if (!current) return { result: { session: undefined, changed: false } };
        const next = change(current);
        if (!next) return { result: { session: current, changed: false } };
        const updated: CoworkSession = { ...next, updatedAt: new Date().toISOString() };
        return {
          write: { ...updated },
          written: async ({ eTag: written }) => {
            // The next change of this session object starts from the write's eTag, without a read.
            if (written !== undefined) this.eTags.set(updated, written);
            if (!isPending(updated.state) && isPending(current.state) && updated.state !== 'answered') await this.unlist(updated.caseId, updated.key);
            return { session: updated, changed: true };
          },
        };
      },
    );
  }

  /**
   * Claims the Case for an answer given at `createdAt` (the event's CreatedDate, ms): resolves
   * false, changing nothing on the Case, when the answer already written for this Case and form was
   * given later. An older answer never overwrites a newer one. Either way the session leaves the
   * Case's routing index (it is answered), in the same write.
   */
  async claimCaseAnswer(caseId: string, formId: string, createdAt: number, sessionKey: string): Promise<boolean> {
    return this.cases.update(caseId, (doc) => {
      const keys = doc.keys.filter((k) => k !== sessionKey);
      const recorded = doc.answers[formId];
      const unlisted = keys.length === doc.keys.length ? undefined : { ...doc, keys };
      if (recorded !== undefined && recorded.createdAt > createdAt) return { next: unlisted, result: false };
      if (recorded?.createdAt === createdAt && recorded.sessionKey === sessionKey) return { next: unlisted, result: true };
      return {
        next: { ...doc, keys, answers: { ...doc.answers, [formId]: { createdAt, sessionKey } } },
        result: true,
        applied: (back) => (back.answers[formId]?.createdAt ?? -Infinity) >= createdAt,
      };
    });
  }

  /** Sessions of a Case that still wait for their event. */
  async pendingForCase(caseId: string): Promise<CoworkSession[]> {
    return (await this.getMany((await this.cases.read(caseId)).keys)).filter((s) => isPending(s.state));
  }

  private unlist(caseId: string, sessionKey: string): Promise<void> {
    return this.cases.update(caseId, (doc) =>
      doc.keys.includes(sessionKey) ? { next: { ...doc, keys: doc.keys.filter((k) => k !== sessionKey) }, result: undefined } : { result: undefined },
    );
  }

  /** The session stored at `storageKey`, its shape checked (a malformed one is a StoredDocumentError). */
  private toSession(storageKey: string, item: StoreItem | undefined): CoworkSession | undefined {
    if (!item) return undefined;
    const { eTag, ...rest } = item;
    const session = decodeSession(storageKey, rest);
    if (typeof eTag === 'string' && eTag !== '*') this.eTags.set(session, eTag);
    return session;
  }
}
