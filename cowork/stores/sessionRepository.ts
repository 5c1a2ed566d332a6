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
 *
 * On a storage that keeps a session beside its Case's document (STORAGE=table, a key naming its Case:
 * `storage/keyLayout.ts`, `TogetherStorage`), the steps that change both change them in one transaction,
 * all or none: the start (the session created, the document listing it and linking its conversation) and
 * the claim (the session `answered` under this instance's lease, the document recording the answer's age
 * and unlisting it); an event's routing reads the document and its sessions by one query. A refused
 * transaction wrote nothing: both are read again (one query) and the step decided afresh. Sessions of
 * earlier releases (keys without their Case) and other storages take the separate writes.
 */
import type { KeyValueStorage, StoreItem } from '../ports';
import { ETagGaveUpError, isETagConflict, jitteredBackoff, updateWithETag } from '../../util/eTagUpdate';
import { keepsTogether, type KeyWrite, type TogetherStorage } from '../../util/storage';
import { CaseDocuments, type CaseChange, type CaseDocument } from './caseDocument';
import { hasLink, withLinkFirst } from './links';
import { answerGivenAt, isPending, type CoworkSession } from '../domain/session';
import { decodeSession } from './sessionDocument';
import { RefusedDocuments } from '../../util/storedDocument';
import { silentLog } from '../../util/log';

const MAX_CONFLICT_RETRIES = 20;
/** A transaction of a session and its Case's document meets the Case's other sessions' writes too: as the document's own retries. */
const MAX_TOGETHER_ATTEMPTS = 50;

/** A claim (`claim`): the session as stored and whether this call changed it; `caseClaimed`: the Case's answer decided in the same write. */
export interface Claim {
  session: CoworkSession | undefined;
  changed: boolean;
  /** Set when the claim also recorded the answer on the Case's document (one transaction): `claimCaseAnswer`'s result. */
  caseClaimed?: boolean;
}

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
    const link = {
      conversationId: session.conversationId,
      conversationReference: session.conversationReference,
      userId: session.userId,
      linkedAt: session.createdAt,
    };
    const change = (doc: CaseDocument): CaseChange<string[]> => {
      // Keys are listed in the order they were started: once this one is listed (an earlier attempt's write
      // applied), the others it may supersede are those listed before it, never one started after it.
      const at = doc.keys.indexOf(session.key);
      const others = (at >= 0 ? doc.keys.slice(0, at) : doc.keys).filter((k) => k !== session.key);
      const links = withLinkFirst(doc.links, link);
      if (doc.keys.includes(session.key) && !links) return { result: others };
      return {
        next: { ...doc, keys: doc.keys.includes(session.key) ? doc.keys : [...doc.keys, session.key], links: links ?? doc.links },
        result: others,
        applied: (back) => back.keys.includes(session.key) && hasLink(back, link),
      };
    };
    const together = this.together(session.key, session.caseId);
    if (together) return this.createTogether(together, session, change);
    await this.storage.write({ [this.sessionStorageKey(session.key)]: { ...session, eTag: '*' } });
    return this.cases.update(session.caseId, change);
  }

  /**
   * The start in one transaction: the session created (create-only: its key is new) with the Case's
   * document listing it. The first attempt starts from the document this instance last had, or from none
   * (a new Case's, the usual: both create-only, nothing read); a refusal (the document is there, or
   * changed since) wrote nothing, and the next attempt starts from the document read.
   */
  private async createTogether(storage: TogetherStorage, session: CoworkSession, change: (doc: CaseDocument) => CaseChange<string[]>): Promise<string[]> {
    const sessionKey = this.sessionStorageKey(session.key);
    const caseKey = this.caseStorageKey(session.caseId);
    for (let attempt = 0; attempt < MAX_TOGETHER_ATTEMPTS; attempt++) {
      let item: StoreItem | undefined = this.cases.recentItem(session.caseId);
      if (attempt > 0) {
        // Both by one query: a refusal may be an applied transaction whose answer was lost (the store could not
        // tell it its own once another write changed the document). The session's key is new and only this call
        // creates it: if it is there, the transaction was applied (all or none), and the start is done.
        const items = await storage.readWith(caseKey);
        item = items[caseKey];
        const created = items[sessionKey];
        if (created !== undefined) {
          // Its eTag is not remembered for `session`: the stored one may have changed since (superseded), and a later
          // change starting from `session` with it would be computed from what is no longer there.
          const doc = await this.cases.fromRead(session.caseId, item);
          // No longer listed: it left the pending states since (a newer form superseded it), and supersedes nothing.
          return doc.keys.includes(session.key) ? change(doc).result : [];
        }
      }
      const { result, body } = await this.cases.changeTogether(session.caseId, item, change);
      const writes: KeyWrite[] = [{ key: sessionKey, item: { ...session }, ifAbsent: true }];
      if (body) writes.push(documentWrite(caseKey, body, item));
      try {
        const [sessionETag, caseETag] = await storage.writeTogether(writes);
        if (sessionETag) this.eTags.set(session, sessionETag);
        if (body && caseETag) this.cases.wrote(session.caseId, body, caseETag);
        return result;
      } catch (err) {
        if (!isETagConflict(err)) throw err;
        this.cases.forget(session.caseId);
        await jitteredBackoff(attempt);
      }
    }
    throw new ETagGaveUpError(`session ${session.key} and Case ${session.caseId}: gave up after ${MAX_TOGETHER_ATTEMPTS} conflicting concurrent updates`);
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
    return this.cases.update(caseId, caseAnswerChange(formId, createdAt, sessionKey));
  }

  /**
   * The claim of an answered session: `update` (from `from`, the session as the caller just read it),
   * and, where the session is kept beside its Case's document, in the same transaction the Case's
   * answer claimed (`claimCaseAnswer`: its age recorded, the session unlisted; `caseClaimed` tells the
   * result, so the effects need not claim it again). A conflict on either refuses both: both are read
   * again (one query) and the claim decided afresh; of several callers racing, one sees `changed: true`.
   */
  async claim(sessionKey: string, change: (current: CoworkSession) => CoworkSession | undefined, { from }: { from: CoworkSession }): Promise<Claim> {
    const together = from.key === sessionKey ? this.together(sessionKey, from.caseId) : undefined;
    if (!together) return this.update(sessionKey, change, { from });
    const key = this.sessionStorageKey(sessionKey);
    const caseId = from.caseId;
    const caseKey = this.caseStorageKey(caseId);
    const eTag = this.eTags.get(from);
    // Routing has just read both (one query): the first attempt starts from them, with their eTags.
    let sessionItem: StoreItem | undefined = eTag ? { ...from, eTag } : undefined;
    let caseItem: StoreItem | undefined = this.cases.recentItem(caseId);
    for (let attempt = 0; attempt < MAX_TOGETHER_ATTEMPTS; attempt++) {
      if (attempt > 0 || sessionItem === undefined) {
        const items = await together.readWith(caseKey);
        sessionItem = items[key];
        caseItem = items[caseKey];
      }
      const current = this.toSession(key, sessionItem);
      if (!current) return { session: undefined, changed: false };
      const next = change(current);
      if (!next) return { session: current, changed: false };
      const updated: CoworkSession = { ...next, updatedAt: new Date().toISOString() };
      // Always written (even unchanged): the transaction then also checks the document the decision was taken on.
      const { result: caseClaimed, body } = await this.cases.changeTogether(
        caseId,
        caseItem,
        caseAnswerChange(updated.formId, answerGivenAt(updated), updated.key),
        { always: true },
      );
      const writes: KeyWrite[] = [{ key, item: { ...updated, eTag: sessionItem?.eTag ?? '*' } }];
      if (body) writes.push(documentWrite(caseKey, body, caseItem));
      try {
        const [sessionETag, caseETag] = await together.writeTogether(writes);
        if (sessionETag) this.eTags.set(updated, sessionETag);
        if (body && caseETag) this.cases.wrote(caseId, body, caseETag);
        return { session: updated, changed: true, caseClaimed };
      } catch (err) {
        if (!isETagConflict(err)) throw err;
        this.cases.forget(caseId);
        await jitteredBackoff(attempt);
      }
    }
    throw new ETagGaveUpError(`session ${sessionKey} and Case ${caseId}: gave up after ${MAX_TOGETHER_ATTEMPTS} conflicting concurrent updates`);
  }

  /**
   * The session an event names, as stored, for routing: where it is kept beside its Case's document,
   * both are read by one query (the claim then starts from the document, with its eTag).
   */
  async forEvent(sessionKey: string, caseId: string): Promise<CoworkSession[]> {
    const together = this.together(sessionKey, caseId);
    if (!together) return this.getMany([sessionKey]);
    const key = this.sessionStorageKey(sessionKey);
    const caseKey = this.caseStorageKey(caseId);
    const items = await together.readWith(caseKey);
    await this.cases.fromRead(caseId, items[caseKey]);
    return this.refused.each([key], (k) => this.toSession(k, items[k]));
  }

  /** Sessions of a Case that still wait for their event. */
  async pendingForCase(caseId: string): Promise<CoworkSession[]> {
    const storage = this.storage;
    if (!keepsTogether(storage)) return (await this.getMany((await this.cases.read(caseId)).keys)).filter((s) => isPending(s.state));
    // The document and the sessions kept beside it by one query; a listed session not kept there (a key of an
    // earlier release) by a read of its own.
    const caseKey = this.caseStorageKey(caseId);
    const items = await storage.readWith(caseKey);
    const { keys } = await this.cases.fromRead(caseId, items[caseKey]);
    const beside = keys.filter((k) => this.together(k, caseId) !== undefined).map((k) => this.sessionStorageKey(k));
    const found = this.refused.each(beside, (k) => this.toSession(k, items[k]));
    const elsewhere = await this.getMany(keys.filter((k) => this.together(k, caseId) === undefined));
    return [...found, ...elsewhere].filter((s) => isPending(s.state));
  }

  /** The storage keeping this session beside its Case's document, when it does (STORAGE=table, a key naming its Case). */
  private together(sessionKey: string, caseId: string): TogetherStorage | undefined {
    const storage = this.storage;
    return keepsTogether(storage) && storage.keptTogether([this.sessionStorageKey(sessionKey), this.caseStorageKey(caseId)]) ? storage : undefined;
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

/** The Case document's write in a transaction: guarded by the eTag it was read with, create-only when there was none. */
function documentWrite(caseKey: string, body: Record<string, unknown>, item: StoreItem | undefined): KeyWrite {
  return item ? { key: caseKey, item: { ...body, eTag: item.eTag ?? '*' } } : { key: caseKey, item: body, ifAbsent: true };
}

/**
 * The Case claimed for an answer given at `createdAt`: false, changing nothing but the routing index, when
 * the answer already written for this Case and form was given later; the session unlisted either way.
 */
function caseAnswerChange(formId: string, createdAt: number, sessionKey: string): (doc: CaseDocument) => CaseChange<boolean> {
  return (doc) => {
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
  };
}
