/**
 * The Case document's earlier layout, read into today's. That layout kept links in
 * `cowork/links/{caseId}` and answer ages in `cowork/caseAnswer/{caseId}/{formId}`, with `{ keys }`
 * alone in `cowork/case/{caseId}`. A document without `v: 2` is of that layout (or was last written
 * by an instance still running it): what those keys hold is folded into it when it is read, and
 * written with it at its next change. A Case with no document had no session before; a link made by
 * `cowork.link` alone is looked for by the agents' paths (links.ts: `legacyWhenMissing`), not by each
 * session's start.
 */
import { MAX_LINKS, MAX_REQUESTS, type CaseDocument, type ConversationLink } from '../domain/caseDocumentShape';
import type { KeyValueStorage } from '../ports';

export interface EarlierLayout {
  storage: KeyValueStorage;
  /** The storage keys' prefix (`cowork`). */
  prefix: string;
  caseId: string;
  /** The forms whose answer ages the earlier layout may hold. */
  formIds: readonly string[];
}

/** `doc` with what the earlier layout's separate keys hold for its Case: links, taken requests, answer ages. */
export async function withEarlierLayout(doc: CaseDocument, { storage, prefix, caseId, formIds }: EarlierLayout): Promise<CaseDocument> {
  const linksKey = `${prefix}/links/${caseId}`;
  const answerKeys = formIds.map((formId) => [formId, `${prefix}/caseAnswer/${caseId}/${formId}`] as const);
  const legacy = await storage.read([linksKey, ...answerKeys.map(([, key]) => key)]);
  const linksDoc = legacy[linksKey];
  const oldLinks = Array.isArray(linksDoc?.links) ? (linksDoc.links as ConversationLink[]) : [];
  const oldRequests = Array.isArray(linksDoc?.requests) ? (linksDoc.requests as string[]) : [];
  const answers = { ...doc.answers };
  for (const [formId, key] of answerKeys) {
    const old = legacy[key];
    if (typeof old?.createdAt !== 'number' || typeof old.sessionKey !== 'string') continue;
    if ((answers[formId]?.createdAt ?? -Infinity) < old.createdAt) answers[formId] = { createdAt: old.createdAt, sessionKey: old.sessionKey };
  }
  return {
    keys: doc.keys,
    // Newest first: this document's own links (written by this layout before an older instance's write dropped them) lead.
    links: [...doc.links, ...oldLinks.filter((l) => !doc.links.some((d) => d.conversationId === l.conversationId))].slice(0, MAX_LINKS),
    requests: [...doc.requests, ...oldRequests.filter((r) => !doc.requests.includes(r))].slice(0, MAX_REQUESTS),
    answers,
  };
}
