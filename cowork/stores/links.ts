/**
 * Which chat conversations a Case is being worked in: what an agent's request from the Case
 * (`Cowork_Request__e`) needs to find the customer. Kept in the Case's document
 * (`cowork/case/{caseId}`, see caseDocument.ts), shared by every instance:
 *
 *   links:    [ConversationLink...] newest first (at most MAX_LINKS)
 *   requests: [EventUuid...] the requests already taken (at most MAX_REQUESTS)
 *
 * A conversation is linked when a session starts in it (in the same write that lists the session,
 * see SessionRepository.create), or when the host sends a signed `cowork.link` event. Every change
 * is a read-modify-write guarded by the document's eTag, so of several instances taking the same
 * request exactly one claims it.
 */
import { MAX_LINKS, MAX_REQUESTS, type CaseDocument, type CaseDocuments, type ConversationLink } from './caseDocument';

export type { ConversationLink } from './caseDocument';
export { MAX_LINKS, MAX_REQUESTS } from './caseDocument';

/**
 * The Case's links with `link` first (it moves up if it was there already), or `undefined` when it
 * already is the newest with the same reference (nothing to write: one storage write less per session).
 */
export function withLinkFirst(links: readonly ConversationLink[], link: ConversationLink): ConversationLink[] | undefined {
  const newest = links[0];
  if (newest?.conversationId === link.conversationId && sameReference(newest.conversationReference, link.conversationReference)) return undefined;
  return [link, ...links.filter((l) => l.conversationId !== link.conversationId)].slice(0, MAX_LINKS);
}

/** The agents' paths look for a link of the earlier layout even where the Case has no document (see caseDocument.ts). */
const LEGACY = { legacyWhenMissing: true } as const;

export class CaseLinks {
  /** `cases`: the Case documents, the same instance the session repository writes (see bot/compositionRoot.ts). */
  constructor(
    private readonly cases: CaseDocuments,
    private readonly now: () => number = Date.now,
  ) {}

  /** The Case's conversations, newest first. */
  async get(caseId: string): Promise<ConversationLink[]> {
    return (await this.cases.read(caseId, LEGACY)).links;
  }

  /** Puts `conversation` first among the Case's links (it moves up if it was there already). */
  async link(caseId: string, conversation: Omit<ConversationLink, 'linkedAt'>): Promise<void> {
    const linked: ConversationLink = { ...conversation, linkedAt: new Date(this.now()).toISOString() };
    await this.cases.update(
      caseId,
      (doc) => {
        const links = withLinkFirst(doc.links, linked);
        return links ? { next: { ...doc, links }, result: undefined, applied: (back) => hasLink(back, linked) } : { result: undefined };
      },
      LEGACY,
    );
  }

  /**
   * Takes the request `requestId` (the event's EventUuid) for the Case: `claimed` is true for
   * exactly one caller however many instances (or redeliveries) race on it. Nothing is claimed
   * when the Case has no link.
   */
  async claimRequest(caseId: string, requestId: string): Promise<{ claimed: boolean; links: ConversationLink[] }> {
    return this.cases.update<{ claimed: boolean; links: ConversationLink[] }>(
      caseId,
      (doc: CaseDocument) => {
        if (doc.links.length === 0 || doc.requests.includes(requestId)) return { result: { claimed: false, links: doc.links } };
        return {
          next: { ...doc, requests: [requestId, ...doc.requests].slice(0, MAX_REQUESTS) },
          result: { claimed: true, links: doc.links },
          applied: (back) => back.requests.includes(requestId),
        };
      },
      LEGACY,
    );
  }
}

/** The document links `link`'s conversation (wherever in the list: a newer one may have come first since). */
export function hasLink(doc: CaseDocument, link: ConversationLink): boolean {
  return doc.links.some((l) => l.conversationId === link.conversationId);
}

/** Two conversation references that reach the same place (the activity they were taken from aside). */
function sameReference(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const { activityId: _a, ...restA } = a;
  const { activityId: _b, ...restB } = b;
  return JSON.stringify(restA) === JSON.stringify(restB);
}
