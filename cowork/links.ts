/**
 * Which chat conversations a Case is being worked in: what an agent's request from the Case
 * (`Cowork_Request__e`) needs to find the customer. One document per Case, shared by every
 * instance:
 *
 *   cowork/links/{caseId}   { links: [ConversationLink...] newest first (at most MAX_LINKS),
 *                             requests: [EventUuid...] the requests already taken (at most MAX_REQUESTS) }
 *
 * A conversation is linked when a session starts in it, or when the host sends a signed
 * `cowork.link` event. Every change is a read-modify-write guarded by the document's eTag, so
 * of several instances taking the same request exactly one claims it.
 */
import { updateWithETag, WRITE_LOST } from '../util/eTagUpdate';
import type { KeyValueStorage, StoreItem } from './ports';

/** Conversations kept per Case: the newest is the one a request goes to. */
export const MAX_LINKS = 5;
/** Requests remembered per Case, so a redelivered or twice-seen request is taken once. */
export const MAX_REQUESTS = 50;
const MAX_CONFLICT_RETRIES = 20;

export interface ConversationLink {
  conversationId: string;
  /** The botbuilder conversation reference, as JSON (the core never looks inside). */
  conversationReference: Readonly<Record<string, unknown>>;
  userId: string;
  linkedAt: string;
}

interface LinksDocument extends StoreItem {
  links: ConversationLink[];
  requests: string[];
}

export class CaseLinks {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix = 'cowork',
    private readonly now: () => number = Date.now,
  ) {}

  storageKey(caseId: string): string {
    return `${this.prefix}/links/${caseId}`;
  }

  /** The Case's conversations, newest first. */
  async get(caseId: string): Promise<ConversationLink[]> {
    return (await this.read(caseId))?.links ?? [];
  }

  /** Puts `conversation` first among the Case's links (it moves up if it was there already). */
  async link(caseId: string, conversation: Omit<ConversationLink, 'linkedAt'>): Promise<void> {
    const linked: ConversationLink = { ...conversation, linkedAt: new Date(this.now()).toISOString() };
    await this.update(caseId, (doc) => {
      // Already the newest, with the same reference: nothing to write (one storage write less per session).
      const newest = doc.links[0];
      if (newest?.conversationId === conversation.conversationId && sameReference(newest.conversationReference, conversation.conversationReference))
        return undefined;
      return {
        links: [linked, ...doc.links.filter((l) => l.conversationId !== conversation.conversationId)].slice(0, MAX_LINKS),
        requests: doc.requests,
      };
    });
  }

  /**
   * Takes the request `requestId` (the event's EventUuid) for the Case: `claimed` is true for
   * exactly one caller however many instances (or redeliveries) race on it. Nothing is claimed
   * when the Case has no link.
   */
  async claimRequest(caseId: string, requestId: string): Promise<{ claimed: boolean; links: ConversationLink[] }> {
    let claimed = false;
    const doc = await this.update(caseId, (current) => {
      claimed = false;
      if (current.links.length === 0 || current.requests.includes(requestId)) return undefined;
      claimed = true;
      return { links: current.links, requests: [requestId, ...current.requests].slice(0, MAX_REQUESTS) };
    });
    return { claimed, links: doc?.links ?? [] };
  }

  private async read(caseId: string): Promise<LinksDocument | undefined> {
    const key = this.storageKey(caseId);
    return toDocument((await this.storage.read([key]))[key]);
  }

  /**
   * Read-modify-write with the document's eTag; `change` returns the new document or `undefined`
   * to leave it. A first write cannot be conditional (storage has no create-if-absent): it is
   * read back, and done again if another instance's first write replaced it.
   */
  private async update(caseId: string, change: (current: LinksDocument) => LinksDocument | undefined): Promise<LinksDocument | undefined> {
    const key = this.storageKey(caseId);
    return updateWithETag<LinksDocument | undefined>(this.storage, key, { maxAttempts: MAX_CONFLICT_RETRIES, what: `links of Case ${caseId}` }, (item) => {
      const document = toDocument(item);
      const next = change(document ?? { links: [], requests: [] });
      if (!next) return { result: document };
      return {
        write: { links: next.links, requests: next.requests },
        written: async () => {
          if (document) return next;
          const back = await this.read(caseId);
          return back && JSON.stringify(back.links) === JSON.stringify(next.links) && JSON.stringify(back.requests) === JSON.stringify(next.requests)
            ? next
            : WRITE_LOST;
        },
      };
    });
  }
}

/** The links document stored at a Case's key, if there is one. */
function toDocument(item: StoreItem | undefined): LinksDocument | undefined {
  if (!item || !Array.isArray(item.links)) return undefined;
  return { links: item.links as ConversationLink[], requests: Array.isArray(item.requests) ? (item.requests as string[]) : [] };
}

/** Two conversation references that reach the same place (the activity they were taken from aside). */
function sameReference(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const { activityId: _a, ...restA } = a;
  const { activityId: _b, ...restB } = b;
  return JSON.stringify(restA) === JSON.stringify(restB);
}
