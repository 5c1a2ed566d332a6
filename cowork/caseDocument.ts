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
 * document's eTag; a first write cannot be (storage has no create-if-absent), so it is read back and
 * done again if another instance's first write replaced it.
 */
import { jitteredBackoff, updateWithETag, WRITE_LOST } from '../util/eTagUpdate';
import type { KeyValueStorage, StoreItem } from './ports';

export interface ConversationLink {
  conversationId: string;
  /** The botbuilder conversation reference, as JSON (the core never looks inside). */
  conversationReference: Readonly<Record<string, unknown>>;
  userId: string;
  linkedAt: string;
}

/** When the answer now on the Case for one form was given (the event's CreatedDate, ms), and by which session. */
export interface RecordedAnswer {
  createdAt: number;
  sessionKey: string;
}

export interface CaseDocument {
  keys: string[];
  links: ConversationLink[];
  requests: string[];
  answers: Record<string, RecordedAnswer>;
}

/** What one attempt of `update` makes of the document as read: the new document (or none: leave it) and a result. */
export interface CaseChange<R> {
  next?: CaseDocument;
  result: R;
}

/** Many instances may list sessions of one busy Case at once: retry often, with jitter. */
const MAX_CONFLICT_RETRIES = 50;

export class CaseDocuments {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix = 'cowork',
  ) {}

  storageKey(caseId: string): string {
    return `${this.prefix}/case/${caseId}`;
  }

  /** The Case's document (empty when there is none). */
  async read(caseId: string): Promise<CaseDocument> {
    const key = this.storageKey(caseId);
    return toDocument((await this.storage.read([key]))[key]) ?? emptyDocument();
  }

  /**
   * Read-modify-write of the Case's document with its eTag, retried on conflict. `change` sees the
   * document as stored (empty when there is none) and may be called several times.
   */
  async update<R>(caseId: string, change: (current: CaseDocument) => CaseChange<R>): Promise<R> {
    const key = this.storageKey(caseId);
    return updateWithETag<R>(this.storage, key, { maxAttempts: MAX_CONFLICT_RETRIES, what: `Case ${caseId}`, backoff: jitteredBackoff }, (item) => {
      const stored = toDocument(item);
      const { next, result } = change(stored ?? emptyDocument());
      if (!next) return { result };
      return {
        write: { ...next },
        written: async () => {
          if (stored) return result;
          const back = await this.read(caseId);
          return JSON.stringify(back) === JSON.stringify(toDocument({ ...next })) ? result : WRITE_LOST;
        },
      };
    });
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
