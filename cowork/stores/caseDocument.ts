/**
 * Everything the bot keeps per Case, in one storage document shared by every instance:
 *
 *   cowork/case/{caseId}  {
 *     keys:     [sessionKey...]  the Case's sessions still in the routing index (events that name only the Case)
 *     links:    [ConversationLink...] newest first (at most MAX_LINKS): where an agent's request sends the form
 *     requests: [EventUuid...]   the agent requests already taken (at most MAX_REQUESTS)
 *     answers:  { formId: { createdAt, sessionKey } }  when the answer now on the Case was given, per form
 *   }
 *
 * One document, not one per concern: a session's start lists it and links its conversation in one
 * read-modify-write, and its answer unlists it and records its age in another (each separate document
 * was its own read and write, and a new one its own read-back). Every change is guarded by the
 * document's eTag; a first write cannot be on botbuilder's storages (no create-if-absent), so it is read
 * back and done again if another instance's first write replaced it (on the co-work store it is create-only).
 * A change starts from the document this instance last read or wrote (with its eTag), not from a new read:
 * the claim after the event's routing read costs no read of its own.
 *
 * A document without `v: 2` is of the earlier layout (or was last written by an instance still running
 * it): caseDocumentMigration.ts folds what that layout kept elsewhere into it when it is read.
 */
import { jitteredBackoff, updateWithETag, WRITE_LOST } from '../../util/eTagUpdate';
import { setNewest } from '../../util/boundedMap';
import type { KeyValueStorage, StoreItem } from '../ports';
import { withEarlierLayout } from './caseDocumentMigration';
import type { CaseDocument, ConversationLink, RecordedAnswer } from '../domain/caseDocumentShape';

export type { CaseDocument, ConversationLink, RecordedAnswer } from '../domain/caseDocumentShape';
export { MAX_LINKS, MAX_REQUESTS } from '../domain/caseDocumentShape';

/** What one attempt of `update` makes of the document as read: the new document (or none: leave it) and a result. */
export interface CaseChange<R> {
  next?: CaseDocument | undefined;
  result: R;
  /**
   * Whether a document read back after a first write still holds this change: false only when
   * another instance's first write replaced ours (then the change is made again). Default: the
   * document is exactly `next` (stricter: a change another instance made since also counts as lost).
   */
  applied?: (doc: CaseDocument) => boolean;
}

/** The layout of the document this code writes (see the top of this file). */
const LAYOUT = 2;

/** Many instances may list sessions of one busy Case at once: retry often, with jitter. */
const MAX_CONFLICT_RETRIES = 50;
/** Documents this instance read or wrote lately, with their eTags: a change starts from one instead of reading it again. */
const RECENT_DOCUMENTS = 1000;
/** How long such a document is started from (older ones are read again: they would most likely conflict). */
const RECENT_FOR_MS = 30_000;
/** An attempt that started from a remembered document and would change nothing: decided again from a fresh read. */
const UNVERIFIED: unique symbol = Symbol('decided on a remembered document');

type Remembered = StoreItem & { eTag: string };

export class CaseDocuments {
  /**
   * The last document of each Case this instance read or wrote, with its eTag (and when). `update`
   * starts from it: the write is guarded by that eTag (a change since is a conflict, which reads
   * afresh), and a decision to change nothing is never taken on it. `read` never answers from it: what
   * routing sees of a Case's sessions is what is stored.
   */
  private readonly recent = new Map<string, { item: Remembered; at: number }>();

  /**
   * @param legacyFormIds the forms whose answer ages the earlier layout may hold
   *   (`cowork/caseAnswer/{caseId}/{formId}`), folded into a document of that layout when it is read.
   */
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix = 'cowork',
    private readonly legacyFormIds: readonly string[] = [],
  ) {}

  storageKey(caseId: string): string {
    return `${this.prefix}/case/${caseId}`;
  }

  /**
   * The Case's document (empty when there is none). `legacyWhenMissing`: also when there is none,
   * look for the earlier layout's links (a Case linked by `cowork.link` alone had no `{ keys }`
   * document); for the agents' rare paths, not for each session's start.
   */
  async read(caseId: string, { legacyWhenMissing = false }: { legacyWhenMissing?: boolean } = {}): Promise<CaseDocument> {
    const key = this.storageKey(caseId);
    const item = (await this.storage.read([key]))[key];
    this.remember(caseId, item);
    return (await this.fromStorage(caseId, item, legacyWhenMissing)) ?? emptyDocument();
  }

  /**
   * Read-modify-write of the Case's document with its eTag, retried on conflict. `change` sees the
   * document as stored (empty when there is none) and may be called several times. A document of
   * the earlier layout is written in this one even when `change` leaves it as it is (once: later
   * reads need not fold it again).
   */
  async update<R>(
    caseId: string,
    change: (current: CaseDocument) => CaseChange<R>,
    { legacyWhenMissing = false }: { legacyWhenMissing?: boolean } = {},
  ): Promise<R> {
    const first = this.remembered(caseId);
    const outcome = await this.updateFrom(caseId, change, legacyWhenMissing, first);
    if (outcome !== UNVERIFIED) return outcome;
    this.recent.delete(caseId);
    return (await this.updateFrom(caseId, change, legacyWhenMissing, undefined)) as R;
  }

  private updateFrom<R>(
    caseId: string,
    change: (current: CaseDocument) => CaseChange<R>,
    legacyWhenMissing: boolean,
    first: Remembered | undefined,
  ): Promise<R | typeof UNVERIFIED> {
    const key = this.storageKey(caseId);
    return updateWithETag<R | typeof UNVERIFIED>(
      this.storage,
      key,
      { maxAttempts: MAX_CONFLICT_RETRIES, what: `Case ${caseId}`, backoff: jitteredBackoff, ...(first ? { first } : {}) },
      async (item) => {
        if (item !== first) this.remember(caseId, item);
        const existed = toDocument(item) !== undefined;
        const stored = await this.fromStorage(caseId, item, legacyWhenMissing);
        const { next, result, applied } = change(stored ?? emptyDocument());
        const toWrite = next ?? (existed && item?.v !== LAYOUT ? stored : undefined);
        // Nothing to change, as the remembered document says: the stored one may say otherwise.
        if (!toWrite) return { result: first !== undefined && item === first ? UNVERIFIED : result };
        const written = toDocument({ ...toWrite }) ?? emptyDocument();
        const body = { ...written, v: LAYOUT };
        this.recent.delete(caseId);
        return {
          write: body,
          written: async ({ exclusive, eTag }) => {
            if (eTag !== undefined) this.remember(caseId, { ...body, eTag });
            if (existed || exclusive) return result;
            const back = await this.read(caseId);
            const kept = applied ? applied(back) : JSON.stringify(back) === JSON.stringify(written);
            return kept ? result : WRITE_LOST;
          },
        };
      },
    );
  }

  /**
   * For a write of the document together with other keys in one transaction (a storage that keeps a
   * Case's sessions beside its document, `TogetherStorage`): `change` applied to the document `item`
   * holds (as read or remembered, with its eTag; undefined: there is none). `body`: what to write, guarded
   * by `item`'s eTag (create-only when there is none), or undefined to leave the document as it is;
   * `always`: the document as it was when `change` leaves it, so that the transaction also checks that
   * it is still so (a decision taken on it holds at the write). The caller tells `wrote` or `forget`.
   */
  async changeTogether<R>(
    caseId: string,
    item: StoreItem | undefined,
    change: (current: CaseDocument) => CaseChange<R>,
    { always = false }: { always?: boolean } = {},
  ): Promise<{ result: R; body: Record<string, unknown> | undefined }> {
    const existed = toDocument(item) !== undefined;
    const stored = await this.fromStorage(caseId, item, false);
    const { next, result } = change(stored ?? emptyDocument());
    const toWrite = next ?? (existed && (always || item?.v !== LAYOUT) ? stored : undefined);
    if (!toWrite) return { result, body: undefined };
    this.recent.delete(caseId);
    return { result, body: { ...(toDocument({ ...toWrite }) ?? emptyDocument()), v: LAYOUT } };
  }

  /** The document (empty when there is none) of an item read with other keys (`readWith`): a later change starts from it. */
  async fromRead(caseId: string, item: StoreItem | undefined): Promise<CaseDocument> {
    this.remember(caseId, item);
    return (await this.fromStorage(caseId, item, false)) ?? emptyDocument();
  }

  /** A document `changeTogether` made, written with its new eTag: a later change starts from it. */
  wrote(caseId: string, body: Record<string, unknown>, eTag: string): void {
    this.remember(caseId, { ...body, eTag });
  }

  /** After a refused write: the remembered document (if any) is not started from again. */
  forget(caseId: string): void {
    this.recent.delete(caseId);
  }

  /** The document this instance last read or wrote (with its eTag), if lately: a write together may start from it. */
  recentItem(caseId: string): (StoreItem & { eTag: string }) | undefined {
    return this.remembered(caseId);
  }

  private remember(caseId: string, item: StoreItem | undefined): void {
    this.recent.delete(caseId);
    if (item?.v !== LAYOUT || typeof item.eTag !== 'string' || item.eTag === '*') return;
    // A copy: what a caller does with the document it was given never changes the remembered one.
    setNewest(this.recent, caseId, { item: JSON.parse(JSON.stringify(item)) as Remembered, at: Date.now() }, RECENT_DOCUMENTS);
  }

  private remembered(caseId: string): Remembered | undefined {
    const entry = this.recent.get(caseId);
    if (entry === undefined) return undefined;
    if (Date.now() - entry.at <= RECENT_FOR_MS) return JSON.parse(JSON.stringify(entry.item)) as Remembered;
    this.recent.delete(caseId);
    return undefined;
  }

  /** The stored item as a document; one of the earlier layout gets what its separate keys held (caseDocumentMigration.ts). */
  private async fromStorage(caseId: string, item: StoreItem | undefined, legacyWhenMissing: boolean): Promise<CaseDocument | undefined> {
    const doc = toDocument(item) ?? (legacyWhenMissing ? emptyDocument() : undefined);
    if (!doc || item?.v === LAYOUT) return doc;
    return withEarlierLayout(doc, { storage: this.storage, prefix: this.prefix, caseId, formIds: this.legacyFormIds });
  }
}

function emptyDocument(): CaseDocument {
  return { keys: [], links: [], requests: [], answers: {} };
}

/** The document stored at a Case's key, if there is one; fields it lacks are empty (older documents had only `keys`). */
function toDocument(item: StoreItem | undefined): CaseDocument | undefined {
  if (!item || typeof item !== 'object') return undefined;
  const answers =
    item.answers !== null && typeof item.answers === 'object' && !Array.isArray(item.answers) ? (item.answers as Record<string, RecordedAnswer>) : {};
  return {
    keys: Array.isArray(item.keys) ? (item.keys as string[]) : [],
    links: Array.isArray(item.links) ? (item.links as ConversationLink[]) : [],
    requests: Array.isArray(item.requests) ? (item.requests as string[]) : [],
    answers,
  };
}
